//! Conversation threading for inboxd: pure functions and data structures, no IO, no clock, no store.
//!
//! What belongs here: Message-ID / References normalization (`message_id`), base subjects
//! (`subject`), the ids a message is looked up by (`headers`), the New/Join/Merge rule
//! (`resolve`), an in-memory headerIdMap with merges (`map`), conversation summaries (`churn`)
//! and a batch reference grouping for tests (`reference`). What does not: fetching or parsing
//! whole messages, persistence, scheduling (all in the sync engine).
//!
//! The rules, in one place:
//! - Conversations are strict: messages sharing any Message-ID / References / In-Reply-To id (also
//!   an id of a message never seen) are one conversation; subjects never group messages.
//! - In-Reply-To always counts, also without References.
//! - When a message links several conversations they merge; the smallest (oldest) id survives.
//! - Two messages with the same Message-ID (Sent copy and list copy) are two messages in one
//!   conversation.
//! - Ids are keys after [`normalize_message_id`]; References are capped ([`MAX_REFERENCES`]).
//!
//! Typical use by a sync engine: build [`ThreadHeaders::from_raw`] from the three raw header
//! values, call [`HeaderIdMap::assign`] (or [`resolve`] over its own store lookups of
//! [`ThreadHeaders::header_ids`]), persist the [`Assignment`], then recompute the conversation
//! row with [`churn`].

mod churn;
mod headers;
mod map;
mod message_id;
mod reference;
mod resolve;
mod subject;

pub use churn::{Addr, ConvMessage, ConversationSummary, MAX_PARTICIPANTS, churn};
pub use headers::ThreadHeaders;
pub use map::{Assignment, HeaderIdMap};
pub use message_id::{MAX_ID_BYTES, MAX_REFERENCES, normalize_message_id, parse_message_id_list};
pub use reference::{canonical, reference_threads};
pub use resolve::{Resolution, resolve};
pub use subject::base_subject;
