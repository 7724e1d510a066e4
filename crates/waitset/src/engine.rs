//! The registry of all waitsets: ids, owners (with the per-owner limit), the account index, the
//! all-accounts list and the deadline queue; create and destroy. Waiting, events, timers, resume and
//! query are further `impl WaitSets` blocks in their own files.

use std::collections::{BTreeSet, HashMap};

use inboxd_model::{AccountId, CommitSeq, InterestTypes, Timestamp};

use crate::accounts::Interner;
use crate::index::{AccountIndex, WsKey};
use crate::members::Membership;
use crate::set::{Seqs, WaitSet};
use crate::{
    AccountLookup, Completion, Config, CreateRequest, Created, Owner, Ticket, WaitSetError,
    WaitSetId,
};

/// What a deadline entry stands for.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub(crate) enum DeadlineKind {
    /// The parked request times out.
    Parked,
    /// The waitset has been idle too long.
    Idle,
}

/// All waitsets on this server. Sans-IO: every input carries `now`; parked requests are tickets.
pub struct WaitSets {
    pub(crate) config: Config,
    pub(crate) names: Interner,
    /// Boxed: the map's buckets (at most 7/8 full, power-of-two counts) then hold a pointer each instead of a
    /// whole waitset, which at 10k waitsets was ~0.3-0.7 KiB of empty bucket room per waitset.
    pub(crate) sets: HashMap<WsKey, Box<WaitSet>>,
    pub(crate) ids: HashMap<WaitSetId, WsKey>,
    /// Owner → waitsets; keys grow with creation, so the first is the oldest (the eviction order;
    /// Zimbra's "LRU" is really FIFO).
    pub(crate) by_owner: HashMap<AccountId, BTreeSet<WsKey>>,
    pub(crate) index: AccountIndex,
    pub(crate) all_accounts: Vec<WsKey>,
    pub(crate) tickets: HashMap<Ticket, WsKey>,
    /// Exactly one entry per waitset: its parked deadline, or its idle deadline.
    pub(crate) deadlines: BTreeSet<(Timestamp, DeadlineKind, WsKey)>,
    next_key: u64,
    pub(crate) next_ticket: u64,
}

/// Counters for metrics and benches.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Stats {
    pub waitsets: usize,
    pub parked: usize,
    pub memberships: usize,
}

impl WaitSets {
    pub fn new(config: Config) -> Self {
        Self {
            config,
            names: Interner::default(),
            sets: HashMap::new(),
            ids: HashMap::new(),
            by_owner: HashMap::new(),
            index: AccountIndex::default(),
            all_accounts: Vec::new(),
            tickets: HashMap::new(),
            deadlines: BTreeSet::new(),
            next_key: 0,
            next_ticket: 0,
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn stats(&self) -> Stats {
        Stats {
            waitsets: self.sets.len(),
            parked: self.tickets.len(),
            memberships: self.index.memberships(),
        }
    }

    /// Create[Admin]WaitSet. Non-admins may name only their own account and hold at most
    /// `max_per_owner` waitsets; creating one more destroys their oldest, whose parked request (if any)
    /// comes back canceled in the returned completions.
    pub fn create(
        &mut self,
        owner: &Owner,
        req: CreateRequest,
        accounts: &dyn AccountLookup,
        now: Timestamp,
    ) -> Result<(Created, Vec<Completion>), WaitSetError> {
        if req.all_accounts && !owner.admin {
            return Err(WaitSetError::PermDenied(
                "allAccounts requires an admin token",
            ));
        }
        check_own_accounts(owner, req.add.iter().map(|s| &s.account))?;
        let completions = if owner.admin {
            Vec::new()
        } else {
            self.evict_for(&owner.account)
        };
        let ws = fresh_waitset(owner, req.def_types, req.all_accounts, now);
        let id = ws.id.clone();
        let key = self.insert(ws);
        let mut errors = Vec::new();
        if !req.all_accounts {
            let mut m = self.membership(key, accounts)?;
            errors.extend(req.add.iter().filter_map(|spec| m.add(spec, req.def_types)));
        }
        let created = Created {
            id,
            def_types: req.def_types,
            seq: 0,
            errors,
        };
        Ok((created, completions))
    }

    /// [Admin]DestroyWaitSet. All-accounts waitsets need an admin; others the owner or an admin.
    /// A parked request on the waitset completes canceled.
    pub fn destroy(
        &mut self,
        owner: &Owner,
        id: &WaitSetId,
    ) -> Result<Vec<Completion>, WaitSetError> {
        let key = self.checked_key(owner, id)?;
        Ok(self.remove(key).into_iter().collect())
    }

    /// Looks a waitset up and checks the requester may use it.
    pub(crate) fn checked_key(&self, owner: &Owner, id: &WaitSetId) -> Result<WsKey, WaitSetError> {
        let key = *self
            .ids
            .get(id)
            .ok_or_else(|| WaitSetError::NoSuchWaitSet(id.clone()))?;
        let ws = self
            .sets
            .get(&key)
            .ok_or_else(|| WaitSetError::NoSuchWaitSet(id.clone()))?;
        if ws.is_all_accounts() && !owner.admin {
            return Err(WaitSetError::PermDenied(
                "all-accounts waitsets require an admin token",
            ));
        }
        if ws.owner != owner.account && !owner.admin {
            return Err(WaitSetError::PermDenied("Not owner(creator) of waitset"));
        }
        Ok(key)
    }

    /// Registers a new waitset and schedules its idle deadline.
    pub(crate) fn insert(&mut self, ws: WaitSet) -> WsKey {
        let key = WsKey(self.next_key);
        self.next_key += 1;
        self.ids.insert(ws.id.clone(), key);
        self.by_owner
            .entry(ws.owner.clone())
            .or_default()
            .insert(key);
        if ws.is_all_accounts() {
            self.all_accounts.push(key);
        }
        self.sets.insert(key, Box::new(ws));
        self.schedule(key);
        key
    }

    /// Destroys a waitset, returning the canceled completion of its parked request.
    pub(crate) fn remove(&mut self, key: WsKey) -> Option<Completion> {
        self.unschedule(key);
        let mut ws = self.sets.remove(&key)?;
        self.ids.remove(&ws.id);
        if let Some(list) = self.by_owner.get_mut(&ws.owner) {
            list.remove(&key);
            if list.is_empty() {
                self.by_owner.remove(&ws.owner);
            }
        }
        self.all_accounts.retain(|k| *k != key);
        for acct in ws.members.keys() {
            self.index.remove(*acct, key);
        }
        let parked = ws.parked.take()?;
        self.tickets.remove(&parked.ticket);
        let response = ws.canceled_response(parked.request_errors);
        Some(Completion {
            ticket: parked.ticket,
            response,
        })
    }

    /// Makes room for one more waitset of a non-admin owner.
    fn evict_for(&mut self, owner: &AccountId) -> Vec<Completion> {
        let max = self.config.max_per_owner.max(1);
        let mut completions = Vec::new();
        // Bounded: each round removes one waitset of this owner.
        while let Some(&oldest) = self
            .by_owner
            .get(owner)
            .filter(|l| l.len() >= max)
            .and_then(|l| l.first())
        {
            completions.extend(self.remove(oldest));
        }
        completions
    }

    /// Context for add/update/remove on one waitset.
    pub(crate) fn membership<'a>(
        &'a mut self,
        key: WsKey,
        lookup: &'a dyn AccountLookup,
    ) -> Result<Membership<'a>, WaitSetError> {
        let ws = self
            .sets
            .get_mut(&key)
            .ok_or_else(|| WaitSetError::NoSuchWaitSet(WaitSetId::default()))?;
        Ok(Membership {
            ws,
            key,
            names: &mut self.names,
            index: &mut self.index,
            lookup,
        })
    }

