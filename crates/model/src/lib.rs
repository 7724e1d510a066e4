//! Identifiers and value types shared by every inboxd crate.
//!
//! What belongs here: small, validated newtypes (account ids, change ids, item types and interest sets,
//! timestamps) and the change event that links the store to the WaitSet engine. What does not: IO, wire
//! formats (XML/JSON live in `inboxd-soap`), storage, async.

mod change;
mod ids;
mod item_type;
mod time;

pub use change::ChangeEvent;
pub use ids::{AccountId, ChangeId, CommitSeq, ItemId};
pub use item_type::{InterestTypes, ItemType, ParseTypesError};
pub use time::Timestamp;
