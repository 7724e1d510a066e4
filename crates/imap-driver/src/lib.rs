//! IO shell for the vanilla IMAP sync engine: tokio sockets, TLS/STARTTLS (rustls, ring, verification on),
//! response framing with `inboxd_imap_sync::wire`, reconnect backoff, and per-account workers that feed the
//! sans-IO engine and apply its store batches.
//!
//! What belongs here: everything that waits on a socket, a timer or the store. What does not: sync decisions
//! (`inboxd-imap-sync`) and the IMAP syntax (`inboxd_imap_sync::wire`).
//!
//! # Entry points
//! - [`spawn_worker`]`(store, account, SyncConfig)` → [`WorkerHandle`] (`sync_now`, `fetch_body`,
//!   `status`/`watch`, `shutdown`): keeps one account in sync, polling every `poll_interval` (60 s).
//! - [`stored_body`]: the MIME parts of a fetched body ([`StoredPart`]), stored by the batch that fetched it.
//! - [`sync_once`] / [`sync_once_with`]: one full cycle for `inboxd sync`, reporting [`ProgressEvent`]s.
//! - [`verify_login`] / [`verify_login_with`]: credential check for `inboxd account add`.
//! - [`Connection`]: a raw IMAP session (tests, benchmarks, tools).
//! - [`apply_message_actions`] (store change + [`queue_op`]) and [`queue_folder_op`]: client changes that must
//!   reach the server; the worker picks them up at start and on `sync_now`.
//!
//! # Layout
//! `connection` (+ `stream`, `tls`): sockets and framing. `runner`: drives one engine (actions, events);
//! `worker` and `once` wrap it, each session a task on the IMAP sessions' own runtime (`thread`). `persist`: engine batches → store
//! items and sync state; `body`: fetched bodies in the sync state. `ops`, `local_ops`, `folder_ops`: client
//! operations. `clock`: the one wall-clock read.

mod body;
mod clock;
mod commits;
mod config;
mod connection;
mod error;
mod folder_ops;
mod local_ops;
mod once;
mod ops;
mod persist;
mod runner;
mod stream;
mod thread;
mod tls;
mod worker;

pub use body::{BODY_SPACE, StoredPart, stored_body};
pub use config::{ProgressEvent, SyncConfig, SyncSummary};
pub use connection::{Connection, Reply};
pub use error::DriverError;
pub use folder_ops::{QueuedFolderOp, queue_folder_op};
pub use inboxd_imap_sync::HeaderFetch;
pub use local_ops::{MessageAction, apply_message_actions, rechurn};
pub use once::{sync_once, sync_once_with, verify_login, verify_login_with};
pub use ops::{OPS_SPACE, QueuedOp, queue_op};
pub use persist::ApplyStats;
pub use tls::{ConnectOptions, Trust};
pub use worker::{WorkerHandle, WorkerStatus, spawn_worker};
