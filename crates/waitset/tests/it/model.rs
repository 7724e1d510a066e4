//! Model-based test: a naive reference model of the WaitSet rules (vectors and linear scans, no indexes,
//! no deadline queue) run side by side with the engine on random create/add/remove/update/change/wait/
//! ack/timeout/destroy/delete/abandon sequences from a seeded RNG. Every answer, every completion and
//! periodically the query dump must agree. 25 seeds × 4,000 steps = 100,000 steps.

use std::collections::BTreeMap;
use std::time::Duration;

use inboxd_model::{AccountId, ChangeEvent, ChangeId, CommitSeq, InterestTypes, Timestamp};
use inboxd_waitset::{
    AccountError, AccountState, AddSpec, Completion, Config, CreateRequest, ErrorCode, Owner,
    Signalled, WaitOutcome, WaitRequest, WaitResponse, WaitSetError, WaitSetId, WaitSets,
};

use crate::harness::Accounts;

const SEEDS: u64 = 25;
const STEPS: usize = 4_000;

/// SplitMix64: tiny, seedable, good enough for test input.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

fn config() -> Config {
    Config {
        idle_timeout: Duration::from_secs(600),
        max_per_owner: 3,
        ..Config::zimbra()
    }
}

// ---------------------------------------------------------------- the reference model

#[derive(Clone, Debug)]
struct MMember {
    acct: AccountId,
    types: InterestTypes,
    token: Option<u64>,
    highest: u64,
    folders: Vec<i64>,
}

#[derive(Clone, Debug)]
struct MParked {
    ticket: u64,
    seq: String,
    deadline: Timestamp,
    errors: Vec<AccountError>,
}

#[derive(Clone, Debug)]
struct MSet {
    id: WaitSetId,
    owner: AccountId,
    def: InterestTypes,
    all: bool,
    members: Vec<MMember>,
    /// Some-accounts: last seq handed out. All-accounts: last commit seq handed out.
    seq: u64,
    /// All-accounts: newest signalled commit.
    next: u64,
    current: BTreeMap<AccountId, u64>,
    sent: BTreeMap<AccountId, u64>,
    cur_err: Vec<AccountError>,
    sent_err: Vec<AccountError>,
    parked: Option<MParked>,
    last_access: Timestamp,
}

struct Model {
    sets: Vec<MSet>,
    next_ticket: u64,
    config: Config,
}

type MResult<T> = Result<T, &'static str>;

fn err_kind(e: &WaitSetError) -> &'static str {
    match e {
        WaitSetError::NoSuchWaitSet(_) => "no such waitset",
        WaitSetError::PermDenied(_) => "perm denied",
        WaitSetError::InvalidTypes(_) => "invalid types",
        WaitSetError::AlreadyExists(_) => "already exists",
        _ => "other",
    }
}

fn aerr(acct: &AccountId, code: ErrorCode) -> AccountError {
    AccountError {
        account: acct.clone(),
        code,
    }
}

impl MSet {
    fn member(&mut self, acct: &AccountId) -> Option<&mut MMember> {
        self.members.iter_mut().find(|m| &m.acct == acct)
    }

    fn signal(&mut self, acct: &AccountId, cid: u64) {
        let e = self.current.entry(acct.clone()).or_insert(cid);
        *e = (*e).max(cid);
    }

    fn bump(&mut self, acct: &AccountId, cid: u64) {
        for bucket in [&mut self.current, &mut self.sent] {
            if let Some(v) = bucket.get_mut(acct) {
                *v = (*v).max(cid);
            }
        }
    }

