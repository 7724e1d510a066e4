//! IO shell for the vanilla IMAP sync engine: tokio sockets, TLS/STARTTLS (rustls, ring, verification on),
//! response framing with `inboxd_imap_sync::wire`, reconnect backoff, and per-account workers that feed the
//! sans-IO engine and apply its store batches.
//!
//! What belongs here: everything that waits on a socket, a timer or the store. What does not: sync decisions
//! (`inboxd-imap-sync`) and the IMAP syntax (`inboxd_imap_sync::wire`).

mod backoff;
mod connection;
mod error;
mod stream;
mod tls;

pub use backoff::Backoff;
pub use connection::{Connection, Reply};
pub use error::DriverError;
pub use tls::{ConnectOptions, Trust};
