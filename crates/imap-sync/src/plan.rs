//! The durable task queue: work that must survive a restart, keyed by umid.
//!
//! What belongs here: the `Task` values persisted through `Batch::tasks` / `Snapshot::tasks`, and the
//! [`LocalOp`] a client's change arrives as. Folder-level syncs (folder list, refresh, grow) are not here:
//! they are re-derived every session by the scheduler in `engine`.
//!
//! Offline operations are complex tasks whose marker is the umid: at most one `StoreFlags` per umid holding
//! the net change against the flags last seen upstream (flag then unflag leaves none), and at most one
//! not-yet-started `Move` per umid (A→B→C keeps one move A→C; A→B→A keeps none). Planning them lives in
//! `tasks::plan_ops`, executing them in `tasks::store_flags` and `tasks::move_message`.

use crate::{FlagSet, FolderId, Umid};

/// One durable unit of work.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Task {
    /// Fetch the envelope of a located message and thread it (`tasks::sync_message`).
    SyncMessage { umid: Umid },
    /// Fetch the body of a message: snippet and parts (`tasks::sync_body`).
    SyncBody { umid: Umid },
    /// Change a message's flags upstream: the net change against the flags its location last saw.
    StoreFlags {
        umid: Umid,
        add: Vec<String>,
        remove: Vec<String>,
    },
    /// Move a message upstream from where its location says it is to `to`. `copied` is the marker written
    /// before the COPY (or MOVE) goes out: after a crash the copy may exist already, so the task looks for it
    /// by Message-ID in `to` before copying again. `message_id` (recorded with the marker) is what it searches
    /// for, since the message record may be gone by then (deleted while the move was under way).
    Move {
        umid: Umid,
        to: FolderId,
        copied: bool,
        message_id: Option<String>,
    },
    /// Delete a message upstream (`\Deleted` + expunge).
    Delete { umid: Umid },
    /// A client's folder change to carry out upstream (`tasks::folder_ops`).
    Folder(FolderOp),
}

impl Task {
    /// The message the task is about.
    pub fn umid(&self) -> Option<Umid> {
        match self {
            Task::SyncMessage { umid }
            | Task::SyncBody { umid }
            | Task::StoreFlags { umid, .. }
            | Task::Move { umid, .. }
            | Task::Delete { umid } => Some(*umid),
            Task::Folder(_) => None,
        }
    }

    /// Whether this is a client operation waiting to reach the server (as opposed to a sync chore).
    pub fn is_local_op(&self) -> bool {
        matches!(
            self,
            Task::StoreFlags { .. } | Task::Move { .. } | Task::Delete { .. } | Task::Folder(_)
        )
    }
}

/// A client's change to one message, already applied to the store, that must reach the server. Values are
/// the wanted end state, so a later op for the same message simply replaces an earlier one.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LocalOp {
    pub umid: Umid,
    /// The message's complete local flags after the change (`None`: flags untouched).
    pub flags: Option<FlagSet>,
    /// The folder the message should live in (`None`: not moved).
    pub folder: Option<FolderId>,
    /// The message was deleted (flags and folder are then ignored).
    pub delete: bool,
}

/// A client's change to the folder tree, already applied to the store. Paths are the engine's business: it
/// builds them from the parent's path and delimiter.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum FolderOp {
    /// CREATE `name` under `parent` (`None`: top level).
    Create {
        parent: Option<FolderId>,
        name: String,
    },
    /// RENAME a folder to `name` in the same parent.
    Rename { folder: FolderId, name: String },
    /// DELETE a folder.
    Delete { folder: FolderId },
}
