//! move_message: carries out one `Move` or `Delete` task upstream.
//!
//! Move, on a server with `MOVE`: `UID MOVE`. On a vanilla server: `UID COPY`, `UID STORE +FLAGS.SILENT
//! (\Deleted)`, then `UID EXPUNGE` (with `UIDPLUS`) or `EXPUNGE`. The new UID comes from `COPYUID` when
//! `UIDPLUS` is advertised, else from `UID SEARCH HEADER Message-ID` in the target folder (a UID we do not
//! know there yet). The location then points at the target; the message record already did (planning).
//!
//! Crash safety: the task's `copied` marker is written (its batch goes out before the command) before the
//! COPY/MOVE. A task that starts with the marker set first looks for the copy in the target by Message-ID and,
//! when it is there, only finishes the source side, so an interrupted move never leaves two copies.
//!
//! Failures: a message gone upstream (no `COPYUID` from a `UIDPLUS` server, or no copy found afterwards) drops
//! the task with a problem; its local effect is reconciled by the next refresh. A `NO` drops the task and puts
//! the message back where the server has it, unless its code says the condition is temporary: then, as
//! after a lost connection, the task stays for the next cycle.
//!
//! Delete: `UID STORE +FLAGS.SILENT (\Deleted)` and the same expunge.

use super::{Cx, Job, Step, is_transient, sync_conv};
use crate::plan::Task;
use crate::reply::Reply;
use crate::wire::{Code, Command, SearchKey, StoreOp, UidSet, Untagged};
use crate::{FolderId, Problem, ProblemKind, TaskId, Umid};

#[derive(Debug)]
pub(crate) struct MoveMessage {
    task: TaskId,
    umid: Umid,
    /// Where the server has it (source) and where it goes (`None`: delete).
    from: FolderId,
    uid: u32,
    to: Option<FolderId>,
    /// The copy's UID in the target, once known.
    new_uid: Option<u32>,
    /// The Message-ID to find the copy by (from the task, else the message record).
    message_id: Option<String>,
    state: State,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// SELECT of the target sent, to look for an earlier copy (`recover`) or the new one.
    SelectTarget {
        recover: bool,
    },
    Search {
        recover: bool,
    },
    SelectSource,
    Copy,
    Move,
    MarkDeleted,
    Expunge,
}

impl MoveMessage {
    pub(crate) fn new(task: TaskId) -> Self {
        Self {
            task,
            umid: Umid(0),
            from: FolderId(0),
            uid: 0,
            to: None,
            new_uid: None,
            message_id: None,
            state: State::SelectSource,
        }
    }

    fn drop_task(&self, cx: &mut Cx<'_>, why: &str) -> Step {
        cx.db.problem(Problem {
            folder: Some(self.from),
            uid: Some(self.uid),
            ..Problem::new(
                ProblemKind::CommandFailed,
                format!("{}: {why}; task dropped", self.umid),
            )
        });
        cx.db.finish_task(self.task);
        Step::Done
    }

    /// Puts the message record back in the folder the server has it in.
    fn put_back(&self, cx: &mut Cx<'_>) {
        if let Some(mut m) = cx.db.message(self.umid).cloned() {
            m.folder = self.from;
            cx.db.put_message(m);
        }
    }

    fn select(&mut self, cx: &mut Cx<'_>, folder: FolderId, state: State, then: State) -> Step {
        if cx.is_selected_rw(folder) {
            self.state = then;
            return self.send_for(cx, then);
        }
        self.state = state;
        cx.select_rw_step(folder)
    }

    /// The command of a state that sends one without a SELECT first.
    fn send_for(&mut self, cx: &mut Cx<'_>, state: State) -> Step {
        let set = UidSet::single(self.uid);
        match (state, set) {
            (State::Search { .. }, _) => match self.search_key(cx) {
                Some(criteria) => Step::Send(Command::UidSearch { criteria }),
                None => self.not_found(cx),
            },
            (State::Copy | State::Move, Some(set)) => {
                // The client may have re-targeted (or undone) the move since the job started.
                match cx.db.task(self.task) {
                    Some(Task::Move { to, .. }) if *to == self.from => {
                        cx.db.finish_task(self.task);
                        return Step::Done;
                    }
                    Some(Task::Move { to, .. }) => self.to = Some(*to),
                    _ => return Step::Done,
                }
                let target = self
                    .to
                    .and_then(|t| cx.db.folder(t))
                    .map(|f| f.path.clone());
                let Some(mailbox) = target else {
                    return self.drop_task(cx, "target folder vanished");
                };
                // The marker goes out (in this step's batch) before the command does.
                if let Some(to) = self.to {
                    self.message_id = self.message_id.take().or_else(|| {
                        cx.db
                            .message(self.umid)
                            .filter(|m| !m.synthesized_id)
                            .map(|m| m.message_id.clone())
                    });
                    let task = Task::Move {
                        umid: self.umid,
                        to,
                        copied: true,
                        message_id: self.message_id.clone(),
                    };
                    cx.db.update_task(self.task, task);
                }
                Step::Send(if state == State::Move {
                    Command::UidMove { set, mailbox }
                } else {
                    Command::UidCopy { set, mailbox }
                })
            }
            (State::MarkDeleted, Some(set)) => Step::Send(Command::UidStore {
                set,
                op: StoreOp::Add,
                flags: vec!["\\Deleted".into()],
                silent: true,
            }),
            (State::Expunge, Some(set)) => Step::Send(if cx.caps.has("UIDPLUS") {
                Command::UidExpunge { set }
            } else {
                Command::Expunge
            }),
            _ => self.drop_task(cx, "no UID"),
        }
    }

