//! sync_merge: fold several conversations into one when a message links them (an In-Reply-To-only reply, a
//! truncated References chain, a reply that arrived before its parent).
//!
//! `inboxd-threading` picks the survivor (the smallest, i.e. oldest, conversation id) and has already
//! re-pointed the absorbed headerIdMap entries; this re-homes the absorbed conversations' messages, deletes
//! their summaries and records the merge for observers. The caller re-churns the survivor.

use crate::ConvId;
use crate::db::Db;

/// Moves every message of `absorb` into `keep` and deletes the absorbed conversations.
pub(crate) fn apply(db: &mut Db, keep: ConvId, absorb: &[ConvId]) {
    for conv in absorb {
        let umids: Vec<_> = db.members(*conv).collect();
        for umid in umids {
            if let Some(m) = db.message(umid) {
                let mut m = m.clone();
                m.conv = keep;
                db.put_message(m);
            }
        }
    }
    db.record_merge(keep, absorb.to_vec());
}
