//! Zimbra's own tests, ported (zimbra-waitset.md §5): TestWaitSet (in-process), TestWaitSetRequest
//! (SOAP-level, here at engine level) and TestImapServerListener's waitset scenarios. LMTP deliveries
//! become message commits; folder-interest filtering is not ported because change events carry no
//! folders (the interests are stored and reported only).

use inboxd_model::{AccountId, ChangeId};
use inboxd_waitset::{AccountState, AddSpec, ErrorCode, WaitOutcome, WaitRequest, WaitSetError};

use crate::harness::*;

fn parked(o: WaitOutcome) -> inboxd_waitset::Ticket {
    match o {
        WaitOutcome::Parked { ticket, .. } => ticket,
        WaitOutcome::Ready(r) => panic!("expected not completed, got {r:?}"),
    }
}

/// TestWaitSet.runMeFirst (SomeAccounts, types m).
#[test]
fn test_wait_set_run_me_first() {
    let mut h = H::new();
    h.accounts(&["user1", "user2"]);
    let created = h.create(&admin(), "m", vec![add("user1")]);
    assert!(created.errors.is_empty());
    let id = created.id;
    parked(h.wait(&admin(), block(&id, "0")));
    h.commit("user1", "m");
    let seq = h.take_one().response.seq.unwrap();
    let r = WaitRequest {
        add: vec![add("user2")],
        ..block(&id, &seq)
    };
    parked(h.wait(&admin(), r));
    assert!(h.done.is_empty(), "no errors, not completed");
    h.commit("user2", "m");
    assert_eq!(ids(&h.take_one().response), ["user2"]);
}

/// TestWaitSet.runMeSecond (AllAccounts, types all).
#[test]
fn test_wait_set_run_me_second() {
    let mut h = H::new();
    h.accounts(&["user1", "user2"]);
    let id = h.create_all("all").id;
    parked(h.wait(&admin(), block(&id, "0")));
    h.commit("user1", "m");
    let first = h.take_one().response;
    assert_eq!(ids(&first), ["user1"]);
    // "waitset should remain signalled until sequence number is increased"
    let again = ready(h.wait(&admin(), block(&id, "0")));
    assert_eq!(ids(&again), ["user1"]);
    let cur = again.seq.unwrap();
    parked(h.wait(&admin(), block(&id, &cur)));
    h.commit("user2", "d"); // a Briefcase document
    let r = h.take_one().response;
    assert_eq!(ids(&r), ["user2"]);
    let cur = r.seq.unwrap();
    parked(h.wait(&admin(), block(&id, &cur)));
    h.accounts(&["brand-new"]); // creating an account alone does not complete the wait
    assert!(h.done.is_empty());
    h.commit("brand-new", "m");
    assert_eq!(ids(&h.take_one().response), ["brand-new"]);
}

/// TestWaitSetRequest.testSyncWaitSetRequest.
#[test]
fn test_sync_wait_set_request() {
    let mut h = H::new();
    h.accounts(&["me"]);
    let id = h.create(&user("me"), "all", vec![add("me")]).id;
    let r = ready(h.wait(&user("me"), req(&id, "0")));
    assert_eq!(r.seq.as_deref(), Some("0"));
    h.commit("me", "m");
    let r = ready(h.wait(&user("me"), req(&id, "0")));
    assert_ne!(r.seq.as_deref(), Some("0"));
    assert_eq!(ids(&r), ["me"]);
}

/// TestWaitSetRequest.testFolderInterestSyncWaitSetRequest, the parts that do not need folders in
/// events: folder interests are stored, shown by query and replaced by `<update>` without signalling.
#[test]
fn test_folder_interests_are_kept_and_updated() {
    let mut h = H::new();
    h.accounts(&["me"]);
    let spec = AddSpec {
        folder_interests: vec![257],
        ..add("me")
    };
    let id = h.create(&user("me"), "all", vec![spec]).id;
    let infos = h.ws.query(None).unwrap();
    assert_eq!(infos.len(), 1);
    assert_eq!(infos[0].owner.as_str(), "me");
    assert_eq!(infos[0].accounts[0].folder_interests, [257]);
    let upd = AddSpec {
        folder_interests: vec![257, 2],
        ..add("me")
    };
    let r = ready(h.wait(
        &user("me"),
        WaitRequest {
            update: vec![upd],
            ..req(&id, "0")
        },
    ));
    assert_eq!((r.seq.as_deref(), r.signalled.len()), (Some("0"), 0));
    assert_eq!(
        h.ws.query(Some(&id)).unwrap()[0].accounts[0].folder_interests,
        [257, 2]
    );
}

