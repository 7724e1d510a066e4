//! Server settings: listeners, data directory, limits and lifetimes. Parsing flags and environment variables is the
//! CLI's job; this module only holds validated values and their defaults.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use crate::clock::Clock;

/// Everything `serve` needs. `ServerConfig::new(data_dir)` gives the documented defaults.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where the store, the auth key and other state live.
    pub data_dir: PathBuf,
    /// User SOAP listener (`/service/soap`).
    pub listen: SocketAddr,
    /// Admin SOAP listener (`/service/admin/soap`, `/metrics`).
    pub admin_listen: SocketAddr,
    /// How long an auth token stays valid.
    pub token_lifetime: Duration,
    /// Change-log retention: sync tokens older than this need a full resync.
    pub retention: Duration,
    /// Largest accepted request body; larger ones get a fault.
    pub max_body_bytes: usize,
    /// IMAP worker settings (poll interval, TLS trust, plaintext policy); `None` runs no IMAP workers.
    pub sync: Option<inboxd_imap_driver::SyncConfig>,
    /// WaitSet limits and timeouts (Zimbra's defaults).
    pub waitset: inboxd_waitset::Config,
    /// The time source; tests use a manual clock.
    pub clock: Clock,
}

impl ServerConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            listen: SocketAddr::from(([127, 0, 0, 1], 7070)),
            admin_listen: SocketAddr::from(([127, 0, 0, 1], 7071)),
            token_lifetime: Duration::from_secs(12 * 3600),
            retention: Duration::from_secs(7 * 24 * 3600),
            max_body_bytes: 4 * 1024 * 1024,
            sync: Some(inboxd_imap_driver::SyncConfig::default()),
            waitset: inboxd_waitset::Config::zimbra(),
            clock: Clock::System,
        }
    }
}
