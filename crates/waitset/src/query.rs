//! QueryWaitSet: a plain dump of engine state for debugging. Not stable, not for clients' logic.

use inboxd_model::{AccountId, ChangeId, InterestTypes, Timestamp};

use crate::set::{Seqs, WaitSet};
use crate::{AccountError, Ticket, WaitSetError, WaitSetId, WaitSets};

/// One waitset as QueryWaitSet shows it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WaitSetInfo {
    pub id: WaitSetId,
    pub owner: AccountId,
    pub def_types: InterestTypes,
    pub all_accounts: bool,
    pub created: Timestamp,
    pub last_access: Timestamp,
    /// Seq of the most recent request (`cbSeqNo`).
    pub cb_seq: Option<String>,
    /// Last seq handed out (`currentSeqNo`).
    pub current_seq: String,
    /// All-accounts only: newest signalled commit (`nextSeqNo`).
    pub next_seq: Option<String>,
    pub parked: Option<(Ticket, Timestamp)>,
    /// Members sorted by account id (empty for all-accounts waitsets).
    pub accounts: Vec<MemberInfo>,
    /// Accounts signalled, sent or not (`<ready accounts>`), sorted.
    pub ready: Vec<AccountId>,
    /// Runtime errors not yet acknowledged.
    pub errors: Vec<AccountError>,
}

/// One member account (`<session>`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct MemberInfo {
    pub account: AccountId,
    pub types: InterestTypes,
    pub token: Option<ChangeId>,
    pub highest_change_id: ChangeId,
    pub folder_interests: Vec<i64>,
}

impl WaitSets {
    /// Dumps one waitset, or all of them sorted by id when `id` is `None`. Admin-only: the shell checks.
    pub fn query(&self, id: Option<&WaitSetId>) -> Result<Vec<WaitSetInfo>, WaitSetError> {
        if let Some(id) = id {
            let key = self
                .ids
                .get(id)
                .ok_or_else(|| WaitSetError::NoSuchWaitSet(id.clone()))?;
            let ws = self
                .sets
                .get(key)
                .ok_or_else(|| WaitSetError::NoSuchWaitSet(id.clone()))?;
            return Ok(vec![self.info(ws)]);
        }
        let mut all: Vec<WaitSetInfo> = self.sets.values().map(|ws| self.info(ws)).collect();
        all.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(all)
    }

    fn info(&self, ws: &WaitSet) -> WaitSetInfo {
        let mut accounts: Vec<MemberInfo> = ws
            .members
            .iter()
            .map(|(key, m)| MemberInfo {
                account: self.names.id(*key).clone(),
                types: m.types,
                token: m.token,
                highest_change_id: m.highest,
                folder_interests: m.folders.clone(),
            })
            .collect();
        accounts.sort_by(|a, b| a.account.cmp(&b.account));
        let mut ready: Vec<AccountId> = ws
            .current
            .keys()
            .chain(ws.sent.keys())
            .map(|k| self.names.id(*k).clone())
            .collect();
        ready.sort();
        ready.dedup();
        let errors = ws
            .sent_errors
            .iter()
            .chain(&ws.current_errors)
            .map(|(k, code)| AccountError {
                account: self.names.id(*k).clone(),
                code: *code,
            })
            .collect();
        let next_seq = match ws.seqs {
            Seqs::All { next, .. } => Some(next.to_string()),
            Seqs::Some { .. } => None,
        };
        WaitSetInfo {
            id: ws.id.clone(),
            owner: ws.owner.clone(),
            def_types: ws.def_types,
            all_accounts: ws.is_all_accounts(),
            created: ws.created,
            last_access: ws.last_access,
            cb_seq: ws.cb_seq.clone(),
            current_seq: ws.seqs.current_string(),
            next_seq,
            parked: ws.parked.as_ref().map(|p| (p.ticket, p.deadline)),
            accounts,
            ready,
            errors,
        }
    }
}
