//! One waitset's state: its members (some-accounts waitsets), the "new" and "sent, not acknowledged"
//! buckets, the seq counter and the parked request. The seq/ack/retransmit rule lives here
//! (Zimbra `WaitSetBase.trySendData`). Registry-wide concerns (ids, indexes, deadlines) do not.

use std::collections::HashMap;

use inboxd_model::{AccountId, ChangeId, CommitSeq, InterestTypes, Timestamp};

use crate::accounts::{AcctKey, Interner};
use crate::{AccountError, ErrorCode, Signalled, Ticket, WaitResponse, WaitSetId};

/// One account in a some-accounts waitset (Zimbra `WaitSetSession`).
#[derive(Clone, Debug)]
pub(crate) struct Member {
    pub(crate) types: InterestTypes,
    pub(crate) token: Option<ChangeId>,
    /// Highest change id seen for the account (from lookups and events).
    pub(crate) highest: ChangeId,
    pub(crate) folders: Vec<i64>,
}

/// The seq scheme of the two waitset kinds.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Seqs {
    /// Decimal counter starting at 1; each data response takes the next value (first data response: 2).
    Some { current: u64 },
    /// Commit seqs: `current` was handed out last, `next` is the newest signalled commit.
    /// A pure retransmit reuses `next` (Zimbra `AllAccountsWaitSet.toNextSeqNo`).
    All {
        current: CommitSeq,
        next: CommitSeq,
        /// Events at or below this commit seq are already covered by a resume.
        floor: CommitSeq,
    },
}

impl Seqs {
    /// Whether the client's seq equals the last seq handed out, i.e. acknowledges the sent bucket.
    fn is_current(&self, client_seq: &str) -> bool {
        match self {
            Seqs::Some { current } => client_seq.parse::<u64>() == Ok(*current),
            Seqs::All { current, .. } => client_seq == current.to_string(),
        }
    }

    fn advance(&mut self) -> String {
        match self {
            Seqs::Some { current } => {
                *current = current.saturating_add(1);
                current.to_string()
            }
            Seqs::All { current, next, .. } => {
                *current = *next;
                next.to_string()
            }
        }
    }

    pub(crate) fn current_string(&self) -> String {
        match self {
            Seqs::Some { current } => current.to_string(),
            Seqs::All { current, .. } => current.to_string(),
        }
    }
}

/// A blocked WaitSetRequest. Small and fixed apart from its own add/update/remove errors (usually none).
#[derive(Clone, Debug)]
pub(crate) struct Parked {
    pub(crate) ticket: Ticket,
    pub(crate) client_seq: String,
    pub(crate) deadline: Timestamp,
    pub(crate) request_errors: Vec<AccountError>,
}

/// Data to send: the new seq, the signalled accounts and the runtime errors.
pub(crate) struct Batch {
    pub(crate) seq: String,
    pub(crate) signalled: Vec<Signalled>,
    pub(crate) errors: Vec<AccountError>,
}

/// One waitset.
pub(crate) struct WaitSet {
    pub(crate) id: WaitSetId,
    pub(crate) owner: AccountId,
    pub(crate) def_types: InterestTypes,
    pub(crate) created: Timestamp,
    pub(crate) last_access: Timestamp,
    /// Empty for all-accounts waitsets.
    pub(crate) members: HashMap<AcctKey, Member>,
    pub(crate) seqs: Seqs,
    /// Signalled, never sent: account → latest known change id.
    pub(crate) current: HashMap<AcctKey, ChangeId>,
    /// Sent, not acknowledged.
    pub(crate) sent: HashMap<AcctKey, ChangeId>,
    pub(crate) current_errors: Vec<(AcctKey, ErrorCode)>,
    pub(crate) sent_errors: Vec<(AcctKey, ErrorCode)>,
    pub(crate) parked: Option<Parked>,
    /// The seq of the most recent request, for QueryWaitSet.
    pub(crate) cb_seq: Option<String>,
}

impl WaitSet {
    pub(crate) fn new(
        id: WaitSetId,
        owner: AccountId,
        def_types: InterestTypes,
        seqs: Seqs,
        now: Timestamp,
    ) -> Self {
        Self {
            id,
            owner,
            def_types,
            created: now,
            last_access: now,
            members: HashMap::new(),
            seqs,
            current: HashMap::new(),
            sent: HashMap::new(),
            current_errors: Vec::new(),
            sent_errors: Vec::new(),
            parked: None,
            cb_seq: None,
        }
    }

    pub(crate) fn is_all_accounts(&self) -> bool {
        matches!(self.seqs, Seqs::All { .. })
    }

    /// Marks an account as having unseen changes.
    pub(crate) fn signal(&mut self, key: AcctKey, change_id: ChangeId) {
        let entry = self.current.entry(key).or_insert(change_id);
        *entry = (*entry).max(change_id);
    }

    /// Keeps the change id reported for an already pending account up to date.
    pub(crate) fn bump_pending(&mut self, key: AcctKey, change_id: ChangeId) {
        for bucket in [&mut self.current, &mut self.sent] {
            if let Some(cid) = bucket.get_mut(&key) {
                *cid = (*cid).max(change_id);
            }
        }
    }