    /// The deadline entry of a waitset in its current state.
    fn deadline_of(&self, key: WsKey) -> Option<(Timestamp, DeadlineKind, WsKey)> {
        let ws = self.sets.get(&key)?;
        Some(match &ws.parked {
            Some(p) => (p.deadline, DeadlineKind::Parked, key),
            None => (
                ws.last_access.plus(self.config.idle_timeout),
                DeadlineKind::Idle,
                key,
            ),
        })
    }

    /// Call before changing a waitset's `parked` or `last_access`...
    pub(crate) fn unschedule(&mut self, key: WsKey) {
        if let Some(entry) = self.deadline_of(key) {
            self.deadlines.remove(&entry);
        }
    }

    /// ...and this after.
    pub(crate) fn schedule(&mut self, key: WsKey) {
        if let Some(entry) = self.deadline_of(key) {
            self.deadlines.insert(entry);
        }
    }

    /// Interest types for add/update entries without their own `types`.
    pub(crate) fn default_types(
        &self,
        key: WsKey,
        requested: Option<InterestTypes>,
    ) -> InterestTypes {
        requested
            .or_else(|| self.sets.get(&key).map(|ws| ws.def_types))
            .unwrap_or_default()
    }
}

/// A new, empty waitset with a fresh id: `WaitSet-<uuid>` or `AllWaitSet-<uuid>`.
fn fresh_waitset(owner: &Owner, def_types: InterestTypes, all: bool, now: Timestamp) -> WaitSet {
    let (prefix, seqs) = if all {
        let zero = CommitSeq(0);
        (
            WaitSetId::ALL_PREFIX,
            Seqs::All {
                current: zero,
                next: zero,
                floor: zero,
            },
        )
    } else {
        (WaitSetId::SOME_PREFIX, Seqs::Some { current: 1 })
    };
    let id = WaitSetId::new(format!("{prefix}{}", uuid::Uuid::new_v4()));
    WaitSet::new(id, owner.account.clone(), def_types, seqs, now)
}

/// Non-admins may name only their own account (Zimbra: `service.PERM_DENIED`, also for unknown ids).
pub(crate) fn check_own_accounts<'a>(
    owner: &Owner,
    mut accounts: impl Iterator<Item = &'a AccountId>,
) -> Result<(), WaitSetError> {
    if owner.admin || accounts.all(|a| *a == owner.account) {
        Ok(())
    } else {
        Err(WaitSetError::PermDenied("can not access account"))
    }
}
