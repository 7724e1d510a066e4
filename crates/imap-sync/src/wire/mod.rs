//! The IMAP wire codec: commands to bytes, bytes to responses. Pure: no IO, no clock, no async.
//!
//! What belongs here: IMAP4rev1 (RFC 3501) syntax, the handful of extension codes servers send unasked
//! (UIDPLUS, CONDSTORE), modified UTF-7 mailbox names and UID sets. What does not: deciding what to send (the
//! sync engine) or moving bytes (the `inboxd-imap-driver` crate).
//!
//! Sending: [`encode`] turns a [`Command`] into segments; send the first, and before each further segment wait
//! for a [`Response::Continue`]. Receiving: call [`parse_response`] on the buffered bytes; on
//! [`ParseError::Incomplete`] read more; on [`ParseError::Invalid`] drop [`skip_line`] bytes and go on.

mod code;
mod command;
mod cursor;
mod date;
mod encode;
mod fetch;
mod frame;
mod parse;
mod response;
mod search;
mod uid_set;
mod utf7;

pub use command::{Command, FetchAttr, SearchKey, StatusItem, StoreOp};
pub use date::{format_date, format_date_time, parse_date_time};
pub use encode::{MAX_QUOTED, encode};
pub use frame::MAX_LITERAL;
pub use parse::{ParseError, parse_response, skip_line};
pub use response::{
    Address, Code, Envelope, FetchItem, ListEntry, MailboxStatus, Response, Status, Untagged,
};
pub use uid_set::UidSet;
pub use utf7::{decode_mailbox, encode_mailbox};

#[cfg(test)]
mod encode_tests;
#[cfg(test)]
mod parse_tests;