    /// Zimbra's `trySendData` for a request carrying `client_seq`: acknowledge, then send the new data
    /// merged with any unacknowledged batch under a new seq. `None` means nothing to send.
    pub(crate) fn try_send(&mut self, client_seq: &str, names: &Interner) -> Option<Batch> {
        let is_current = self.seqs.is_current(client_seq);
        if is_current {
            self.sent.clear();
            self.sent_errors.clear();
        }
        let has_new = !self.current.is_empty() || !self.current_errors.is_empty();
        let has_unacked = !self.sent.is_empty() || !self.sent_errors.is_empty();
        if !has_new && (is_current || !has_unacked) {
            return None;
        }
        for (key, cid) in self.current.drain() {
            let entry = self.sent.entry(key).or_insert(cid);
            *entry = (*entry).max(cid);
        }
        self.sent_errors.append(&mut self.current_errors);
        let seq = self.seqs.advance();
        Some(Batch {
            seq,
            signalled: self.sent_signalled(names),
            errors: self.sent_error_list(names),
        })
    }

    fn sent_signalled(&self, names: &Interner) -> Vec<Signalled> {
        let mut res: Vec<Signalled> = self
            .sent
            .iter()
            .map(|(key, cid)| Signalled {
                account: names.id(*key).clone(),
                change_id: *cid,
            })
            .collect();
        res.sort();
        res
    }

    fn sent_error_list(&self, names: &Interner) -> Vec<AccountError> {
        self.sent_errors
            .iter()
            .map(|(key, code)| AccountError {
                account: names.id(*key).clone(),
                code: *code,
            })
            .collect()
    }

    /// A response carrying data for a request whose own errors are `request_errors`.
    pub(crate) fn data_response(
        &self,
        batch: Batch,
        mut request_errors: Vec<AccountError>,
    ) -> WaitResponse {
        request_errors.extend(batch.errors);
        WaitResponse {
            id: self.id.clone(),
            seq: Some(batch.seq),
            canceled: false,
            signalled: batch.signalled,
            errors: request_errors,
        }
    }

    /// The response for a request that timed out or did not block: no data, the client's seq echoed.
    pub(crate) fn empty_response(
        &self,
        client_seq: String,
        request_errors: Vec<AccountError>,
    ) -> WaitResponse {
        WaitResponse {
            id: self.id.clone(),
            seq: Some(client_seq),
            canceled: false,
            signalled: Vec::new(),
            errors: request_errors,
        }
    }

    /// The response for a request canceled by a newer one or by destruction: no seq, no data.
    pub(crate) fn canceled_response(&self, request_errors: Vec<AccountError>) -> WaitResponse {
        WaitResponse {
            id: self.id.clone(),
            seq: None,
            canceled: true,
            signalled: Vec::new(),
            errors: request_errors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn some_accounts_seq_counts_from_one_and_acks_only_the_last_value() {
        let mut seqs = Seqs::Some { current: 1 };
        assert!(seqs.is_current("1"));
        assert_eq!(seqs.advance(), "2");
        assert!(seqs.is_current("2"));
        assert!(!seqs.is_current("1") && !seqs.is_current("junk") && !seqs.is_current(""));
    }

    #[test]
    fn all_accounts_seq_is_the_newest_signalled_commit() {
        let mut seqs = Seqs::All {
            current: CommitSeq(0),
            next: CommitSeq(0),
            floor: CommitSeq(0),
        };
        assert!(seqs.is_current("0"));
        if let Seqs::All { next, .. } = &mut seqs {
            *next = CommitSeq(41);
        }
        assert_eq!(seqs.advance(), "41");
        // A pure retransmit reuses the seq.
        assert_eq!(seqs.advance(), "41");
        assert!(seqs.is_current("41"));
    }

    #[test]
    fn try_send_merges_new_data_into_the_unacknowledged_batch() {
        let mut names = Interner::default();
        let (a, b) = (
            names.intern(&AccountId::new("a")),
            names.intern(&AccountId::new("b")),
        );
        let owner = AccountId::new("o");
        let mut ws = WaitSet::new(
            WaitSetId::new("w"),
            owner,
            InterestTypes::ALL,
            Seqs::Some { current: 1 },
            Timestamp(0),
        );
        assert!(ws.try_send("0", &names).is_none());
        ws.signal(a, ChangeId(3));
        let first = ws.try_send("0", &names).unwrap();
        assert_eq!((first.seq.as_str(), first.signalled.len()), ("2", 1));
        ws.signal(b, ChangeId(1));
        ws.signal(a, ChangeId(5));
        let second = ws.try_send("0", &names).unwrap();
        let got: Vec<_> = second
            .signalled
            .iter()
            .map(|s| (s.account.as_str(), s.change_id.0))
            .collect();
        assert_eq!((second.seq.as_str(), got), ("3", vec![("a", 5), ("b", 1)]));
        assert!(ws.try_send("3", &names).is_none());
        assert!(ws.sent.is_empty());
    }
}
