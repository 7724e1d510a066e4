//! Sans-IO vanilla IMAP sync engine (design: `imap-vanilla-sync.txt`; gaia's "convoy" engine ported, its bugs
//! not).
//!
//! # Driving it
//! One [`AccountSync`] per account. The driver (`inboxd-imap-driver`) loops:
//! 1. at start, `handle(Input::Restored(snapshot), now)` with what earlier batches wrote;
//! 2. drain `poll_action()`: [`Action::Connect`] → open the connection and report
//!    [`Input::Connected`]; [`Action::Send`] → encode with a fresh tag and send, then feed every parsed
//!    response back as [`Input::Response`]; [`Action::Store`] → commit the [`Batch`] atomically and report
//!    [`Input::BatchApplied`]; [`Action::Disconnect`] → close;
//! 3. sleep until `poll_timeout()` (then feed [`Input::Timer`]) or the next network/user event.
//!
//! The engine never reads a clock and does no IO: `now` comes with every input.
//!
//! # Layout
//! - `engine`: connection life cycle and the job scheduler (one command in flight); `input`, `action`,
//!   `config`: its public vocabulary.
//! - `tasks/*`: one file per design-doc task (`sync_folder_list`, `sync_refresh`, `sync_grow` with
//!   `date_probe`, `sync_message`, `sync_conv`, `sync_merge`, `sync_body`), and the client operations:
//!   `plan_ops` (an [`Input::Ops`] becomes durable tasks plus its local effect), `store_flags`,
//!   `move_message` (moves and deletions, crash-safe through the task's `copied` marker), `folder_ops`
//!   (CREATE / RENAME / DELETE).
//! - `db`: in-memory account state; every change is recorded into the pending `Batch` (`batch`).
//! - `records`, `ids`, `flags`: the persisted data; `plan`: durable task queue and [`LocalOp`].
//! - `headers`: mail-parser header parsing; `reply`: views over `wire` responses.
//! - `wire`: the IMAP codec (commands, responses, UID sets), written alongside.
//! - `testing` (feature `testing`): toy IMAP server, store image and virtual-time harness.

pub mod wire;

mod action;
mod batch;
mod config;
mod db;
mod engine;
mod flags;
mod headers;
mod ids;
mod input;
mod plan;
mod records;
mod reply;
mod tasks;

#[cfg(feature = "testing")]
pub mod testing;

use inboxd_model::Timestamp;

pub use action::Action;
pub use batch::{Batch, ConvMerge, MessageWrite, Snapshot};
pub use config::{Credentials, HeaderFetch, SyncConfig};
pub use engine::AccountSync;
pub use flags::{FlagSet, FlagSetEntry};
pub use headers::{
    HEADER_FIELDS, ParsedHeaders, parse_headers, select_fields, synthesize_message_id,
};
pub use ids::{ConvId, FlagSetId, FolderId, TaskId, Umid};
pub use input::Input;
pub use plan::{FolderOp, LocalOp, Task};
pub use records::{
    Address, Body, BodyPart, Counters, Folder, FolderKind, FolderSyncState, Location, Message,
    Problem, ProblemKind,
};
pub use reply::{Capabilities, Reply, SelectInfo};
pub use tasks::date_probe;

/// A conversation's stored summary (computed by `inboxd_threading::churn`).
pub type Conversation = inboxd_threading::ConversationSummary;

/// One day in milliseconds.
pub const DAY_MS: u64 = 86_400_000;

/// The dawn of time for sync windows: 1990-01-01T00:00:00Z (gaia `OLDEST_SYNC_DATE`).
pub const OLDEST_SYNC_DATE: Timestamp = Timestamp(631_152_000_000);
