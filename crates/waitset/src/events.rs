//! Store events: committed changes and account state changes. A change touches only the waitsets that
//! hold the account (via the index) plus the all-accounts waitsets (usually none or one).

use inboxd_model::{AccountId, ChangeEvent, Timestamp};

use crate::accounts::AcctKey;
use crate::index::WsKey;
use crate::set::{Seqs, WaitSet};
use crate::{AccountState, Completion, ErrorCode, WaitSets};

impl WaitSets {
    /// A commit happened. Returns the parked requests it completes.
    pub fn on_change(&mut self, event: &ChangeEvent, now: Timestamp) -> Vec<Completion> {
        let acct = if self.all_accounts.is_empty() {
            match self.names.get(&event.account) {
                Some(k) => k,
                None => return Vec::new(),
            }
        } else {
            self.names.intern(&event.account)
        };
        let mut touched: Vec<WsKey> = Vec::new();
        for &key in self.index.get(acct) {
            if let Some(ws) = self.sets.get_mut(&key)
                && change_some(ws, acct, event)
            {
                touched.push(key);
            }
        }
        for &key in &self.all_accounts {
            if let Some(ws) = self.sets.get_mut(&key)
                && change_all(ws, acct, event)
            {
                touched.push(key);
            }
        }
        self.complete_touched(touched, now)
    }

    /// An account changed state. Deletion removes it from every waitset and reports MAILBOX_DELETED
    /// through the normal seq/retransmit path. Maintenance and Active change nothing for members
    /// (Zimbra keeps sessions; MAINTENANCE_MODE only refuses `<add>`).
    pub fn on_account_status(
        &mut self,
        account: &AccountId,
        state: AccountState,
        now: Timestamp,
    ) -> Vec<Completion> {
        if state != AccountState::Deleted {
            return Vec::new();
        }
        let Some(acct) = self.names.get(account) else {
            return Vec::new();
        };
        let holders: Vec<WsKey> = self.index.get(acct).to_vec();
        for &key in &holders {
            self.index.remove(acct, key);
            if let Some(ws) = self.sets.get_mut(&key) {
                ws.members.remove(&acct);
                ws.current.remove(&acct);
                ws.current_errors.push((acct, ErrorCode::MailboxDeleted));
            }
        }
        self.complete_touched(holders, now)
    }

    fn complete_touched(&mut self, touched: Vec<WsKey>, now: Timestamp) -> Vec<Completion> {
        let mut completions = Vec::new();
        for key in touched {
            if self.sets.get(&key).is_some_and(|ws| ws.parked.is_some()) {
                self.unschedule(key);
                completions.extend(self.complete_if_ready(key, now));
                self.schedule(key);
            }
        }
        completions
    }
}

/// Zimbra `WaitSetSession.notifyPendingChanges`. Returns whether the account is now signalled.
fn change_some(ws: &mut WaitSet, acct: AcctKey, event: &ChangeEvent) -> bool {
    let Some(member) = ws.members.get_mut(&acct) else {
        return false;
    };
    member.highest = member.highest.max(event.change_id);
    let highest = member.highest;
    let caught_up = member.token.is_some_and(|t| t >= highest);
    let interesting = member.types.intersects(event.types);
    ws.bump_pending(acct, highest);
    if caught_up || !interesting {
        return false;
    }
    ws.signal(acct, highest);
    true
}

/// All-accounts waitsets filter by their default types only, and remember the newest signalled commit.
fn change_all(ws: &mut WaitSet, acct: AcctKey, event: &ChangeEvent) -> bool {
    ws.bump_pending(acct, event.change_id);
    let def_types = ws.def_types;
    let Seqs::All { next, floor, .. } = &mut ws.seqs else {
        return false;
    };
    if event.commit_seq <= *floor || !def_types.intersects(event.types) {
        return false;
    }
    *next = (*next).max(event.commit_seq);
    ws.signal(acct, event.change_id);
    true
}
