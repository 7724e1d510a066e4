//! The durable task queue: work that must survive a restart, keyed by umid.
//!
//! What belongs here: the `Task` values persisted through `Batch::tasks` / `Snapshot::tasks`. Folder-level
//! syncs (folder list, refresh, grow) are not here: they are re-derived every session by the scheduler in
//! `engine`. Issue 5 will add planned offline operations here (flag changes and moves as complex tasks whose
//! marker is the umid, merged so that only the final intent per umid is kept); the engine already runs durable
//! tasks in `TaskId` order after each folder's refresh, which is where their execution will hook in.

use crate::Umid;

/// One durable unit of work.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Task {
    /// Fetch the envelope of a located message and thread it (`tasks::sync_message`).
    SyncMessage { umid: Umid },
    /// Fetch the body of a message: snippet and parts (`tasks::sync_body`).
    SyncBody { umid: Umid },
}

impl Task {
    /// The message the task is about.
    pub fn umid(&self) -> Option<Umid> {
        match self {
            Task::SyncMessage { umid } | Task::SyncBody { umid } => Some(*umid),
        }
    }
}
