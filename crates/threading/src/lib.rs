//! Conversation threading for inboxd: pure functions and data structures, no IO, no clock, no store.
//!
//! What belongs here: Message-ID / References normalization (`message_id`), base subjects
//! (`subject`), the ids a message is looked up by (`headers`), the New/Join/Merge rule
//! (`resolve`), an in-memory headerIdMap with merges (`map`), conversation summaries (`churn`)
//! and a batch reference grouping for tests (`reference`). What does not: fetching or parsing
//! whole messages, persistence, scheduling (all in the sync engine).
//!
//! Conversations are strict: messages sharing any Message-ID / References / In-Reply-To id (also
//! an unseen one) are one conversation; there is no subject-based grouping.

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
