//! Resuming an all-accounts waitset after a server restart. Nothing about waitsets is persisted: the
//! client's seq (a commit seq) plus the store's change log are the whole state (Zimbra
//! `AllAccountsWaitSet.createWithSeqNo`, with the change log standing in for the redo logs).

use inboxd_model::{AccountId, ChangeId, CommitSeq, InterestTypes, Timestamp};

use crate::set::{Seqs, WaitSet};
use crate::{Owner, WaitSetError, WaitSetId, WaitSets};

/// One change-log row as the shell loads it: commit seq, account, its change id after the commit, types.
pub type LogEntry = (CommitSeq, AccountId, ChangeId, InterestTypes);

impl WaitSets {
    /// Recreates the all-accounts waitset `id` (unknown to this engine) as of the client's `seq`, with
    /// every account that has a matching change after `seq` in `log` pending.
    ///
    /// The shell loads `log` from the store (rows after `seq`) and faults if the store cannot go back that
    /// far. To avoid losing a commit between loading the log and this call, the shell should load the log
    /// while holding the engine lock; events delivered later that are already in the log are ignored.
    pub fn resume_all_accounts(
        &mut self,
        owner: &Owner,
        id: WaitSetId,
        seq: CommitSeq,
        def_types: InterestTypes,
        log: &[LogEntry],
        now: Timestamp,
    ) -> Result<(), WaitSetError> {
        if !owner.admin {
            return Err(WaitSetError::PermDenied(
                "allAccounts requires an admin token",
            ));
        }
        if !id.is_all_accounts() {
            return Err(WaitSetError::NoSuchWaitSet(id));
        }
        if self.ids.contains_key(&id) {
            return Err(WaitSetError::AlreadyExists(id));
        }
        let newer = log.iter().filter(|(commit, ..)| *commit > seq);
        let last = newer
            .clone()
            .map(|(commit, ..)| *commit)
            .max()
            .unwrap_or(seq);
        let seqs = Seqs::All {
            current: seq,
            next: last,
            floor: last,
        };
        let mut ws = WaitSet::new(id, owner.account.clone(), def_types, seqs, now);
        for (_, account, change_id, types) in newer {
            if types.intersects(def_types) {
                let acct = self.names.intern(account);
                ws.signal(acct, *change_id);
            }
        }
        self.insert(ws);
        Ok(())
    }
}