    fn try_send(
        &mut self,
        client_seq: &str,
    ) -> Option<(String, Vec<Signalled>, Vec<AccountError>)> {
        let acked = if self.all {
            client_seq == self.seq.to_string()
        } else {
            client_seq.parse::<u64>() == Ok(self.seq)
        };
        if acked {
            self.sent.clear();
            self.sent_err.clear();
        }
        let new = !self.current.is_empty() || !self.cur_err.is_empty();
        let unacked = !self.sent.is_empty() || !self.sent_err.is_empty();
        if !new && (!unacked || acked) {
            return None;
        }
        for (a, c) in std::mem::take(&mut self.current) {
            let e = self.sent.entry(a).or_insert(c);
            *e = (*e).max(c);
        }
        self.sent_err.append(&mut self.cur_err);
        self.seq = if self.all { self.next } else { self.seq + 1 };
        let signalled = self
            .sent
            .iter()
            .map(|(a, c)| Signalled {
                account: a.clone(),
                change_id: ChangeId(*c),
            })
            .collect();
        Some((self.seq.to_string(), signalled, self.sent_err.clone()))
    }

    fn response(&self, seq: Option<String>, canceled: bool) -> WaitResponse {
        WaitResponse {
            id: self.id.clone(),
            seq,
            canceled,
            signalled: vec![],
            errors: vec![],
        }
    }

    /// Completes the parked request if there is data for it.
    fn complete(&mut self, now: Timestamp) -> Option<Completion> {
        let seq = self.parked.as_ref()?.seq.clone();
        let (seq, signalled, errs) = self.try_send(&seq)?;
        let p = self.parked.take()?;
        self.last_access = now;
        let mut r = self.response(Some(seq), false);
        r.signalled = signalled;
        r.errors = p.errors;
        r.errors.extend(errs);
        Some(Completion {
            ticket: inboxd_waitset::Ticket(p.ticket),
            response: r,
        })
    }

    fn cancel(&mut self) -> Option<Completion> {
        let p = self.parked.take()?;
        let mut r = self.response(None, true);
        r.errors = p.errors;
        Some(Completion {
            ticket: inboxd_waitset::Ticket(p.ticket),
            response: r,
        })
    }
}

impl Model {
    fn idx(&self, id: &WaitSetId) -> Option<usize> {
        self.sets.iter().position(|s| &s.id == id)
    }

    fn check_access(&self, owner: &Owner, id: &WaitSetId) -> MResult<usize> {
        let i = self.idx(id).ok_or("no such waitset")?;
        let s = &self.sets[i];
        if (s.all || s.owner != owner.account) && !owner.admin {
            return Err("perm denied");
        }
        Ok(i)
    }

    fn add(
        s: &mut MSet,
        spec: &AddSpec,
        def: InterestTypes,
        acc: &Accounts,
    ) -> Option<AccountError> {
        if s.member(&spec.account).is_some() {
            return Some(aerr(&spec.account, ErrorCode::AlreadyInSetDuringAdd));
        }
        let cid = match acc.0.get(&spec.account) {
            None | Some((AccountState::Deleted, _)) => {
                return Some(aerr(&spec.account, ErrorCode::NoSuchAccount));
            }
            Some((AccountState::Maintenance, _)) => {
                return Some(aerr(&spec.account, ErrorCode::MaintenanceMode));
            }
            Some((AccountState::Active, c)) => c.0,
        };
        s.members.push(MMember {
            acct: spec.account.clone(),
            types: spec.types.unwrap_or(def),
            token: spec.token.map(|t| t.0),
            highest: cid,
            folders: spec.folder_interests.clone(),
        });
        if spec.token.is_some_and(|t| t.0 < cid) {
            s.signal(&spec.account, cid);
        }
        None
    }

    fn update(
        s: &mut MSet,
        spec: &AddSpec,
        def: InterestTypes,
        acc: &Accounts,
    ) -> Option<AccountError> {
        let latest = acc.0.get(&spec.account).map(|(_, c)| c.0);
        let Some(m) = s.member(&spec.account) else {
            return Some(aerr(&spec.account, ErrorCode::NotInSetDuringUpdate));
        };
        m.types = spec.types.unwrap_or(def);
        m.folders = spec.folder_interests.clone();
        m.token = spec.token.map(|t| t.0);
        m.highest = m.highest.max(latest.unwrap_or(0));
        let highest = m.highest;
        match m.token {
            Some(t) if t >= highest => {
                s.current.remove(&spec.account);
            }
            Some(_) => s.signal(&spec.account, highest),
            None => {}
        }
        None
    }

