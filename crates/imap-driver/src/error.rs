//! The driver's error type: everything that can go wrong between a socket and the store.

use inboxd_imap_sync::wire::Status;

/// Errors from connecting, talking IMAP, or applying sync results.
#[derive(Debug, thiserror::Error)]
pub enum DriverError {
    #[error("network: {0}")]
    Io(#[from] std::io::Error),
    #[error("TLS: {0}")]
    Tls(String),
    #[error("timed out waiting for the server ({0})")]
    Timeout(&'static str),
    #[error("server closed the connection{}", .0.as_deref().map(|t| format!(": {t}")).unwrap_or_default())]
    Closed(Option<String>),
    /// The server sent something we cannot frame or a response we did not expect.
    #[error("protocol: {0}")]
    Protocol(String),
    /// LOGIN/AUTHENTICATE was refused.
    #[error("login refused: {0}")]
    Auth(String),
    /// A command completed with NO or BAD.
    #[error("{command} failed ({status:?}): {text}")]
    Command {
        command: &'static str,
        status: Status,
        text: String,
    },
    /// Settings that cannot work (no IMAP source, bad host name, plaintext not allowed, …).
    #[error("configuration: {0}")]
    Config(String),
    #[error("store: {0}")]
    Store(String),
    #[error("sync engine: {0}")]
    Engine(String),
    /// The worker was shut down while the operation ran.
    #[error("shut down")]
    Shutdown,
}

impl DriverError {
    /// True for errors that a reconnect may cure (network trouble, timeouts, server hang-ups).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            DriverError::Io(_)
                | DriverError::Timeout(_)
                | DriverError::Closed(_)
                | DriverError::Tls(_)
                | DriverError::Protocol(_)
        )
    }
}
