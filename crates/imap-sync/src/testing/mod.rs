//! Test support (feature `testing`): a toy IMAP server, a virtual-time harness that wires it to an engine
//! and a store image, a transcript runner, and mail builders.
//!
//! What belongs here: deterministic, in-memory stand-ins for the driver, the server and the store. What
//! does not: assertions specific to one test (those live in `tests/`).

mod harness;
mod mail;
mod toy_server;
mod toy_write;
mod transcript;

pub use harness::{Harness, check_mirror};
pub use mail::{MailBuilder, day_ms};
pub use toy_server::{ToyMailbox, ToyMessage, ToyServer};
pub use transcript::{TranscriptOutcome, run_transcript};