    fn remove(s: &mut MSet, acct: &AccountId) -> Option<AccountError> {
        let before = s.members.len();
        s.members.retain(|m| &m.acct != acct);
        if s.members.len() == before {
            return Some(aerr(acct, ErrorCode::NotInSetDuringRemove));
        }
        s.current.remove(acct);
        None
    }

    fn create(
        &mut self,
        owner: &Owner,
        req: &CreateRequest,
        id: Option<WaitSetId>,
        acc: &Accounts,
        now: Timestamp,
    ) -> MResult<(Vec<AccountError>, Vec<Completion>)> {
        if req.all_accounts && !owner.admin {
            return Err("perm denied");
        }
        if !owner.admin && req.add.iter().any(|s| s.account != owner.account) {
            return Err("perm denied");
        }
        let mut done = Vec::new();
        if !owner.admin {
            while self
                .sets
                .iter()
                .filter(|s| s.owner == owner.account)
                .count()
                >= self.config.max_per_owner
            {
                let i = self
                    .sets
                    .iter()
                    .position(|s| s.owner == owner.account)
                    .unwrap();
                done.extend(self.sets.remove(i).cancel());
            }
        }
        let mut s = MSet {
            id: id.expect("model created a waitset the engine refused"),
            owner: owner.account.clone(),
            def: req.def_types,
            all: req.all_accounts,
            members: vec![],
            seq: if req.all_accounts { 0 } else { 1 },
            next: 0,
            current: BTreeMap::new(),
            sent: BTreeMap::new(),
            cur_err: vec![],
            sent_err: vec![],
            parked: None,
            last_access: now,
        };
        let mut errors = vec![];
        if !s.all {
            errors = req
                .add
                .iter()
                .filter_map(|spec| Self::add(&mut s, spec, req.def_types, acc))
                .collect();
        }
        self.sets.push(s);
        Ok((errors, done))
    }

    fn wait(
        &mut self,
        owner: &Owner,
        req: &WaitRequest,
        acc: &Accounts,
        now: Timestamp,
    ) -> MResult<(WaitOutcome, Vec<Completion>)> {
        let i = self.check_access(owner, &req.id)?;
        let all = self.sets[i].all;
        let named = req
            .add
            .iter()
            .chain(&req.update)
            .map(|s| &s.account)
            .chain(&req.remove);
        if !all && !owner.admin && named.into_iter().any(|a| *a != owner.account) {
            return Err("perm denied");
        }
        let range = if owner.admin {
            self.config.admin_timeout
        } else {
            self.config.user_timeout
        };
        let s = &mut self.sets[i];
        let done: Vec<Completion> = s.cancel().into_iter().collect();
        let mut errors = vec![];
        if !all {
            let def = req.def_types.unwrap_or(s.def);
            errors.extend(req.remove.iter().filter_map(|a| Self::remove(s, a)));
            errors.extend(req.add.iter().filter_map(|a| Self::add(s, a, def, acc)));
            errors.extend(
                req.update
                    .iter()
                    .filter_map(|a| Self::update(s, a, def, acc)),
            );
        }
        s.last_access = now;
        if let Some((seq, signalled, errs)) = s.try_send(&req.seq) {
            let mut r = s.response(Some(seq), false);
            r.signalled = signalled;
            r.errors = errors;
            r.errors.extend(errs);
            return Ok((WaitOutcome::Ready(r), done));
        }
        if !req.block {
            let mut r = s.response(Some(req.seq.clone()), false);
            r.errors = errors;
            return Ok((WaitOutcome::Ready(r), done));
        }
        let secs = req
            .timeout
            .unwrap_or(range.default_secs)
            .clamp(range.min_secs, range.max_secs);
        let deadline = Timestamp(now.0 + secs * 1000);
        self.next_ticket += 1;
        let ticket = self.next_ticket;
        s.parked = Some(MParked {
            ticket,
            seq: req.seq.clone(),
            deadline,
            errors,
        });
        Ok((
            WaitOutcome::Parked {
                ticket: inboxd_waitset::Ticket(ticket),
                deadline,
            },
            done,
        ))
    }

