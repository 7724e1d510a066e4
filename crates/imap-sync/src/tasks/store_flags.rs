//! store_flags: carries the pending `StoreFlags` tasks out upstream ("efficient flag updates").
//!
//! Tasks are grouped by (folder, flags added, flags removed) so that one `UID STORE set +FLAGS.SILENT (…)`
//! (and one `-FLAGS.SILENT`) covers every message with the same change in a folder. After the server's OK
//! the location's flags are what we set, and the tasks are done; the next refresh compares against them, so
//! from then on the server wins. A `NO` is not retried (a read-only mailbox will not change its mind): the
//! tasks are dropped with a problem and the local flags go back to the server's, unless its code says the
//! condition is temporary (`is_transient`): then, like after a lost connection, the tasks stay queued.

use std::collections::BTreeMap;

use super::{Cx, Job, JobSpec, Step, is_transient, plan_ops};
use crate::plan::Task;
use crate::reply::Reply;
use crate::wire::{Command, StoreOp, UidSet};
use crate::{FlagSet, FolderId, TaskId, Umid};

/// One flag change in one folder: (folder, flags added, flags removed).
type Change = (FolderId, Vec<String>, Vec<String>);
/// The tasks with one change: (task, message, UID there).
type Members = Vec<(TaskId, Umid, u32)>;
/// Change → the tasks with that change there.
type Groups = BTreeMap<Change, Members>;

#[derive(Debug, Default)]
pub(crate) struct StoreFlags {
    groups: Vec<(Change, Members)>,
    /// The current group's UID set and its STOREs still to send.
    set: Option<UidSet>,
    commands: Vec<(StoreOp, Vec<String>)>,
    /// The STORE on the wire.
    inflight: Option<(StoreOp, Vec<String>)>,
    /// A task was re-planned after its STORE (changed meanwhile): run once more when done.
    replanned: bool,
}

impl StoreFlags {
    fn collect(cx: &mut Cx<'_>) -> Groups {
        let mut groups = Groups::new();
        let tasks: Vec<(TaskId, Task)> = cx
            .db
            .tasks()
            .iter()
            .filter(|(_, t)| matches!(t, Task::StoreFlags { .. }))
            .map(|(id, t)| (*id, t.clone()))
            .collect();
        for (id, t) in tasks {
            let Task::StoreFlags { umid, add, remove } = t else {
                continue;
            };
            let half_moved = cx
                .db
                .task_of(umid, |t| matches!(t, Task::Move { copied: true, .. }))
                .is_some();
            if half_moved {
                // Its move finishes first (next cycle at the latest); the flags then go to the copy.
                continue;
            }
            match cx.db.location(umid) {
                Some(loc) => groups
                    .entry((loc.folder, add, remove))
                    .or_default()
                    .push((id, umid, loc.uid)),
                // Gone upstream: the refresh that saw it go already dropped the message.
                None => cx.db.finish_task(id),
            }
        }
        groups
    }

    fn next_group(&mut self, cx: &mut Cx<'_>) -> Step {
        let Some(((folder, add, remove), members)) = self.groups.last() else {
            if std::mem::take(&mut self.replanned) {
                cx.follow_ups.push(JobSpec::StoreFlags);
            }
            return Step::Done;
        };
        let Some(set) = UidSet::from_uids(members.iter().map(|m| m.2)) else {
            self.groups.pop();
            return self.next_group(cx);
        };
        self.commands.clear();
        if !remove.is_empty() {
            self.commands.push((StoreOp::Remove, remove.clone()));
        }
        if !add.is_empty() {
            self.commands.push((StoreOp::Add, add.clone()));
        }
        self.set = Some(set);
        if !cx.is_selected_rw(*folder) {
            return cx.select_rw_step(*folder);
        }
        self.next_command(cx)
    }

    fn next_command(&mut self, cx: &mut Cx<'_>) -> Step {
        match (self.commands.pop(), &self.set) {
            (Some((op, flags)), Some(set)) => {
                let cmd = Command::UidStore {
                    set: set.clone(),
                    op,
                    flags: flags.clone(),
                    silent: true,
                };
                self.inflight = Some((op, flags));
                Step::Send(cmd)
            }
            _ => {
                self.groups.pop();
                self.next_group(cx)
            }
        }
    }

    /// One STORE of the current group succeeded: the members' locations now carry its effect, and what is left
    /// to do for each is re-planned from its local flags (the rest of the group's change, or whatever the client
    /// changed meanwhile). Recording each STORE on its own keeps a group cut off halfway exact.
    fn store_done(&mut self, cx: &mut Cx<'_>, op: StoreOp, flags: &[String]) {
        let last = self.commands.is_empty();
        let Some((_, members)) = self.groups.last() else {
            return;
        };
        for (id, umid, _) in members.clone() {
            let Some(upstream) = cx.db.upstream_flags(umid) else {
                cx.db.finish_task(id);
                continue;
            };
            let kept = upstream.as_slice().iter().filter(|f| !flags.contains(f));
            let now = match op {
                StoreOp::Add => FlagSet::new(upstream.as_slice().iter().chain(flags)),
                StoreOp::Remove => FlagSet::new(kept),
                StoreOp::Replace => FlagSet::new(flags),
            };
            cx.db.set_upstream_flags(umid, &now);
            match cx.db.message(umid).map(|m| m.flags.clone()) {
                Some(wanted) => {
                    plan_ops::plan_flags(cx.db, umid, &wanted);
                    self.replanned |= last
                        && cx
                            .db
                            .task_of(umid, |t| matches!(t, Task::StoreFlags { .. }))
                            .is_some();
                }
                None => cx.db.finish_task(id),
            }
        }
    }

    /// The server refused the current group for good: drop its tasks, show the server's flags again.
    fn group_failed(&mut self, cx: &mut Cx<'_>) {
        let Some((_, members)) = self.groups.pop() else {
            return;
        };
        for (id, umid, _) in members {
            cx.db.finish_task(id);
            if let Some(upstream) = cx.db.upstream_flags(umid) {
                cx.db.set_local_flags(umid, upstream);
            }
        }
    }
}

impl Job for StoreFlags {
    fn start(&mut self, cx: &mut Cx<'_>) -> Step {
        self.groups = Self::collect(cx).into_iter().collect();
        self.groups.reverse();
        self.next_group(cx)
    }

    fn on_reply(&mut self, cx: &mut Cx<'_>, reply: Reply) -> Step {
        if !reply.is_ok() {
            let folder = self.groups.last().map(|g| g.0.0);
            cx.command_failed(folder, "store flags", &reply);
            if is_transient(&reply) {
                // Everything stays queued for the next cycle.
                return Step::Done;
            }
            self.inflight = None;
            self.group_failed(cx);
            return self.next_group(cx);
        }
        if let Some((op, flags)) = self.inflight.take() {
            self.store_done(cx, op, &flags);
        }
        self.next_command(cx)
    }
}
