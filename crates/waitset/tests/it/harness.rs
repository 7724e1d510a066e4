//! Test harness: a virtual clock, fake accounts with change ids, and helpers that drive the engine and
//! collect completions. Nothing here asserts engine behaviour.

use std::collections::HashMap;
use std::time::Duration;

use inboxd_model::{AccountId, ChangeEvent, ChangeId, CommitSeq, InterestTypes, Timestamp};
use inboxd_waitset::{
    AccountLookup, AccountState, AddSpec, Completion, Config, CreateRequest, Created, Owner,
    WaitOutcome, WaitRequest, WaitResponse, WaitSetError, WaitSetId, WaitSets,
};

/// Fake account table implementing the shell's lookup.
#[derive(Default)]
pub struct Accounts(pub HashMap<AccountId, (AccountState, ChangeId)>);

impl AccountLookup for Accounts {
    fn state(&self, id: &AccountId) -> Option<(AccountState, ChangeId)> {
        self.0.get(id).copied()
    }
}

pub struct H {
    pub ws: WaitSets,
    pub accounts: Accounts,
    pub now: Timestamp,
    pub commit_seq: u64,
    /// Completions returned by any call, in order.
    pub done: Vec<Completion>,
}

pub fn t(s: &str) -> InterestTypes {
    InterestTypes::parse(s).unwrap()
}

pub fn admin() -> Owner {
    Owner {
        account: AccountId::new("admin"),
        admin: true,
    }
}

pub fn user(id: &str) -> Owner {
    Owner {
        account: AccountId::new(id),
        admin: false,
    }
}

pub fn add(id: &str) -> AddSpec {
    AddSpec::account(id)
}

pub fn add_token(id: &str, token: u64) -> AddSpec {
    AddSpec {
        token: Some(ChangeId(token)),
        ..AddSpec::account(id)
    }
}

pub fn add_types(id: &str, types: &str) -> AddSpec {
    AddSpec {
        types: Some(t(types)),
        ..AddSpec::account(id)
    }
}

/// A non-blocking wait request.
pub fn req(id: &WaitSetId, seq: &str) -> WaitRequest {
    WaitRequest {
        id: id.clone(),
        seq: seq.to_string(),
        ..WaitRequest::default()
    }
}

/// A blocking wait request.
pub fn block(id: &WaitSetId, seq: &str) -> WaitRequest {
    WaitRequest {
        block: true,
        ..req(id, seq)
    }
}

pub fn ids(resp: &WaitResponse) -> Vec<&str> {
    resp.signalled.iter().map(|s| s.account.as_str()).collect()
}

pub fn ready(outcome: WaitOutcome) -> WaitResponse {
    match outcome {
        WaitOutcome::Ready(r) => r,
        WaitOutcome::Parked { .. } => panic!("expected an immediate answer, got parked"),
    }
}

impl H {
    pub fn new() -> Self {
        Self::with_config(Config::zimbra())
    }

    pub fn with_config(config: Config) -> Self {
        Self {
            ws: WaitSets::new(config),
            accounts: Accounts::default(),
            now: Timestamp(1_000_000),
            commit_seq: 0,
            done: Vec::new(),
        }
    }

    /// Registers active accounts with change id 0.
    pub fn accounts(&mut self, ids: &[&str]) {
        for id in ids {
            self.accounts
                .0
                .insert(AccountId::new(*id), (AccountState::Active, ChangeId(0)));
        }
    }

    pub fn set_change_id(&mut self, id: &str, cid: u64) {
        let entry = self.accounts.0.get_mut(&AccountId::new(id)).unwrap();
        entry.1 = ChangeId(cid);
    }

    pub fn change_id(&self, id: &str) -> u64 {
        self.accounts.0[&AccountId::new(id)].1.0
    }

    /// Commits one change of `types` to an account; returns completions it caused.
    pub fn commit(&mut self, id: &str, types: &str) -> Vec<Completion> {
        let cid = self.change_id(id) + 1;
        self.set_change_id(id, cid);
        self.commit_seq += 1;
        let event = ChangeEvent {
            account: AccountId::new(id),
            change_id: ChangeId(cid),
            types: t(types),
            commit_seq: CommitSeq(self.commit_seq),
        };
        let res = self.ws.on_change(&event, self.now);
        self.done.extend(res.clone());
        res
    }

    pub fn create(&mut self, owner: &Owner, def: &str, add: Vec<AddSpec>) -> Created {
        self.try_create(
            owner,
            CreateRequest {
                def_types: t(def),
                all_accounts: false,
                add,
            },
        )
        .unwrap()
    }

    pub fn create_all(&mut self, def: &str) -> Created {
        self.try_create(
            &admin(),
            CreateRequest {
                def_types: t(def),
                all_accounts: true,
                add: vec![],
            },
        )
        .unwrap()
    }

    pub fn try_create(
        &mut self,
        owner: &Owner,
        req: CreateRequest,
    ) -> Result<Created, WaitSetError> {
        let (created, done) = self.ws.create(owner, req, &self.accounts, self.now)?;
        self.done.extend(done);
        Ok(created)
    }

    pub fn try_wait(
        &mut self,
        owner: &Owner,
        req: WaitRequest,
    ) -> Result<WaitOutcome, WaitSetError> {
        let (outcome, done) = self.ws.wait(owner, req, &self.accounts, self.now)?;
        self.done.extend(done);
        Ok(outcome)
    }

    pub fn wait(&mut self, owner: &Owner, req: WaitRequest) -> WaitOutcome {
        self.try_wait(owner, req).unwrap()
    }

    /// Moves virtual time forward and fires due timers.
    pub fn advance(&mut self, d: Duration) -> Vec<Completion> {
        self.now = self.now.plus(d);
        let res = self.ws.on_timeout(self.now);
        self.done.extend(res.clone());
        res
    }

    /// Takes the single completion collected so far.
    pub fn take_one(&mut self) -> Completion {
        assert_eq!(
            self.done.len(),
            1,
            "expected exactly one completion: {:?}",
            self.done
        );
        self.done.remove(0)
    }
}