    fn destroy(&mut self, owner: &Owner, id: &WaitSetId) -> MResult<Vec<Completion>> {
        let i = self.check_access(owner, id)?;
        Ok(self.sets.remove(i).cancel().into_iter().collect())
    }

    fn change(&mut self, ev: &ChangeEvent, now: Timestamp) -> Vec<Completion> {
        let (acct, cid, commit) = (&ev.account, ev.change_id.0, ev.commit_seq.0);
        let mut done = vec![];
        for s in &mut self.sets {
            let fire = if s.all {
                s.bump(acct, cid);
                let fire = s.def.intersects(ev.types);
                if fire {
                    s.next = s.next.max(commit);
                    s.signal(acct, cid);
                }
                fire
            } else if let Some(m) = s.member(acct) {
                m.highest = m.highest.max(cid);
                let h = m.highest;
                let fire = m.token.is_none_or(|t| t < h) && m.types.intersects(ev.types);
                s.bump(acct, h);
                if fire {
                    s.signal(acct, h);
                }
                fire
            } else {
                false
            };
            if fire {
                done.extend(s.complete(now));
            }
        }
        done
    }

    fn delete(&mut self, acct: &AccountId, now: Timestamp) -> Vec<Completion> {
        let mut done = vec![];
        for s in &mut self.sets {
            if !s.all && s.member(acct).is_some() {
                s.members.retain(|m| &m.acct != acct);
                s.current.remove(acct);
                s.cur_err.push(aerr(acct, ErrorCode::MailboxDeleted));
                done.extend(s.complete(now));
            }
        }
        done
    }

    fn timeout(&mut self, now: Timestamp) -> Vec<Completion> {
        let mut done = vec![];
        for s in &mut self.sets {
            if s.parked.as_ref().is_some_and(|p| p.deadline <= now) {
                let p = s.parked.take().unwrap();
                s.last_access = now;
                let mut r = s.response(Some(p.seq), false);
                r.errors = p.errors;
                done.push(Completion {
                    ticket: inboxd_waitset::Ticket(p.ticket),
                    response: r,
                });
            }
        }
        let idle = self.config.idle_timeout;
        self.sets
            .retain(|s| s.parked.is_some() || s.last_access.plus(idle) > now);
        done
    }

    fn abandon(&mut self, ticket: u64, now: Timestamp) -> bool {
        for s in &mut self.sets {
            if s.parked.as_ref().is_some_and(|p| p.ticket == ticket) {
                s.parked = None;
                s.last_access = now;
                return true;
            }
        }
        false
    }

    fn poll_timeout(&self) -> Option<Timestamp> {
        let idle = self.config.idle_timeout;
        self.sets
            .iter()
            .map(|s| {
                s.parked
                    .as_ref()
                    .map_or(s.last_access.plus(idle), |p| p.deadline)
            })
            .min()
    }
}

// ---------------------------------------------------------------- the random driver

struct Run {
    rng: Rng,
    engine: WaitSets,
    model: Model,
    accounts: Accounts,
    now: Timestamp,
    commit_seq: u64,
    n_new: u64,
    step: usize,
}

fn sorted(mut c: Vec<Completion>) -> Vec<Completion> {
    c.sort_by_key(|c| c.ticket);
    c
}

impl Run {
    fn new(seed: u64) -> Self {
        let mut accounts = Accounts::default();
        for id in ["u0", "u1", "u2", "a0", "a1", "a2", "a3"] {
            accounts
                .0
                .insert(AccountId::new(id), (AccountState::Active, ChangeId(0)));
        }
        Self {
            rng: Rng(seed),
            engine: WaitSets::new(config()),
            model: Model {
                sets: vec![],
                next_ticket: 0,
                config: config(),
            },
            accounts,
            now: Timestamp(1_000_000),
            commit_seq: 0,
            n_new: 0,
            step: 0,
        }
    }

