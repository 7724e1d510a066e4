//! sync_conv: apply server-side flag changes and deletions to messages, then re-churn every conversation
//! they touch (deleting conversations left empty, and their headerIdMap entries).
//!
//! It needs no network, so it runs inside the refresh step that found the changes, in the same batch. What
//! does not belong here: detecting the changes (`sync_refresh`).

use std::collections::BTreeSet;

use crate::db::Db;
use crate::{FlagSet, Umid};

/// Applies `flag_changes` (full new flag sets) and `deleted` messages; re-churns affected conversations.
pub(crate) fn apply(db: &mut Db, flag_changes: &[(Umid, FlagSet)], deleted: &[Umid]) {
    let mut convs = BTreeSet::new();
    for (umid, flags) in flag_changes {
        if db.update_flags(*umid, flags) {
            convs.extend(db.message(*umid).map(|m| m.conv));
        }
    }
    for umid in deleted {
        convs.extend(forget(db, *umid));
    }
    for conv in convs {
        db.churn(conv);
    }
}

/// Removes every trace of one message copy: location (and flag-set reference), record, pending tasks.
/// Returns the conversation to re-churn, if the message had been threaded.
pub(crate) fn forget(db: &mut Db, umid: Umid) -> Option<crate::ConvId> {
    db.remove_location(umid);
    db.finish_tasks_of(umid, |_| true);
    db.delete_message(umid)
}