    fn search_key(&self, cx: &Cx<'_>) -> Option<SearchKey> {
        let id = self.message_id.clone().or_else(|| {
            cx.db
                .message(self.umid)
                .filter(|m| !m.synthesized_id)
                .map(|m| m.message_id.clone())
        })?;
        Some(SearchKey::Header("Message-ID".into(), format!("<{id}>")))
    }

    fn copy_state(cx: &Cx<'_>) -> State {
        if cx.caps.has("MOVE") {
            State::Move
        } else {
            State::Copy
        }
    }

    /// The copy could not be found in the target after copying.
    fn not_found(&mut self, cx: &mut Cx<'_>) -> Step {
        if let State::Search { recover: true } | State::SelectTarget { recover: true } = self.state
        {
            // No earlier copy: copy now.
            let then = Self::copy_state(cx);
            return self.select(cx, self.from, State::SelectSource, then);
        }
        // Gone from the source (or unfindable): forget it; the target's next refresh finds what exists.
        if let Some(conv) = sync_conv::forget(cx.db, self.umid) {
            cx.db.churn(conv);
        }
        self.drop_task(cx, "moved copy not found in the target")
    }

    fn finish(&mut self, cx: &mut Cx<'_>) -> Step {
        match (self.to, self.new_uid) {
            (Some(to), Some(uid)) => {
                cx.db.relocate(self.umid, to, uid);
                cx.db.finish_task(self.task);
                Step::Done
            }
            (Some(to), None) => self.select(
                cx,
                to,
                State::SelectTarget { recover: false },
                State::Search { recover: false },
            ),
            (None, _) => {
                cx.db.remove_location(self.umid);
                cx.db.finish_task(self.task);
                Step::Done
            }
        }
    }

    fn after_copy(&mut self, cx: &mut Cx<'_>, reply: &Reply) -> Step {
        self.new_uid = copy_uid(reply);
        if self.new_uid.is_none() && cx.caps.has("UIDPLUS") {
            // A UIDPLUS server answers a COPY of a vanished UID with a plain OK.
            self.put_back(cx);
            return self.drop_task(cx, "message gone upstream");
        }
        if self.state == State::Move {
            return self.finish(cx);
        }
        self.state = State::MarkDeleted;
        self.send_for(cx, State::MarkDeleted)
    }

    fn after_search(&mut self, cx: &mut Cx<'_>, reply: &Reply, recover: bool) -> Step {
        let to = self.to.unwrap_or(self.from);
        let known = cx.db.uids(to);
        let found = reply
            .search()
            .into_iter()
            .filter(|u| known.is_none_or(|k| !k.contains_key(u)))
            .max();
        let Some(uid) = found else {
            return self.not_found(cx);
        };
        self.new_uid = Some(uid);
        if recover {
            // The copy exists: finish the source side only.
            return self.select(cx, self.from, State::SelectSource, State::MarkDeleted);
        }
        self.finish(cx)
    }
}

/// The target UID from a `COPYUID` code (tagged, or untagged before a MOVE's completion).
fn copy_uid(reply: &Reply) -> Option<u32> {
    let untagged = reply.untagged.iter().filter_map(|u| match u {
        Untagged::Ok { code, .. } => code.as_ref(),
        _ => None,
    });
    reply.code.iter().chain(untagged).find_map(|c| match c {
        Code::CopyUid { dst, .. } => Some(dst.first()),
        _ => None,
    })
}

impl Job for MoveMessage {
    fn start(&mut self, cx: &mut Cx<'_>) -> Step {
        let (umid, to, copied) = match cx.db.task(self.task) {
            Some(Task::Move {
                umid,
                to,
                copied,
                message_id,
            }) => {
                self.message_id.clone_from(message_id);
                (*umid, Some(*to), *copied)
            }
            Some(Task::Delete { umid }) => (*umid, None, false),
            _ => return Step::Done,
        };
        self.umid = umid;
        self.to = to;
        let Some(loc) = cx.db.location(umid) else {
            cx.db.finish_task(self.task);
            return Step::Done;
        };
        (self.from, self.uid) = (loc.folder, loc.uid);
        match to {
            Some(to) if to == loc.folder => {
                cx.db.finish_task(self.task);
                Step::Done
            }
            Some(to) if copied => self.select(
                cx,
                to,
                State::SelectTarget { recover: true },
                State::Search { recover: true },
            ),
            Some(_) => {
                let then = Self::copy_state(cx);
                self.select(cx, self.from, State::SelectSource, then)
            }
            None => self.select(cx, self.from, State::SelectSource, State::MarkDeleted),
        }
    }

    fn on_reply(&mut self, cx: &mut Cx<'_>, reply: Reply) -> Step {
        if !reply.is_ok() {
            cx.command_failed(Some(self.from), "move/delete", &reply);
            if is_transient(&reply) {
                return Step::Done;
            }
            self.put_back(cx);
            cx.db.finish_task(self.task);
            return Step::Done;
        }
        match self.state {
            State::SelectTarget { recover } => {
                self.state = State::Search { recover };
                self.send_for(cx, self.state)
            }
            State::Search { recover } => self.after_search(cx, &reply, recover),
            State::SelectSource => {
                // Which command follows the source SELECT depends on how we got here.
                self.state = if self.new_uid.is_some() || self.to.is_none() {
                    State::MarkDeleted
                } else {
                    Self::copy_state(cx)
                };
                self.send_for(cx, self.state)
            }
            State::Copy | State::Move => self.after_copy(cx, &reply),
            State::MarkDeleted => {
                self.state = State::Expunge;
                self.send_for(cx, State::Expunge)
            }
            State::Expunge => self.finish(cx),
        }
    }
}