    fn account_pool(&self) -> Vec<AccountId> {
        let mut pool: Vec<AccountId> = self.accounts.0.keys().cloned().collect();
        pool.sort();
        pool.push(AccountId::new("ghost"));
        pool
    }

    fn owner(&mut self) -> Owner {
        if self.rng.chance(35) {
            Owner {
                account: AccountId::new("admin"),
                admin: true,
            }
        } else {
            let u = *self.rng.pick(&["u0", "u1", "u2"]);
            Owner {
                account: AccountId::new(u),
                admin: false,
            }
        }
    }

    fn types(&mut self) -> InterestTypes {
        if self.rng.chance(30) {
            return InterestTypes::ALL;
        }
        InterestTypes::from_bits(self.rng.below(64) as u8)
    }

    fn spec(&mut self, owner: &Owner) -> AddSpec {
        let acct = if !owner.admin && self.rng.chance(90) {
            owner.account.clone()
        } else {
            let pool = self.account_pool();
            self.rng.pick(&pool).clone()
        };
        let cid = self.accounts.0.get(&acct).map_or(0, |(_, c)| c.0);
        let token = match self.rng.below(4) {
            0 => Some(ChangeId(cid.saturating_sub(1))),
            1 => Some(ChangeId(cid)),
            2 => Some(ChangeId(cid + 1)),
            _ => None,
        };
        let types = if self.rng.chance(30) {
            Some(self.types())
        } else {
            None
        };
        let folder_interests = if self.rng.chance(20) {
            vec![self.rng.below(300) as i64]
        } else {
            vec![]
        };
        AddSpec {
            account: acct,
            token,
            types,
            folder_interests,
        }
    }

    fn specs(&mut self, owner: &Owner, percent: u64) -> Vec<AddSpec> {
        if !self.rng.chance(percent) {
            return vec![];
        }
        let n = 1 + self.rng.below(3);
        (0..n).map(|_| self.spec(owner)).collect()
    }

    fn some_id(&mut self) -> WaitSetId {
        if self.model.sets.is_empty() || self.rng.chance(5) {
            return WaitSetId::new("WaitSet-bogus");
        }
        let i = self.rng.below(self.model.sets.len() as u64) as usize;
        self.model.sets[i].id.clone()
    }

    fn requester_for(&mut self, id: &WaitSetId) -> Owner {
        let set = self.model.sets.iter().find(|s| &s.id == id);
        match set {
            Some(s) if self.rng.chance(85) => {
                let admin = s.owner.as_str() == "admin" || (s.all || self.rng.chance(10));
                Owner {
                    account: s.owner.clone(),
                    admin,
                }
            }
            _ => self.owner(),
        }
    }

    fn client_seq(&mut self, id: &WaitSetId) -> String {
        let current = self
            .model
            .sets
            .iter()
            .find(|s| &s.id == id)
            .map_or(0, |s| s.seq);
        match self.rng.below(10) {
            0..=5 => current.to_string(),
            6 => "0".into(),
            7 => current.saturating_sub(1).to_string(),
            8 => "junk".into(),
            _ => (current + 1).to_string(),
        }
    }

    fn do_create(&mut self) {
        let owner = self.owner();
        let req = CreateRequest {
            def_types: self.types(),
            all_accounts: self.rng.chance(8),
            add: self.specs(&owner, 70),
        };
        let got = self
            .engine
            .create(&owner, req.clone(), &self.accounts, self.now);
        let id = got.as_ref().ok().map(|(c, _)| c.id.clone());
        let want = self
            .model
            .create(&owner, &req, id, &self.accounts, self.now);
        match (got, want) {
            (Ok((created, done)), Ok((errors, mdone))) => {
                assert_eq!(created.errors, errors, "create errors, step {}", self.step);
                assert_eq!((created.seq, created.def_types), (0, req.def_types));
                assert_eq!(sorted(done), sorted(mdone), "evictions, step {}", self.step);
            }
            (Err(e), Err(m)) => assert_eq!(err_kind(&e), m, "step {}", self.step),
            (got, want) => panic!("create diverged at step {}: {got:?} vs {want:?}", self.step),
        }
    }

