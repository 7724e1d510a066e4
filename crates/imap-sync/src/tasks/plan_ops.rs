//! plan_ops: turns client operations ([`LocalOp`]) into durable tasks and applies their local effect to the
//! engine's state (which the store already shows), in one batch.
//!
//! Merging (gaia's complex tasks, marker = umid): a flag change becomes the net difference between the
//! wanted flags and the flags last seen upstream, so flag-then-unflag leaves no task; a move updates the
//! pending move's target (A→B→C is one move A→C, A→B→A none) unless that move already started its COPY, in
//! which case a second move follows it. What does not belong here: talking to the server (`store_flags`,
//! `move_message`).

use crate::db::Db;
use crate::plan::{LocalOp, Task};
use crate::{FlagSet, FolderId, Problem, ProblemKind, Umid};

/// Plans every op; ops for messages the engine does not know are reported and skipped.
pub(crate) fn plan(db: &mut Db, ops: &[LocalOp]) {
    for op in ops {
        if db.location(op.umid).is_none() {
            db.problem(Problem::new(
                ProblemKind::CommandFailed,
                format!("local op for {} skipped: not located upstream", op.umid),
            ));
            continue;
        }
        if op.delete {
            plan_delete(db, op.umid);
            continue;
        }
        if let Some(flags) = &op.flags {
            plan_flags(db, op.umid, flags);
        }
        if let Some(folder) = op.folder {
            plan_move(db, op.umid, folder);
        }
    }
}

fn is_flags(t: &Task) -> bool {
    matches!(t, Task::StoreFlags { .. })
}

/// Makes the pending `StoreFlags` of `umid` the net change from its upstream flags to `wanted` (none when
/// equal) and shows `wanted` locally.
pub(crate) fn plan_flags(db: &mut Db, umid: Umid, wanted: &FlagSet) {
    let upstream = db.upstream_flags(umid).unwrap_or_default();
    let add: Vec<String> = wanted
        .as_slice()
        .iter()
        .filter(|f| !upstream.contains(f))
        .cloned()
        .collect();
    let remove: Vec<String> = upstream
        .as_slice()
        .iter()
        .filter(|f| !wanted.contains(f))
        .cloned()
        .collect();
    let existing = db.task_of(umid, is_flags).map(|(id, _)| id);
    match existing {
        _ if add.is_empty() && remove.is_empty() => db.finish_tasks_of(umid, is_flags),
        Some(id) => db.update_task(id, Task::StoreFlags { umid, add, remove }),
        None => {
            db.queue_task(Task::StoreFlags { umid, add, remove });
        }
    }
    db.set_local_flags(umid, wanted.clone());
}

fn plan_move(db: &mut Db, umid: Umid, to: FolderId) {
    if db.folder(to).is_none() {
        db.problem(Problem::new(
            ProblemKind::CommandFailed,
            format!("move of {umid} skipped: unknown folder {to}"),
        ));
        return;
    }
    let home = db.location(umid).map(|l| l.folder);
    let pending = db.task_of(umid, |t| matches!(t, Task::Move { copied: false, .. }));
    let started = db
        .task_of(umid, |t| matches!(t, Task::Move { copied: true, .. }))
        .is_some();
    match pending {
        // Back where the server has it (and no copy under way): nothing to do upstream.
        Some((id, _)) if home == Some(to) && !started => db.finish_task(id),
        Some((id, _)) => db.update_task(
            id,
            Task::Move {
                umid,
                to,
                copied: false,
                message_id: None,
            },
        ),
        None if home == Some(to) && !started => {}
        None => {
            db.queue_task(Task::Move {
                umid,
                to,
                copied: false,
                message_id: None,
            });
        }
    }
    if let Some(mut m) = db.message(umid).cloned() {
        m.folder = to;
        db.put_message(m);
    }
}

fn plan_delete(db: &mut Db, umid: Umid) {
    // Whatever else was pending for the message is moot once it is deleted.
    // A move whose copy may exist already must still finish (or the message would be duplicated).
    db.finish_tasks_of(umid, |t| {
        t.is_local_op() && !matches!(t, Task::Move { copied: true, .. })
    });
    db.queue_task(Task::Delete { umid });
    if let Some(conv) = db.delete_message(umid) {
        db.churn(conv);
    }
}
