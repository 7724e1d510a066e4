//! In-process engine bench (`cargo bench -p inboxd-waitset`): 10k parked waitsets with 10 accounts each,
//! a change per account, and an all-accounts waitset woken by 100k accounts. Prints one line per phase.
//! Speed lives here, never in tests.

#![allow(clippy::disallowed_methods)] // a bench measures wall time on purpose

use std::collections::HashMap;
use std::time::{Duration, Instant};

use inboxd_model::{AccountId, ChangeEvent, ChangeId, CommitSeq, InterestTypes, Timestamp};
use inboxd_waitset::{
    AccountLookup, AccountState, AddSpec, Config, CreateRequest, Owner, WaitOutcome, WaitRequest,
    WaitSetId, WaitSets,
};

struct Accounts(HashMap<AccountId, (AccountState, ChangeId)>);

impl AccountLookup for Accounts {
    fn state(&self, id: &AccountId) -> Option<(AccountState, ChangeId)> {
        self.0.get(id).copied()
    }
}

fn report(phase: &str, n: usize, took: Duration) {
    let per = took.as_nanos() as f64 / n.max(1) as f64;
    println!(
        "{phase:<44} n={n:>7}  total={:>9.2?}  per-op={per:>10.0} ns",
        took
    );
}

fn park_all(
    ws: &mut WaitSets,
    owner: &Owner,
    ids: &[(WaitSetId, String)],
    accts: &Accounts,
) -> usize {
    let mut parked = 0;
    for (id, seq) in ids {
        let req = WaitRequest {
            id: id.clone(),
            seq: seq.clone(),
            block: true,
            ..Default::default()
        };
        if let Ok((WaitOutcome::Parked { .. }, _)) = ws.wait(owner, req, accts, Timestamp(0)) {
            parked += 1;
        }
    }
    parked
}

fn some_accounts(n_sets: usize, n_accounts: usize, per_set: usize) {
    let admin = Owner {
        account: AccountId::new("admin"),
        admin: true,
    };
    let ids: Vec<AccountId> = (0..n_accounts)
        .map(|i| AccountId::new(format!("acct-{i:06}")))
        .collect();
    let accts = Accounts(
        ids.iter()
            .map(|a| (a.clone(), (AccountState::Active, ChangeId(0))))
            .collect(),
    );
    let mut ws = WaitSets::new(Config::zimbra());
    let start = Instant::now();
    let mut sets = Vec::with_capacity(n_sets);
    for s in 0..n_sets {
        let add = (0..per_set)
            .map(|k| AddSpec::account(ids[(s * 7 + k * 1009) % n_accounts].clone()))
            .collect();
        let req = CreateRequest {
            def_types: InterestTypes::ALL,
            all_accounts: false,
            add,
        };
        let (created, _) = ws
            .create(&admin, req, &accts, Timestamp(0))
            .expect("create");
        sets.push((created.id, "0".to_string()));
    }
    report(
        &format!("create {n_sets} waitsets x {per_set} accounts"),
        n_sets,
        start.elapsed(),
    );
    let start = Instant::now();
    let parked = park_all(&mut ws, &admin, &sets, &accts);
    report(
        "park one blocking wait per waitset",
        parked,
        start.elapsed(),
    );
    let start = Instant::now();
    let mut woken = 0;
    for (i, acct) in ids.iter().enumerate() {
        let ev = ChangeEvent {
            account: acct.clone(),
            change_id: ChangeId(1),
            types: InterestTypes::ALL,
            commit_seq: CommitSeq(i as u64 + 1),
        };
        woken += ws.on_change(&ev, Timestamp(1)).len();
    }
    report(
        &format!("change each of {n_accounts} accounts (woke {woken})"),
        n_accounts,
        start.elapsed(),
    );
    let stats = ws.stats();
    println!("  stats: {stats:?}");
}

fn all_accounts(n_accounts: usize) {
    let admin = Owner {
        account: AccountId::new("admin"),
        admin: true,
    };
    let accts = Accounts(HashMap::new());
    let mut ws = WaitSets::new(Config::zimbra());
    let req = CreateRequest {
        def_types: InterestTypes::ALL,
        all_accounts: true,
        add: vec![],
    };
    let (created, _) = ws
        .create(&admin, req, &accts, Timestamp(0))
        .expect("create");
    let start = Instant::now();
    for i in 0..n_accounts {
        let ev = ChangeEvent {
            account: AccountId::new(format!("acct-{i:06}")),
            change_id: ChangeId(1),
            types: InterestTypes::ALL,
            commit_seq: CommitSeq(i as u64 + 1),
        };
        ws.on_change(&ev, Timestamp(1));
    }
    report(
        &format!("allAccounts: {n_accounts} accounts change (none parked)"),
        n_accounts,
        start.elapsed(),
    );
    let start = Instant::now();
    let req = WaitRequest {
        id: created.id.clone(),
        seq: "0".into(),
        block: true,
        ..Default::default()
    };
    let (outcome, _) = ws.wait(&admin, req, &accts, Timestamp(2)).expect("wait");
    let n = match outcome {
        WaitOutcome::Ready(r) => r.signalled.len(),
        WaitOutcome::Parked { .. } => 0,
    };
    report(
        "allAccounts: one wait returning every account",
        n,
        start.elapsed(),
    );
    // Steady state: parked, one change wakes it; ack and re-park, repeated.
    let mut seq = n_accounts.to_string();
    let rounds = 10_000;
    let start = Instant::now();
    for i in 0..rounds {
        let req = WaitRequest {
            id: created.id.clone(),
            seq: seq.clone(),
            block: true,
            ..Default::default()
        };
        ws.wait(&admin, req, &accts, Timestamp(3)).expect("wait");
        let ev = ChangeEvent {
            account: AccountId::new(format!("acct-{:06}", i % n_accounts)),
            change_id: ChangeId(2),
            types: InterestTypes::ALL,
            commit_seq: CommitSeq((n_accounts + i + 1) as u64),
        };
        let done = ws.on_change(&ev, Timestamp(3));
        if let Some(c) = done.first() {
            seq = c.response.seq.clone().unwrap_or_default();
        }
    }
    report(
        "allAccounts: park + wake + respond cycle",
        rounds,
        start.elapsed(),
    );
}

fn main() {
    some_accounts(10_000, 10_000, 10);
    some_accounts(1_000, 100_000, 1_000);
    all_accounts(100_000);
}