    fn do_wait(&mut self) {
        let id = self.some_id();
        let owner = self.requester_for(&id);
        let req = WaitRequest {
            id: id.clone(),
            seq: self.client_seq(&id),
            block: self.rng.chance(60),
            timeout: if self.rng.chance(50) {
                Some(self.rng.below(1500))
            } else {
                None
            },
            def_types: if self.rng.chance(20) {
                Some(self.types())
            } else {
                None
            },
            add: self.specs(&owner, 25),
            update: self.specs(&owner, 25),
            remove: self
                .specs(&owner, 15)
                .into_iter()
                .map(|s| s.account)
                .collect(),
        };
        let got = self
            .engine
            .wait(&owner, req.clone(), &self.accounts, self.now);
        let want = self.model.wait(&owner, &req, &self.accounts, self.now);
        match (got, want) {
            (Ok((o, done)), Ok((mo, mdone))) => {
                assert_eq!(o, mo, "wait outcome, step {}: {req:?}", self.step);
                assert_eq!(
                    sorted(done),
                    sorted(mdone),
                    "wait completions, step {}",
                    self.step
                );
            }
            (Err(e), Err(m)) => assert_eq!(err_kind(&e), m, "step {}", self.step),
            (got, want) => panic!("wait diverged at step {}: {got:?} vs {want:?}", self.step),
        }
    }

    fn do_change(&mut self) {
        let pool: Vec<AccountId> = self
            .account_pool()
            .into_iter()
            .filter(|a| {
                self.accounts
                    .0
                    .get(a)
                    .is_some_and(|(s, _)| *s != AccountState::Deleted)
            })
            .collect();
        let acct = self.rng.pick(&pool).clone();
        let mut types = InterestTypes::from_bits(self.rng.below(64) as u8);
        if types.is_empty() {
            types = InterestTypes::parse("m").unwrap();
        }
        let entry = self.accounts.0.get_mut(&acct).unwrap();
        entry.1 = ChangeId(entry.1.0 + 1);
        self.commit_seq += 1;
        let ev = ChangeEvent {
            account: acct,
            change_id: entry.1,
            types,
            commit_seq: CommitSeq(self.commit_seq),
        };
        let got = sorted(self.engine.on_change(&ev, self.now));
        let want = sorted(self.model.change(&ev, self.now));
        assert_eq!(got, want, "change completions, step {}", self.step);
    }

    fn do_advance(&mut self) {
        let ms = if self.rng.chance(50) {
            self.rng.below(60_000)
        } else {
            self.rng.below(400_000)
        };
        self.now = Timestamp(self.now.0 + ms);
        let got = sorted(self.engine.on_timeout(self.now));
        let want = sorted(self.model.timeout(self.now));
        assert_eq!(got, want, "timeouts, step {}", self.step);
    }

    fn do_destroy(&mut self) {
        let id = self.some_id();
        let owner = self.requester_for(&id);
        let got = self.engine.destroy(&owner, &id);
        let want = self.model.destroy(&owner, &id);
        match (got, want) {
            (Ok(d), Ok(md)) => assert_eq!(d, md, "destroy, step {}", self.step),
            (Err(e), Err(m)) => assert_eq!(err_kind(&e), m, "step {}", self.step),
            (got, want) => panic!(
                "destroy diverged at step {}: {got:?} vs {want:?}",
                self.step
            ),
        }
    }

