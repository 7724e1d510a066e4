//! Sans-IO WaitSet engine: Zimbra's WaitSet semantics (waitset.txt, as corrected by zimbra-waitset.md)
//! as a plain state machine. No IO, no clock, no async, no wire formats: every input carries `now`, a
//! blocked request becomes a parked [`Ticket`], and the shell asks [`WaitSets::poll_timeout`] when to
//! call [`WaitSets::on_timeout`].
//!
//! Inputs: [`WaitSets::create`], [`WaitSets::wait`], [`WaitSets::destroy`], [`WaitSets::query`],
//! [`WaitSets::on_change`], [`WaitSets::on_account_status`], [`WaitSets::on_timeout`],
//! [`WaitSets::abandon`], [`WaitSets::resume_all_accounts`]. Outputs: the direct answer plus
//! [`Completion`]s for other parked requests that must be answered now.
//!
//! Rules kept from Zimbra: create answers seq 0 and the first data response has seq 2; one
//! unacknowledged batch is retransmitted (merged with new data, under a new seq) until a request carries
//! exactly the last issued seq; a second wait cancels the parked one; timed-out/non-blocking empty
//! responses echo the client's seq; canceled ones carry no seq. Folder interests are stored and
//! reported by query, but change events carry no folders, so they do not filter notifications.
//!
//! Module map: `engine` (registry, create/destroy, limits, deadline queue), `set` (one waitset,
//! seq/ack/retransmit), `members` (add/update/remove), `wait`, `events`, `timers`, `resume`, `query`.

mod accounts;
mod config;
mod engine;
mod error;
mod events;
mod index;
mod members;
mod query;
mod resume;
mod set;
mod timers;
mod types;
mod wait;

pub use config::{Config, TimeoutRange};
pub use engine::{Stats, WaitSets};
pub use error::{WaitSetError, parse_types};
pub use query::{MemberInfo, WaitSetInfo};
pub use resume::LogEntry;
pub use types::{
    AccountError, AccountLookup, AccountState, AddSpec, Completion, CreateRequest, Created,
    ErrorCode, Owner, Signalled, Ticket, WaitOutcome, WaitRequest, WaitResponse, WaitSetId,
};
