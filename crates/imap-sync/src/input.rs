//! `Input`: everything that can happen to the engine (the driver feeds these with `now`).

use crate::plan::{FolderOp, LocalOp};
use crate::wire::Response;
use crate::{FolderId, Snapshot, Umid};

/// Something that happened, for the engine to react to.
#[derive(Clone, PartialEq, Debug)]
pub enum Input {
    /// The persisted state, loaded by the driver at start (before anything else; a later one replaces the
    /// state wholesale and restarts the session).
    Restored(Snapshot),
    /// The connection is up (TLS done, greeting read). `capabilities` from the greeting's code or empty;
    /// `preauthenticated` when the greeting was PREAUTH.
    Connected {
        capabilities: Vec<String>,
        preauthenticated: bool,
    },
    /// One parsed server response. The driver tags commands itself; any tagged response completes the one
    /// command in flight.
    Response(Response),
    /// The connection is gone (error, BYE, or after LOGOUT).
    Disconnected,
    /// Start a sync cycle now (user pressed refresh, or a push hint arrived).
    SyncNow,
    /// Sync one more date window of a folder (the user scrolled past the end).
    Grow { folder: FolderId },
    /// Fetch a message's body and snippet.
    FetchBody { umid: Umid },
    /// Client operations already applied to the store, to plan as durable tasks and carry out upstream. The
    /// driver removes its own hand-off records in the same commit as the batch this input emits.
    Ops(Vec<LocalOp>),
    /// Client folder changes already applied to the store (same hand-off contract as `Ops`).
    FolderOps(Vec<FolderOp>),
    /// The store committed the batch with this `seq`.
    BatchApplied { seq: u64 },
    /// A wake-up: `poll_timeout` passed (or the driver just wants the engine to look at the time).
    Timer,
    /// Log out and stay offline.
    Shutdown,
}