    fn do_status(&mut self) {
        if self.rng.chance(40) {
            self.n_new += 1;
            let id = AccountId::new(format!("n{}", self.n_new));
            self.accounts
                .0
                .insert(id, (AccountState::Active, ChangeId(0)));
            return;
        }
        let pool = self.account_pool();
        let acct = self.rng.pick(&pool).clone();
        let Some(entry) = self.accounts.0.get_mut(&acct) else {
            return;
        };
        let state = match (entry.0, self.rng.below(3)) {
            (AccountState::Deleted, _) => return,
            (_, 0) => AccountState::Deleted,
            (AccountState::Active, _) => AccountState::Maintenance,
            _ => AccountState::Active,
        };
        entry.0 = state;
        let got = sorted(self.engine.on_account_status(&acct, state, self.now));
        let want = if state == AccountState::Deleted {
            sorted(self.model.delete(&acct, self.now))
        } else {
            vec![]
        };
        assert_eq!(got, want, "status {state:?}, step {}", self.step);
    }

    fn do_abandon(&mut self) {
        let ticket = 1 + self.rng.below(self.model.next_ticket.max(1));
        let got = self
            .engine
            .abandon(inboxd_waitset::Ticket(ticket), self.now);
        assert_eq!(
            got,
            self.model.abandon(ticket, self.now),
            "abandon, step {}",
            self.step
        );
    }

    fn compare_state(&self) {
        assert_eq!(
            self.engine.poll_timeout(),
            self.model.poll_timeout(),
            "poll_timeout, step {}",
            self.step
        );
        let infos = self.engine.query(None).unwrap();
        assert_eq!(
            infos.len(),
            self.model.sets.len(),
            "waitset count, step {}",
            self.step
        );
        let parked = self
            .model
            .sets
            .iter()
            .filter(|s| s.parked.is_some())
            .count();
        assert_eq!(self.engine.stats().parked, parked);
        for info in infos {
            let s = self
                .model
                .sets
                .iter()
                .find(|s| s.id == info.id)
                .expect("engine has extra waitset");
            let mut members: Vec<_> = s
                .members
                .iter()
                .map(|m| {
                    (
                        m.acct.clone(),
                        m.types,
                        m.token,
                        m.highest,
                        m.folders.clone(),
                    )
                })
                .collect();
            members.sort_by(|a, b| a.0.cmp(&b.0));
            let got: Vec<_> = info
                .accounts
                .iter()
                .map(|m| {
                    (
                        m.account.clone(),
                        m.types,
                        m.token.map(|t| t.0),
                        m.highest_change_id.0,
                        m.folder_interests.clone(),
                    )
                })
                .collect();
            assert_eq!(got, members, "members of {}, step {}", s.id, self.step);
            let mut ready: Vec<_> = s.current.keys().chain(s.sent.keys()).cloned().collect();
            ready.sort();
            ready.dedup();
            assert_eq!(info.ready, ready, "ready of {}, step {}", s.id, self.step);
            assert_eq!(info.current_seq, s.seq.to_string());
            assert_eq!(
                info.parked.map(|p| p.1),
                s.parked.as_ref().map(|p| p.deadline)
            );
        }
    }

    fn step_once(&mut self) {
        match self.rng.below(100) {
            0..=7 => self.do_create(),
            8..=42 => self.do_wait(),
            43..=72 => self.do_change(),
            73..=82 => self.do_advance(),
            83..=86 => self.do_destroy(),
            87..=91 => self.do_status(),
            _ => self.do_abandon(),
        }
        if self.step.is_multiple_of(10) {
            self.compare_state();
        }
        self.step += 1;
    }
}

#[test]
fn engine_matches_naive_model_on_random_sequences() {
    let mut total = 0;
    let mut parked_seen = 0;
    for seed in 0..SEEDS {
        let mut run = Run::new(0x5EED_0000 + seed);
        for _ in 0..STEPS {
            run.step_once();
            parked_seen += run.engine.stats().parked;
        }
        run.compare_state();
        total += run.step;
    }
    assert_eq!(total, 100_000);
    // The random mix must actually exercise parking (not only immediate answers).
    assert!(
        parked_seen > 10_000,
        "parked only {parked_seen} step-requests"
    );
}
