//! All-accounts waitsets after a server restart: a fresh engine resumes the waitset under the same id
//! from the client's commit seq and the store's change log.

use inboxd_model::{AccountId, ChangeId, CommitSeq, InterestTypes};
use inboxd_waitset::{LogEntry, WaitOutcome, WaitSetError, WaitSetId};

use crate::harness::*;

fn log_entry(seq: u64, acct: &str, cid: u64, types: &str) -> LogEntry {
    (
        CommitSeq(seq),
        AccountId::new(acct),
        ChangeId(cid),
        t(types),
    )
}

#[test]
fn resume_signals_accounts_changed_since_the_client_seq() {
    let mut h = H::new();
    h.accounts(&["a1", "a2", "a3"]);
    let id = h.create_all("m").id;
    h.commit("a1", "m"); // commit 1
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!(r.seq.as_deref(), Some("1"));
    h.commit("a2", "m"); // 2, not seen by the client
    h.commit("a3", "c"); // 3, not interesting

    // Restart: a new engine knows nothing about the waitset.
    let mut h2 = H::new();
    h2.accounts = std::mem::take(&mut h.accounts);
    h2.commit_seq = h.commit_seq;
    assert!(matches!(
        h2.try_wait(&admin(), req(&id, "1")),
        Err(WaitSetError::NoSuchWaitSet(_))
    ));
    let log = [
        log_entry(1, "a1", 1, "m"),
        log_entry(2, "a2", 1, "m"),
        log_entry(3, "a3", 1, "c"),
    ];
    h2.ws
        .resume_all_accounts(&admin(), id.clone(), CommitSeq(1), t("m"), &log, h2.now)
        .unwrap();
    let r = ready(h2.wait(&admin(), block(&id, "1")));
    assert_eq!(ids(&r), ["a2"]);
    assert_eq!(r.seq.as_deref(), Some("3"));
    // Events already covered by the log (a consumer running behind) do not signal again.
    let late = inboxd_model::ChangeEvent {
        account: AccountId::new("a1"),
        change_id: ChangeId(1),
        types: InterestTypes::parse("m").unwrap(),
        commit_seq: CommitSeq(1),
    };
    assert!(h2.ws.on_change(&late, h2.now).is_empty());
    let WaitOutcome::Parked { .. } = h2.wait(&admin(), block(&id, "3")) else {
        panic!("parked")
    };
    let done = h2.commit("a1", "m");
    assert_eq!(ids(&done[0].response), ["a1"]);
    assert_eq!(done[0].response.seq.as_deref(), Some("4"));
}

#[test]
fn resume_with_an_empty_log_waits_for_new_changes() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = WaitSetId::new("AllWaitSet-1234");
    h.commit_seq = 50;
    h.ws.resume_all_accounts(&admin(), id.clone(), CommitSeq(50), t("all"), &[], h.now)
        .unwrap();
    let WaitOutcome::Parked { .. } = h.wait(&admin(), block(&id, "50")) else {
        panic!("parked")
    };
    h.commit("a1", "f");
    assert_eq!(ids(&h.take_one().response), ["a1"]);
}

#[test]
fn resume_is_admin_only_for_all_accounts_ids_that_do_not_exist() {
    let mut h = H::new();
    let id = WaitSetId::new("AllWaitSet-x");
    let err =
        h.ws.resume_all_accounts(&user("u"), id.clone(), CommitSeq(1), t("m"), &[], h.now);
    assert!(matches!(err, Err(WaitSetError::PermDenied(_))));
    let some = WaitSetId::new("WaitSet-x");
    let err =
        h.ws.resume_all_accounts(&admin(), some, CommitSeq(1), t("m"), &[], h.now);
    assert!(matches!(err, Err(WaitSetError::NoSuchWaitSet(_))));
    h.ws.resume_all_accounts(&admin(), id.clone(), CommitSeq(1), t("m"), &[], h.now)
        .unwrap();
    let err =
        h.ws.resume_all_accounts(&admin(), id.clone(), CommitSeq(1), t("m"), &[], h.now);
    assert_eq!(err, Err(WaitSetError::AlreadyExists(id)));
}