/// TestWaitSetRequest.adminWSfolderInterestChanges: 20 successive updates all succeed, one session.
#[test]
fn admin_ws_folder_interest_changes() {
    let mut h = H::new();
    h.accounts(&["user1"]);
    let id = h.create(&admin(), "all", vec![add("user1")]).id;
    for folder in 0..20 {
        let upd = AddSpec {
            folder_interests: vec![folder],
            ..add("user1")
        };
        let r = ready(h.wait(
            &admin(),
            WaitRequest {
                update: vec![upd],
                ..req(&id, "0")
            },
        ));
        assert!(r.errors.is_empty());
    }
    assert_eq!(h.ws.stats().memberships, 1);
}

/// TestWaitSetRequest.testDestroyWaitset.
#[test]
fn test_destroy_waitset() {
    let mut h = H::new();
    h.accounts(&["user1"]);
    let id = h.create(&admin(), "all", vec![add("user1")]).id;
    assert_eq!(h.ws.query(Some(&id)).unwrap()[0].accounts.len(), 1);
    h.ws.destroy(&admin(), &id).unwrap();
    assert_eq!(h.ws.query(Some(&id)), Err(WaitSetError::NoSuchWaitSet(id)));
}

/// TestWaitSetRequest.testBlockingAdminWaitAllAccounts.
#[test]
fn test_blocking_admin_wait_all_accounts() {
    let mut h = H::new();
    h.accounts(&["user1", "user2", "user3", "other"]);
    let id = h.create_all("all").id;
    parked(h.wait(&admin(), block(&id, "0")));
    h.commit("user1", "m");
    h.commit("other", "m");
    h.commit("user2", "m");
    h.commit("user3", "m");
    let mut seen = std::collections::BTreeSet::new();
    let mut seq = String::from("0");
    for _ in 0..4 {
        let resp = match h.done.pop() {
            Some(c) => c.response,
            None => ready(h.wait(&admin(), block(&id, &seq))),
        };
        seq = resp.seq.clone().unwrap();
        assert!(seq.parse::<u64>().unwrap() > 0, "seq is a commit seq");
        seen.extend(resp.signalled.into_iter().map(|s| s.account.to_string()));
        if ["user1", "user2", "user3"]
            .iter()
            .all(|u| seen.contains(*u))
        {
            return;
        }
    }
    panic!("not all three users signalled: {seen:?}");
}

/// TestWaitSetRequest.testBlockingAdminWait2Accounts.
#[test]
fn test_blocking_admin_wait_2_accounts() {
    let mut h = H::new();
    h.accounts(&["user1", "user2"]);
    let id = h
        .create(&admin(), "all", vec![add("user1"), add("user2")])
        .id;
    parked(h.wait(&admin(), block(&id, "0")));
    h.commit("user1", "m");
    let r = h.take_one().response;
    assert!(r.seq.as_deref().unwrap().parse::<u64>().unwrap() > 0);
    assert_eq!(ids(&r), ["user1"]);
    h.commit("user2", "m");
    let r = ready(h.wait(&admin(), block(&id, r.seq.as_deref().unwrap())));
    assert_eq!(ids(&r), ["user2"]);
}

/// TestWaitSetRequest.testBlockingAdminWait1Account.
#[test]
fn test_blocking_admin_wait_1_account() {
    let mut h = H::new();
    h.accounts(&["user1", "user2"]);
    let id = h.create(&admin(), "all", vec![add("user1")]).id;
    parked(h.wait(&admin(), block(&id, "0")));
    h.commit("user2", "m");
    assert!(h.done.is_empty());
    h.commit("user1", "m");
    assert_eq!(ids(&h.take_one().response), ["user1"]);
}

