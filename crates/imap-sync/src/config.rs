//! Per-account engine settings.
//!
//! What belongs here: `SyncConfig` and its defaults, credentials. What does not: server quirks detected at
//! runtime (capabilities live in the engine's session state).

use std::time::Duration;

/// How the engine logs in.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

/// How `sync_message` asks for a new message's headers.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum HeaderFetch {
    /// `BODY.PEEK[HEADER.FIELDS (…)]`: only the fields the engine reads travel (~1/5 of the bytes on list
    /// mail), but the server must parse every header to pick them (Dovecot: 2.3× the CPU of a whole-header
    /// fetch when the fields are not in its cache yet). Best on slow links.
    Fields,
    /// `BODY.PEEK[HEADER]`: the server streams the stored header block as is; the engine picks the fields
    /// itself. Best on fast links (LAN, loopback, same data centre).
    Whole,
}

/// Per-account engine settings.
#[derive(Clone, Debug)]
pub struct SyncConfig {
    pub credentials: Credentials,
    /// Time between the end of one sync cycle and the next.
    pub refresh_interval: Duration,
    /// First reconnect delay after a disconnect; doubles up to `retry_max`, reset by a successful login.
    pub retry_min: Duration,
    pub retry_max: Duration,
    /// Keep growing every folder until it is fully synced (a server-side mirror wants everything).
    /// When false, folders only grow on `Input::Grow`.
    pub grow_to_full: bool,
    /// Envelopes fetched per `UID FETCH` in `sync_message`.
    pub fetch_chunk: u32,
    /// Header fields or whole header blocks (the stored records are the same either way).
    pub header_fetch: HeaderFetch,
    /// Longest UID set text in one command; longer sets are split (servers limit line length).
    pub uid_set_chars: usize,
    /// Largest body `sync_body` fetches.
    pub max_body_bytes: u32,
    /// Use EXAMINE instead of SELECT (the sync itself never changes mailboxes).
    pub read_only: bool,
    /// Wait in IDLE on INBOX between cycles when the server advertises IDLE.
    pub use_idle: bool,
    /// Re-issue IDLE at least this often (RFC 2177 servers may drop idlers after 30 minutes).
    pub idle_max: Duration,
}

impl SyncConfig {
    /// Defaults: 5-minute refresh, 1 s..5 min backoff, full sync, 50 envelopes per fetch of header fields,
    /// 4000-character UID sets, 1 MiB bodies, EXAMINE, IDLE when offered (renewed every 25 minutes).
    pub fn new(credentials: Credentials) -> Self {
        Self {
            credentials,
            refresh_interval: Duration::from_secs(300),
            retry_min: Duration::from_secs(1),
            retry_max: Duration::from_secs(300),
            grow_to_full: true,
            fetch_chunk: 50,
            header_fetch: HeaderFetch::Fields,
            uid_set_chars: 4000,
            max_body_bytes: 1 << 20,
            read_only: true,
            use_idle: true,
            idle_max: Duration::from_secs(25 * 60),
        }
    }
}
