//! `<add>`, `<update>` and `<remove>` of accounts in a some-accounts waitset, with their per-account errors
//! (Zimbra `SomeAccountsWaitSet.addAccountErrors` / `updateAccountErrors` / `removeAccounts` and
//! `WaitSetSession.update`). Permission checks happen before these run, in the request handlers.

use inboxd_model::{AccountId, InterestTypes};

use crate::accounts::Interner;
use crate::index::{AccountIndex, WsKey};
use crate::set::{Member, WaitSet};
use crate::{AccountError, AccountLookup, AccountState, AddSpec, ErrorCode};

/// Shared mutable context for membership changes of one waitset.
pub(crate) struct Membership<'a> {
    pub(crate) ws: &'a mut WaitSet,
    pub(crate) key: WsKey,
    pub(crate) names: &'a mut Interner,
    pub(crate) index: &'a mut AccountIndex,
    pub(crate) lookup: &'a dyn AccountLookup,
}

fn error(account: &AccountId, code: ErrorCode) -> AccountError {
    AccountError {
        account: account.clone(),
        code,
    }
}

impl Membership<'_> {
    /// Adds an account. With a token older than the account's change id, the account signals at once.
    pub(crate) fn add(&mut self, spec: &AddSpec, def: InterestTypes) -> Option<AccountError> {
        let known = self.names.get(&spec.account);
        if known.is_some_and(|k| self.ws.members.contains_key(&k)) {
            return Some(error(&spec.account, ErrorCode::AlreadyInSetDuringAdd));
        }
        let change_id = match self.lookup.state(&spec.account) {
            None | Some((AccountState::Deleted, _)) => {
                return Some(error(&spec.account, ErrorCode::NoSuchAccount));
            }
            Some((AccountState::Maintenance, _)) => {
                return Some(error(&spec.account, ErrorCode::MaintenanceMode));
            }
            Some((AccountState::Active, cid)) => cid,
        };
        let acct = self.names.intern(&spec.account);
        let member = Member {
            types: spec.types.unwrap_or(def),
            token: spec.token,
            highest: change_id,
            folders: spec.folder_interests.clone(),
        };
        self.ws.members.insert(acct, member);
        self.index.insert(acct, self.key);
        if spec.token.is_some_and(|token| token < change_id) {
            self.ws.signal(acct, change_id);
        }
        None
    }

    /// Replaces an account's types, folders and token. A token that has caught up cancels a pending
    /// (unsent) signal; a stale one signals at once, whatever the types.
    pub(crate) fn update(&mut self, spec: &AddSpec, def: InterestTypes) -> Option<AccountError> {
        let found = self
            .names
            .get(&spec.account)
            .filter(|k| self.ws.members.contains_key(k));
        let Some(acct) = found else {
            return Some(error(&spec.account, ErrorCode::NotInSetDuringUpdate));
        };
        let latest = self.lookup.state(&spec.account).map(|(_, cid)| cid);
        let Some(member) = self.ws.members.get_mut(&acct) else {
            return Some(error(&spec.account, ErrorCode::NotInSetDuringUpdate));
        };
        member.types = spec.types.unwrap_or(def);
        member.folders = spec.folder_interests.clone();
        member.token = spec.token;
        if let Some(latest) = latest {
            member.highest = member.highest.max(latest);
        }
        let highest = member.highest;
        match spec.token {
            Some(token) if token >= highest => {
                self.ws.current.remove(&acct);
            }
            Some(_) => self.ws.signal(acct, highest),
            None => {}
        }
        None
    }

    /// Removes an account; its pending, unsent signal goes with it.
    pub(crate) fn remove(&mut self, account: &AccountId) -> Option<AccountError> {
        let found = self
            .names
            .get(account)
            .filter(|k| self.ws.members.contains_key(k));
        let Some(acct) = found else {
            return Some(error(account, ErrorCode::NotInSetDuringRemove));
        };
        self.ws.members.remove(&acct);
        self.ws.current.remove(&acct);
        self.index.remove(acct, self.key);
        None
    }
}
