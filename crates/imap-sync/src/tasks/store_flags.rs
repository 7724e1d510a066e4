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
    /// Commands of the current group still to send.
    commands: Vec<Command>,
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
            self.commands.push(store(&set, StoreOp::Remove, remove));
        }
        if !add.is_empty() {
            self.commands.push(store(&set, StoreOp::Add, add));
        }
        if !cx.is_selected_rw(*folder) {
            return cx.select_rw_step(*folder);
        }
        self.next_command(cx)
    }

    fn next_command(&mut self, cx: &mut Cx<'_>) -> Step {
        match self.commands.pop() {
            Some(cmd) => Step::Send(cmd),
            None => {
                self.group_done(cx, true);
                self.next_group(cx)
            }
        }
    }

    /// Finishes the current group's tasks; on success their locations now carry the flags we set.
    fn group_done(&mut self, cx: &mut Cx<'_>, ok: bool) {
        let Some(((_, add, remove), members)) = self.groups.pop() else {
            return;
        };
        for (id, umid, _) in members {
            let Some(upstream) = cx.db.upstream_flags(umid) else {
                cx.db.finish_task(id);
                continue;
            };
            if !ok {
                cx.db.finish_task(id);
                cx.db.set_local_flags(umid, upstream);
                continue;
            }
            let now = FlagSet::new(
                upstream
                    .as_slice()
                    .iter()
                    .filter(|f| !remove.contains(f))
                    .chain(add.iter()),
            );
            cx.db.set_upstream_flags(umid, &now);
            // The client may have changed the flags again while the STORE was in flight: what is left to do is
            // the difference between the local flags and what the server has now (usually nothing).
            match cx.db.message(umid).map(|m| m.flags.clone()) {
                Some(wanted) => {
                    plan_ops::plan_flags(cx.db, umid, &wanted);
                    self.replanned |= cx
                        .db
                        .task_of(umid, |t| matches!(t, Task::StoreFlags { .. }))
                        .is_some();
                }
                None => cx.db.finish_task(id),
            }
        }
    }
}

fn store(set: &UidSet, op: StoreOp, flags: &[String]) -> Command {
    Command::UidStore {
        set: set.clone(),
        op,
        flags: flags.to_vec(),
        silent: true,
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
            self.group_done(cx, false);
            return self.next_group(cx);
        }
        self.next_command(cx)
    }
}