/// TestWaitSetRequest.testBlockingAdminAddAccount.
#[test]
fn test_blocking_admin_add_account() {
    let mut h = H::new();
    h.accounts(&["user1", "user2"]);
    let id = h.create(&admin(), "all", vec![add("user1")]).id;
    parked(h.wait(&admin(), block(&id, "0")));
    h.commit("user1", "m");
    let seq = h.take_one().response.seq.unwrap();
    // Wait 2 adds user2 in the blocking request; messages to both.
    parked(h.wait(
        &admin(),
        WaitRequest {
            add: vec![add("user2")],
            ..block(&id, &seq)
        },
    ));
    h.commit("user1", "m");
    h.commit("user2", "m");
    let first = h.take_one().response;
    let second = ready(h.wait(&admin(), block(&id, first.seq.as_deref().unwrap())));
    let mut all: Vec<_> = ids(&first).into_iter().chain(ids(&second)).collect();
    all.sort();
    assert_eq!(all, ["user1", "user2"]);
    // Wait 3: both again.
    let seq = second.seq.unwrap();
    h.commit("user1", "m");
    h.commit("user2", "m");
    let r = ready(h.wait(&admin(), block(&id, &seq)));
    assert_eq!(ids(&r), ["user1", "user2"]);
    // Wait 4: only user2.
    parked(h.wait(&admin(), block(&id, r.seq.as_deref().unwrap())));
    h.commit("user2", "m");
    assert_eq!(ids(&h.take_one().response), ["user2"]);
}

/// TestWaitSetRequest.testBlockingWaitSetRequest (non-admin).
#[test]
fn test_blocking_wait_set_request() {
    let mut h = H::new();
    h.accounts(&["me"]);
    let id = h.create(&user("me"), "all", vec![add("me")]).id;
    parked(h.wait(&user("me"), block(&id, "0")));
    h.commit("me", "m");
    let r = h.take_one().response;
    assert!(r.seq.as_deref().unwrap().parse::<u64>().unwrap() > 0);
    assert_eq!(ids(&r), ["me"]);
}

/// TestImapServerListener.testDestroyWaitset: an external destroy cancels the blocked request; a
/// new waitset (new id) then works.
#[test]
fn imap_listener_destroy_then_recreate() {
    let mut h = H::new();
    h.accounts(&["user1"]);
    let id = h.create(&admin(), "all", vec![add("user1")]).id;
    parked(h.wait(&admin(), block(&id, "0")));
    let done = h.ws.destroy(&admin(), &id).unwrap();
    assert!(done[0].response.canceled);
    let id2 = h.create(&admin(), "all", vec![add("user1")]).id;
    assert_ne!(id, id2);
    parked(h.wait(&admin(), block(&id2, "0")));
    h.commit("user1", "m");
    assert_eq!(ids(&h.take_one().response), ["user1"]);
}

/// TestImapServerListener.testDeleteAccount / testDeleteOneOutOfTwoAccounts.
#[test]
fn imap_listener_delete_one_of_two_accounts() {
    let mut h = H::new();
    h.accounts(&["user1", "user2"]);
    let id = h
        .create(&admin(), "all", vec![add("user1"), add("user2")])
        .id;
    parked(h.wait(&admin(), block(&id, "0")));
    h.accounts.0.insert(
        AccountId::new("user1"),
        (AccountState::Deleted, ChangeId(0)),
    );
    let done =
        h.ws.on_account_status(&AccountId::new("user1"), AccountState::Deleted, h.now);
    let r = &done[0].response;
    assert_eq!(r.errors[0].code, ErrorCode::MailboxDeleted);
    assert_eq!(r.errors[0].account.as_str(), "user1");
    let seq = r.seq.clone().unwrap();
    parked(h.wait(&admin(), block(&id, &seq)));
    h.commit("user2", "m");
    let r = h.done.pop().unwrap().response;
    assert_eq!(ids(&r), ["user2"]);
    assert!(r.errors.is_empty(), "MAILBOX_DELETED was acknowledged");
}
