//! The sync tasks of the design doc, one file each, as small state machines driven by the engine.
//!
//! A job sends at most one command at a time: `start` and `on_reply` return the next [`Step`]. Each step's
//! store writes go through `Cx::db` and leave the engine as one batch, so a job interrupted by a disconnect
//! has committed whole steps only. What does not belong here: connection handling and scheduling (`engine`).

use inboxd_model::Timestamp;

use crate::db::Db;
use crate::reply::Capabilities;
use crate::reply::Reply;
use crate::wire::Command;
use crate::{FolderId, Problem, ProblemKind, SyncConfig, TaskId, Umid};

pub mod date_probe;
pub(crate) mod folder_ops;
pub(crate) mod move_message;
pub(crate) mod plan_ops;
pub(crate) mod store_flags;
pub(crate) mod sync_body;
pub(crate) mod sync_conv;
pub(crate) mod sync_folder_list;
pub(crate) mod sync_grow;
pub(crate) mod sync_merge;
pub(crate) mod sync_message;
pub(crate) mod sync_refresh;

/// What a job wants next.
#[derive(Debug)]
pub(crate) enum Step {
    Send(Command),
    Done,
}

/// A job the scheduler can queue.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum JobSpec {
    FolderList,
    Refresh(FolderId),
    /// Grow a folder (in mirror mode: sync all of it).
    Grow(FolderId),
    /// Run the pending `SyncMessage` tasks of a folder.
    Messages(FolderId),
    /// Run one pending `SyncBody` task.
    Body(Umid),
    /// Carry out every pending `StoreFlags` task.
    StoreFlags,
    /// Carry out one pending `Move` or `Delete` task.
    Move(TaskId),
    /// Carry out one pending folder change.
    Folder(TaskId),
}

/// What a running job may touch.
pub(crate) struct Cx<'a> {
    pub db: &'a mut Db,
    pub now: Timestamp,
    pub config: &'a SyncConfig,
    /// The server's capabilities (MOVE, UIDPLUS decide how moves are done).
    pub caps: &'a Capabilities,
    /// The folder currently SELECTed on the connection.
    pub selected: Option<FolderId>,
    /// The selection is read-write (SELECT, not EXAMINE).
    pub selected_rw: bool,
    /// Jobs to run right after this one, in order.
    pub follow_ups: Vec<JobSpec>,
}

impl Cx<'_> {
    /// Reports a failed command and its effect; the job then ends.
    pub(crate) fn command_failed(&mut self, folder: Option<FolderId>, what: &str, reply: &Reply) {
        let detail = format!("{what}: {:?} {}", reply.status, reply.text);
        self.db.problem(Problem {
            folder,
            ..Problem::new(ProblemKind::CommandFailed, detail)
        });
    }

    /// A step that selects `folder`, or ends the job when the folder is unknown.
    pub(crate) fn select_step(&self, folder: FolderId) -> Step {
        self.select(folder).map_or(Step::Done, Step::Send)
    }

    /// Whether `folder` is selected read-write already (client operations need SELECT, not EXAMINE).
    pub(crate) fn is_selected_rw(&self, folder: FolderId) -> bool {
        self.selected == Some(folder) && self.selected_rw
    }

    /// A read-write SELECT of `folder` (client operations change the mailbox even when the sync itself only
    /// EXAMINEs), or ends the job when the folder is unknown.
    pub(crate) fn select_rw_step(&self, folder: FolderId) -> Step {
        self.db.folder(folder).map_or(Step::Done, |f| {
            Step::Send(Command::Select {
                mailbox: f.path.clone(),
            })
        })
    }

    /// The SELECT (or EXAMINE) command for a folder; `None` if the folder is unknown.
    pub(crate) fn select(&self, folder: FolderId) -> Option<Command> {
        let path = self.db.folder(folder)?.path.clone();
        Some(if self.config.read_only {
            Command::Examine { mailbox: path }
        } else {
            Command::Select { mailbox: path }
        })
    }
}

/// Whether a refusal is worth retrying later (RFC 5530 codes for temporary conditions): the task stays queued
/// for the next cycle, whose interval is the backoff. Other refusals are final.
pub(crate) fn is_transient(reply: &Reply) -> bool {
    const TRANSIENT: [&str; 5] = ["UNAVAILABLE", "INUSE", "LIMIT", "SERVERBUG", "OVERQUOTA"];
    matches!(&reply.code, Some(crate::wire::Code::Other(name, _))
        if TRANSIENT.iter().any(|t| name.eq_ignore_ascii_case(t)))
}

/// A running task.
pub(crate) trait Job: std::fmt::Debug + Send {
    /// The first step.
    fn start(&mut self, cx: &mut Cx<'_>) -> Step;
    /// The reply to the command the last step sent.
    fn on_reply(&mut self, cx: &mut Cx<'_>, reply: Reply) -> Step;
    /// Whether `on_reply` postponed work so that its next command could go out first.
    fn has_deferred(&self) -> bool {
        false
    }
    /// Does the postponed work. The engine calls it once the command is out, and before any later input;
    /// it must not depend on that command's reply.
    fn run_deferred(&mut self, _cx: &mut Cx<'_>) {}
}

/// Builds the job for a spec.
pub(crate) fn make_job(spec: JobSpec) -> Box<dyn Job> {
    match spec {
        JobSpec::FolderList => Box::new(sync_folder_list::SyncFolderList),
        JobSpec::Refresh(f) => Box::new(sync_refresh::SyncRefresh::new(f)),
        JobSpec::Grow(f) => Box::new(sync_grow::SyncGrow::new(f)),
        JobSpec::Messages(f) => Box::new(sync_message::SyncMessages::new(f)),
        JobSpec::Body(u) => Box::new(sync_body::SyncBody::new(u)),
        JobSpec::StoreFlags => Box::<store_flags::StoreFlags>::default(),
        JobSpec::Move(t) => Box::new(move_message::MoveMessage::new(t)),
        JobSpec::Folder(t) => Box::new(folder_ops::FolderOps::new(t)),
    }
}

/// Checks a SELECT reply's UIDVALIDITY against the folder state. On a change the folder's messages are
/// dropped (their conversations re-churned, emptied ones deleted) and the state reset, so the following grow
/// re-syncs it from scratch without leaving duplicates behind. Returns true when it reset.
pub(crate) fn check_uid_validity(cx: &mut Cx<'_>, folder: FolderId, validity: Option<u32>) -> bool {
    let mut st = cx.db.sync_state(folder);
    match (st.uid_validity, validity) {
        (Some(old), Some(new)) if old != new => {
            cx.db.drop_folder_messages(folder);
            let detail = format!("UIDVALIDITY {old} -> {new}");
            cx.db.problem(Problem {
                folder: Some(folder),
                ..Problem::new(ProblemKind::UidValidityChanged, detail)
            });
            cx.db.put_sync_state(
                folder,
                crate::FolderSyncState {
                    uid_validity: Some(new),
                    ..Default::default()
                },
            );
            true
        }
        (None, Some(new)) => {
            st.uid_validity = Some(new);
            cx.db.put_sync_state(folder, st);
            false
        }
        _ => false,
    }
}
