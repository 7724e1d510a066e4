//! One test (or a few) per engine rule, in virtual time.

use std::time::Duration;

use inboxd_model::{AccountId, ChangeId, Timestamp};
use inboxd_waitset::{
    AccountState, AddSpec, CreateRequest, ErrorCode, WaitOutcome, WaitRequest, WaitSetError,
    WaitSetId, parse_types,
};

use crate::harness::*;

fn codes(errors: &[inboxd_waitset::AccountError]) -> Vec<(&str, ErrorCode)> {
    errors
        .iter()
        .map(|e| (e.account.as_str(), e.code))
        .collect()
}

#[test]
fn interest_types_parse_normalize_and_reject_unknown_letters() {
    assert_eq!(parse_types("m,f").unwrap().to_string(), "f,m");
    assert_eq!(parse_types("f,m,c,a,t,d").unwrap().to_string(), "all");
    assert!(matches!(
        parse_types("m,x"),
        Err(WaitSetError::InvalidTypes(_))
    ));
    let mut h = H::new();
    let created = h.create(&admin(), "c,m", vec![]);
    assert_eq!(created.def_types.to_string(), "m,c");
    assert_eq!(created.seq, 0);
    assert!(created.id.as_str().starts_with("WaitSet-"));
}

#[test]
fn each_type_letter_filters_changes() {
    for (letter, other) in [
        ("f", "m"),
        ("m", "c"),
        ("c", "a"),
        ("a", "t"),
        ("t", "d"),
        ("d", "f"),
    ] {
        let mut h = H::new();
        h.accounts(&["a1"]);
        let id = h.create(&admin(), letter, vec![add("a1")]).id;
        h.commit("a1", other);
        assert!(
            ready(h.wait(&admin(), req(&id, "0"))).signalled.is_empty(),
            "{letter} vs {other}"
        );
        h.commit("a1", letter);
        assert_eq!(
            ids(&ready(h.wait(&admin(), req(&id, "0")))),
            ["a1"],
            "{letter}"
        );
    }
}

#[test]
fn per_account_types_override_def_types() {
    let mut h = H::new();
    h.accounts(&["a1", "a2"]);
    let id = h
        .create(&admin(), "m", vec![add_types("a1", "c"), add("a2")])
        .id;
    h.commit("a1", "m");
    h.commit("a2", "c");
    assert!(ready(h.wait(&admin(), req(&id, "0"))).signalled.is_empty());
    h.commit("a1", "c");
    h.commit("a2", "m");
    assert_eq!(ids(&ready(h.wait(&admin(), req(&id, "0")))), ["a1", "a2"]);
}

#[test]
fn request_def_types_apply_to_its_add_entries() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![]).id;
    let r = WaitRequest {
        def_types: Some(t("c")),
        add: vec![add("a1")],
        ..req(&id, "0")
    };
    h.wait(&admin(), r);
    h.commit("a1", "m");
    assert!(ready(h.wait(&admin(), req(&id, "0"))).signalled.is_empty());
    h.commit("a1", "c");
    assert_eq!(ids(&ready(h.wait(&admin(), req(&id, "0")))), ["a1"]);
}

#[test]
fn without_token_only_changes_after_the_add_signal() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    h.commit("a1", "m");
    let id = h.create(&admin(), "all", vec![add("a1")]).id;
    assert!(ready(h.wait(&admin(), req(&id, "0"))).signalled.is_empty());
    h.commit("a1", "m");
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!(r.signalled[0].change_id, ChangeId(2));
}

#[test]
fn stale_token_signals_at_add_and_current_token_does_not() {
    let mut h = H::new();
    h.accounts(&["a1", "a2"]);
    h.set_change_id("a1", 10);
    h.set_change_id("a2", 10);
    let id = h
        .create(&admin(), "m", vec![add_token("a1", 9), add_token("a2", 10)])
        .id;
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!(ids(&r), ["a1"]);
    assert_eq!(r.signalled[0].change_id, ChangeId(10));
}

#[test]
fn token_suppresses_changes_it_already_covers() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add_token("a1", 0)]).id;
    // The client already holds change 5 (e.g. it synced ahead): events up to 5 do not signal.
    let upd = AddSpec {
        token: Some(ChangeId(5)),
        ..add("a1")
    };
    h.wait(
        &admin(),
        WaitRequest {
            update: vec![upd],
            ..req(&id, "0")
        },
    );
    for _ in 0..5 {
        h.commit("a1", "m");
    }
    assert!(ready(h.wait(&admin(), req(&id, "0"))).signalled.is_empty());
    h.commit("a1", "m");
    assert_eq!(ids(&ready(h.wait(&admin(), req(&id, "0")))), ["a1"]);
}

#[test]
fn stale_token_on_update_signals_whatever_the_types() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add("a1")]).id;
    h.commit("a1", "c");
    assert!(ready(h.wait(&admin(), req(&id, "0"))).signalled.is_empty());
    let upd = AddSpec {
        token: Some(ChangeId(0)),
        ..add("a1")
    };
    let r = ready(h.wait(
        &admin(),
        WaitRequest {
            update: vec![upd],
            ..req(&id, "0")
        },
    ));
    assert_eq!(ids(&r), ["a1"]);
}

#[test]
fn fresh_token_on_update_cancels_a_pending_signal() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add("a1")]).id;
    h.commit("a1", "m");
    h.commit("a1", "m");
    // The client synced a1 through another channel up to change 2.
    let upd = AddSpec {
        token: Some(ChangeId(2)),
        ..add("a1")
    };
    let r = ready(h.wait(
        &admin(),
        WaitRequest {
            update: vec![upd],
            ..req(&id, "0")
        },
    ));
    assert!(r.signalled.is_empty());
    assert_eq!(r.seq.as_deref(), Some("0"));
    // A token that is not beyond the change id keeps the signal.
    h.commit("a1", "m");
    let upd = AddSpec {
        token: Some(ChangeId(2)),
        ..add("a1")
    };
    let r = ready(h.wait(
        &admin(),
        WaitRequest {
            update: vec![upd],
            ..req(&id, "0")
        },
    ));
    assert_eq!(ids(&r), ["a1"]);
}

#[test]
fn update_without_token_clears_the_token_and_replaces_types() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add_token("a1", 100)]).id;
    h.commit("a1", "m");
    assert!(ready(h.wait(&admin(), req(&id, "0"))).signalled.is_empty());
    let upd = add_types("a1", "c");
    h.wait(
        &admin(),
        WaitRequest {
            update: vec![upd],
            ..req(&id, "0")
        },
    );
    let info = &h.ws.query(Some(&id)).unwrap()[0];
    assert_eq!(info.accounts[0].token, None);
    assert_eq!(info.accounts[0].types.to_string(), "c");
    h.commit("a1", "m");
    assert!(ready(h.wait(&admin(), req(&id, "0"))).signalled.is_empty());
    h.commit("a1", "c");
    assert_eq!(ids(&ready(h.wait(&admin(), req(&id, "0")))), ["a1"]);
}

#[test]
fn seq_starts_at_zero_then_two_and_counts_up_on_ack() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add("a1")]).id;
    h.commit("a1", "m");
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!(r.seq.as_deref(), Some("2"));
    assert!(!r.canceled);
    // Ack with 2: nothing new, seq 2 echoed.
    let r = ready(h.wait(&admin(), req(&id, "2")));
    assert_eq!((r.seq.as_deref(), r.signalled.len()), (Some("2"), 0));
    h.commit("a1", "m");
    let r = ready(h.wait(&admin(), req(&id, "2")));
    assert_eq!((r.seq.as_deref(), ids(&r)), (Some("3"), vec!["a1"]));
}

#[test]
fn unacknowledged_batch_is_resent_merged_with_new_data_under_a_new_seq() {
    let mut h = H::new();
    h.accounts(&["a1", "a2"]);
    let id = h.create(&admin(), "m", vec![add("a1"), add("a2")]).id;
    h.commit("a1", "m");
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!((r.seq.as_deref(), ids(&r)), (Some("2"), vec!["a1"]));
    // Lost response: the client repeats seq 0. The batch comes again under seq 3.
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!((r.seq.as_deref(), ids(&r)), (Some("3"), vec!["a1"]));
    // New data for a2 and still no ack: merged.
    h.commit("a2", "m");
    let r = ready(h.wait(&admin(), req(&id, "2")));
    assert_eq!((r.seq.as_deref(), ids(&r)), (Some("4"), vec!["a1", "a2"]));
    // A bogus seq is "not acknowledged" too.
    let r = ready(h.wait(&admin(), req(&id, "junk")));
    assert_eq!((r.seq.as_deref(), ids(&r)), (Some("5"), vec!["a1", "a2"]));
    // Ack 5: cleared.
    let r = ready(h.wait(&admin(), req(&id, "5")));
    assert_eq!((r.seq.as_deref(), r.signalled.len()), (Some("5"), 0));
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!((r.seq.as_deref(), r.signalled.len()), (Some("0"), 0));
}

#[test]
fn change_id_in_response_is_the_latest_known() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add("a1")]).id;
    h.commit("a1", "m");
    h.commit("a1", "c");
    h.commit("a1", "m");
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!(r.signalled[0].change_id, ChangeId(3));
    // Retransmitted entries follow newer changes too.
    h.commit("a1", "c");
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!(r.signalled[0].change_id, ChangeId(4));
}

#[test]
fn block_parks_until_data_and_completes_with_the_new_seq() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add("a1")]).id;
    let WaitOutcome::Parked { ticket, deadline } = h.wait(&admin(), block(&id, "0")) else {
        panic!("expected parked");
    };
    assert_eq!(deadline, h.now.plus(Duration::from_secs(300)));
    assert_eq!(h.ws.poll_timeout(), Some(deadline));
    assert!(h.commit("a1", "c").is_empty());
    let done = h.commit("a1", "m");
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].ticket, ticket);
    assert_eq!(
        (done[0].response.seq.as_deref(), ids(&done[0].response)),
        (Some("2"), vec!["a1"])
    );
    assert_eq!(h.ws.stats().parked, 0);
    // Back to an idle deadline 20 minutes out.
    assert_eq!(
        h.ws.poll_timeout(),
        Some(h.now.plus(Duration::from_secs(1200)))
    );
}

#[test]
fn block_with_data_already_pending_answers_at_once() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add("a1")]).id;
    h.commit("a1", "m");
    let r = ready(h.wait(&admin(), block(&id, "0")));
    assert_eq!(ids(&r), ["a1"]);
}

#[test]
fn timeouts_are_clamped_per_token_kind() {
    let cases = [
        (false, None, 300),
        (false, Some(1), 30),
        (false, Some(100_000), 1200),
        (true, None, 300),
        (true, Some(0), 1),
        (true, Some(100_000), 3600),
    ];
    for (is_admin, timeout, want) in cases {
        let mut h = H::new();
        h.accounts(&["u1"]);
        let owner = if is_admin { admin() } else { user("u1") };
        let id = h.create(&owner, "m", vec![add("u1")]).id;
        let r = WaitRequest {
            timeout,
            ..block(&id, "0")
        };
        let WaitOutcome::Parked { deadline, .. } = h.wait(&owner, r) else {
            panic!("parked")
        };
        assert_eq!(
            deadline,
            h.now.plus(Duration::from_secs(want)),
            "{is_admin} {timeout:?}"
        );
    }
}

#[test]
fn timed_out_and_non_blocking_empty_responses_echo_the_client_seq() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add("a1")]).id;
    let r = ready(h.wait(&admin(), req(&id, "17")));
    assert_eq!(
        (r.seq.as_deref(), r.canceled, r.signalled.len()),
        (Some("17"), false, 0)
    );
    let r = WaitRequest {
        timeout: Some(60),
        ..block(&id, "0")
    };
    let WaitOutcome::Parked { ticket, .. } = h.wait(&admin(), r) else {
        panic!("parked")
    };
    assert!(h.advance(Duration::from_secs(59)).is_empty());
    let done = h.advance(Duration::from_secs(1));
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].ticket, ticket);
    assert_eq!(done[0].response.seq.as_deref(), Some("0"));
    assert!(!done[0].response.canceled && done[0].response.signalled.is_empty());
}

#[test]
fn second_wait_cancels_the_parked_one_and_takes_over_its_data() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add("a1")]).id;
    let WaitOutcome::Parked { ticket: first, .. } = h.wait(&admin(), block(&id, "0")) else {
        panic!("parked")
    };
    let second = h.wait(&admin(), block(&id, "0"));
    let done = h.take_one();
    assert_eq!(done.ticket, first);
    assert!(done.response.canceled);
    assert_eq!(done.response.seq, None);
    let WaitOutcome::Parked { ticket: second, .. } = second else {
        panic!("parked")
    };
    assert_ne!(first, second);
    h.commit("a1", "m");
    let done = h.take_one();
    assert_eq!((done.ticket, ids(&done.response)), (second, vec!["a1"]));
}

#[test]
fn canceled_response_keeps_its_own_request_errors() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![]).id;
    let r = WaitRequest {
        remove: vec![AccountId::new("zz")],
        ..block(&id, "0")
    };
    h.wait(&admin(), r);
    h.wait(&admin(), req(&id, "0"));
    let done = h.take_one();
    assert!(done.response.canceled);
    assert_eq!(
        codes(&done.response.errors),
        [("zz", ErrorCode::NotInSetDuringRemove)]
    );
}

#[test]
fn add_update_remove_errors() {
    let mut h = H::new();
    h.accounts(&["a1", "a2", "m1"]);
    h.accounts.0.insert(
        AccountId::new("m1"),
        (AccountState::Maintenance, ChangeId(0)),
    );
    h.accounts
        .0
        .insert(AccountId::new("gone"), (AccountState::Deleted, ChangeId(0)));
    let created = h.create(
        &admin(),
        "m",
        vec![add("a1"), add("nobody"), add("m1"), add("gone")],
    );
    assert_eq!(
        codes(&created.errors),
        [
            ("nobody", ErrorCode::NoSuchAccount),
            ("m1", ErrorCode::MaintenanceMode),
            ("gone", ErrorCode::NoSuchAccount)
        ]
    );
    let id = created.id;
    let r = WaitRequest {
        add: vec![add("a1"), add("a2")],
        update: vec![add("x1"), add("a2")],
        remove: vec![AccountId::new("a2"), AccountId::new("x2")],
        ..req(&id, "0")
    };
    let r = ready(h.wait(&admin(), r));
    // remove runs first (a2 not yet there), then add, then update.
    assert_eq!(
        codes(&r.errors),
        [
            ("a2", ErrorCode::NotInSetDuringRemove),
            ("x2", ErrorCode::NotInSetDuringRemove),
            ("a1", ErrorCode::AlreadyInSetDuringAdd),
            ("x1", ErrorCode::NotInSetDuringUpdate)
        ]
    );
    let members: Vec<_> = h.ws.query(Some(&id)).unwrap()[0]
        .accounts
        .iter()
        .map(|m| m.account.to_string())
        .collect();
    assert_eq!(members, ["a1", "a2"]);
    // Request errors are not retransmitted.
    assert!(ready(h.wait(&admin(), req(&id, "0"))).errors.is_empty());
}

#[test]
fn removed_account_no_longer_signals_and_drops_its_pending_signal() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add("a1")]).id;
    h.commit("a1", "m");
    let r = WaitRequest {
        remove: vec![AccountId::new("a1")],
        ..req(&id, "0")
    };
    assert!(ready(h.wait(&admin(), r)).signalled.is_empty());
    h.commit("a1", "m");
    assert!(ready(h.wait(&admin(), req(&id, "0"))).signalled.is_empty());
    assert_eq!(h.ws.stats().memberships, 0);
}

#[test]
fn mailbox_deleted_is_reported_in_the_next_response_until_acknowledged() {
    let mut h = H::new();
    h.accounts(&["a1", "a2"]);
    let id = h.create(&admin(), "m", vec![add("a1"), add("a2")]).id;
    h.wait(&admin(), block(&id, "0"));
    let done =
        h.ws.on_account_status(&AccountId::new("a1"), AccountState::Deleted, h.now);
    assert_eq!(done.len(), 1);
    let resp = &done[0].response;
    assert_eq!(resp.seq.as_deref(), Some("2"));
    assert_eq!(codes(&resp.errors), [("a1", ErrorCode::MailboxDeleted)]);
    // Not acked: resent.
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!(
        (r.seq.as_deref(), codes(&r.errors)),
        (Some("3"), vec![("a1", ErrorCode::MailboxDeleted)])
    );
    // Acked: gone; a1 is no longer a member, a2 still works.
    let r = ready(h.wait(&admin(), req(&id, "3")));
    assert!(r.errors.is_empty());
    assert_eq!(h.ws.query(Some(&id)).unwrap()[0].accounts.len(), 1);
    h.commit("a2", "m");
    assert_eq!(ids(&ready(h.wait(&admin(), req(&id, "3")))), ["a2"]);
}

#[test]
fn maintenance_status_keeps_members() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add("a1")]).id;
    assert!(
        h.ws.on_account_status(&AccountId::new("a1"), AccountState::Maintenance, h.now)
            .is_empty()
    );
    h.commit("a1", "m");
    assert_eq!(ids(&ready(h.wait(&admin(), req(&id, "0")))), ["a1"]);
}

#[test]
fn non_admin_may_only_name_their_own_account() {
    let mut h = H::new();
    h.accounts(&["u1", "u2"]);
    let err = h.try_create(
        &user("u1"),
        CreateRequest {
            add: vec![add("u2")],
            ..Default::default()
        },
    );
    assert!(matches!(err, Err(WaitSetError::PermDenied(_))));
    let err = h.try_create(
        &user("u1"),
        CreateRequest {
            all_accounts: true,
            ..Default::default()
        },
    );
    assert!(matches!(err, Err(WaitSetError::PermDenied(_))));
    let id = h.create(&user("u1"), "m", vec![add("u1")]).id;
    for r in [
        WaitRequest {
            add: vec![add("u2")],
            ..req(&id, "0")
        },
        WaitRequest {
            update: vec![add("u2")],
            ..req(&id, "0")
        },
        WaitRequest {
            remove: vec![AccountId::new("u2")],
            ..req(&id, "0")
        },
    ] {
        assert!(matches!(
            h.try_wait(&user("u1"), r),
            Err(WaitSetError::PermDenied(_))
        ));
    }
    // Nothing was applied by the refused requests.
    assert_eq!(h.ws.query(Some(&id)).unwrap()[0].accounts.len(), 1);
}

#[test]
fn only_the_owner_or_an_admin_may_use_a_waitset() {
    let mut h = H::new();
    h.accounts(&["u1", "u2"]);
    let id = h.create(&user("u1"), "m", vec![add("u1")]).id;
    assert!(matches!(
        h.try_wait(&user("u2"), req(&id, "0")),
        Err(WaitSetError::PermDenied(_))
    ));
    assert!(matches!(
        h.ws.destroy(&user("u2"), &id),
        Err(WaitSetError::PermDenied(_))
    ));
    assert!(h.try_wait(&admin(), req(&id, "0")).is_ok());
    assert!(h.ws.destroy(&admin(), &id).is_ok());
}

#[test]
fn sixth_waitset_of_a_user_evicts_the_oldest_and_cancels_its_parked_request() {
    let mut h = H::new();
    h.accounts(&["u1"]);
    let ids_: Vec<WaitSetId> = (0..5)
        .map(|_| h.create(&user("u1"), "m", vec![add("u1")]).id)
        .collect();
    let WaitOutcome::Parked { ticket, .. } = h.wait(&user("u1"), block(&ids_[0], "0")) else {
        panic!("parked")
    };
    h.wait(&user("u1"), block(&ids_[1], "0"));
    h.done.clear();
    let sixth = h.create(&user("u1"), "m", vec![add("u1")]).id;
    let done = h.take_one();
    assert_eq!((done.ticket, done.response.canceled), (ticket, true));
    assert!(matches!(
        h.try_wait(&user("u1"), req(&ids_[0], "0")),
        Err(WaitSetError::NoSuchWaitSet(_))
    ));
    assert_eq!(h.ws.stats().waitsets, 5);
    // Use does not change the order: eviction is by creation (Zimbra's LRU is FIFO).
    h.wait(&user("u1"), req(&ids_[2], "0"));
    h.create(&user("u1"), "m", vec![]);
    assert!(h.ws.query(Some(&ids_[1])).is_err());
    assert!(h.ws.query(Some(&ids_[2])).is_ok());
    assert!(h.ws.query(Some(&sixth)).is_ok());
}

#[test]
fn admins_are_not_limited() {
    let mut h = H::new();
    for _ in 0..12 {
        h.create(&admin(), "m", vec![]);
    }
    assert_eq!(h.ws.stats().waitsets, 12);
}

#[test]
fn limit_is_configurable() {
    let mut h = H::with_config(inboxd_waitset::Config {
        max_per_owner: 2,
        ..inboxd_waitset::Config::zimbra()
    });
    for _ in 0..4 {
        h.create(&user("u1"), "m", vec![]);
    }
    assert_eq!(h.ws.stats().waitsets, 2);
}

#[test]
fn destroy_cancels_parked_and_unknown_ids_fail() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add("a1")]).id;
    let WaitOutcome::Parked { ticket, .. } = h.wait(&admin(), block(&id, "0")) else {
        panic!()
    };
    let done = h.ws.destroy(&admin(), &id).unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(
        (
            done[0].ticket,
            done[0].response.canceled,
            done[0].response.seq.clone()
        ),
        (ticket, true, None)
    );
    assert_eq!(
        h.ws.destroy(&admin(), &id),
        Err(WaitSetError::NoSuchWaitSet(id.clone()))
    );
    assert!(matches!(
        h.try_wait(&admin(), req(&id, "0")),
        Err(WaitSetError::NoSuchWaitSet(_))
    ));
    assert!(matches!(
        h.ws.query(Some(&id)),
        Err(WaitSetError::NoSuchWaitSet(_))
    ));
    assert_eq!(h.ws.stats().memberships, 0);
    assert_eq!(h.ws.poll_timeout(), None);
    // The account is no longer indexed: a change completes nothing.
    assert!(h.commit("a1", "m").is_empty());
}

#[test]
fn idle_waitsets_are_swept_after_twenty_minutes_but_never_while_parked() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let idle = h.create(&admin(), "m", vec![add("a1")]).id;
    let busy = h.create(&admin(), "m", vec![add("a1")]).id;
    h.advance(Duration::from_secs(600));
    // Admin timeout 3600 s keeps `busy` parked past the idle limit.
    h.wait(
        &admin(),
        WaitRequest {
            timeout: Some(3600),
            ..block(&busy, "0")
        },
    );
    h.advance(Duration::from_secs(599));
    assert!(h.ws.query(Some(&idle)).is_ok());
    h.advance(Duration::from_secs(1));
    assert!(h.ws.query(Some(&idle)).is_err());
    h.advance(Duration::from_secs(2999));
    assert!(h.done.is_empty());
    h.advance(Duration::from_secs(1));
    assert!(h.ws.query(Some(&busy)).is_ok());
    // Its request timed out just now (600 + 3600 s); it is swept 20 minutes after that.
    assert_eq!(h.done.len(), 1);
    h.advance(Duration::from_secs(1199));
    assert!(h.ws.query(Some(&busy)).is_ok());
    h.advance(Duration::from_secs(1));
    assert!(h.ws.query(Some(&busy)).is_err());
    assert_eq!(h.ws.stats().waitsets, 0);
}

#[test]
fn every_request_refreshes_the_idle_clock() {
    let mut h = H::new();
    let id = h.create(&admin(), "m", vec![]).id;
    for _ in 0..5 {
        h.advance(Duration::from_secs(1000));
        h.wait(&admin(), req(&id, "0"));
    }
    assert!(h.ws.query(Some(&id)).is_ok());
    assert_eq!(
        h.ws.poll_timeout(),
        Some(h.now.plus(Duration::from_secs(1200)))
    );
}

#[test]
fn poll_timeout_is_the_earliest_deadline() {
    let mut h = H::new();
    assert_eq!(h.ws.poll_timeout(), None);
    let a = h.create(&admin(), "m", vec![]).id;
    let start = h.now;
    h.advance(Duration::from_secs(10));
    let b = h.create(&admin(), "m", vec![]).id;
    assert_eq!(
        h.ws.poll_timeout(),
        Some(start.plus(Duration::from_secs(1200)))
    );
    h.wait(
        &admin(),
        WaitRequest {
            timeout: Some(5),
            ..block(&b, "0")
        },
    );
    assert_eq!(
        h.ws.poll_timeout(),
        Some(h.now.plus(Duration::from_secs(5)))
    );
    h.wait(
        &admin(),
        WaitRequest {
            timeout: Some(2),
            ..block(&a, "0")
        },
    );
    assert_eq!(
        h.ws.poll_timeout(),
        Some(h.now.plus(Duration::from_secs(2)))
    );
}

#[test]
fn abandon_forgets_a_parked_request_and_keeps_its_data() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let id = h.create(&admin(), "m", vec![add("a1")]).id;
    let WaitOutcome::Parked { ticket, .. } = h.wait(&admin(), block(&id, "0")) else {
        panic!()
    };
    assert!(h.ws.abandon(ticket, h.now));
    assert!(!h.ws.abandon(ticket, h.now));
    assert!(h.commit("a1", "m").is_empty());
    assert_eq!(ids(&ready(h.wait(&admin(), req(&id, "0")))), ["a1"]);
}

#[test]
fn query_dumps_members_ready_accounts_and_seqs() {
    let mut h = H::new();
    h.accounts(&["a1", "a2"]);
    let spec = AddSpec {
        folder_interests: vec![2, 257],
        ..add_token("a1", 0)
    };
    let id = h
        .create(&admin(), "m,c", vec![spec, add_types("a2", "f")])
        .id;
    h.commit("a1", "m");
    h.wait(&admin(), req(&id, "0"));
    h.commit("a2", "f");
    let info = h.ws.query(Some(&id)).unwrap().remove(0);
    assert_eq!(info.owner.as_str(), "admin");
    assert_eq!(info.def_types.to_string(), "m,c");
    assert_eq!(info.cb_seq.as_deref(), Some("0"));
    assert_eq!(info.current_seq, "2");
    assert_eq!(info.next_seq, None);
    assert_eq!(info.accounts[0].folder_interests, [2, 257]);
    assert_eq!(info.accounts[0].highest_change_id, ChangeId(1));
    assert_eq!(info.accounts[1].types.to_string(), "f");
    let ready_ids: Vec<_> = info.ready.iter().map(|a| a.as_str()).collect();
    assert_eq!(ready_ids, ["a1", "a2"]);
    assert_eq!(h.ws.query(None).unwrap().len(), 1);
}

#[test]
fn all_accounts_waitset_covers_every_account_including_new_ones() {
    let mut h = H::new();
    h.accounts(&["a1", "a2"]);
    let created = h.create_all("m");
    assert!(created.id.as_str().starts_with("AllWaitSet-"));
    assert_eq!(created.seq, 0);
    let id = created.id;
    h.commit("a1", "c");
    assert!(ready(h.wait(&admin(), req(&id, "0"))).signalled.is_empty());
    h.commit("a1", "m");
    h.accounts(&["new"]);
    h.commit("new", "m");
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!(ids(&r), ["a1", "new"]);
    // The seq is the newest signalled commit seq.
    assert_eq!(r.seq.as_deref(), Some(h.commit_seq.to_string().as_str()));
}

#[test]
fn all_accounts_ignores_add_update_remove() {
    let mut h = H::new();
    let id = h.create_all("m").id;
    let r = WaitRequest {
        add: vec![add("nobody")],
        update: vec![add("x")],
        remove: vec![AccountId::new("y")],
        ..req(&id, "0")
    };
    let r = ready(h.wait(&admin(), r));
    assert!(r.errors.is_empty());
    assert!(h.ws.query(Some(&id)).unwrap()[0].accounts.is_empty());
}

#[test]
fn all_accounts_retransmit_reuses_the_seq_and_requires_admin() {
    let mut h = H::new();
    h.accounts(&["a1", "a2"]);
    let id = h.create_all("all").id;
    h.commit("a1", "m");
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!(r.seq.as_deref(), Some("1"));
    // Not acked and nothing new: same batch, same seq.
    let r = ready(h.wait(&admin(), req(&id, "0")));
    assert_eq!((r.seq.as_deref(), ids(&r)), (Some("1"), vec!["a1"]));
    h.commit("a2", "d");
    let r = ready(h.wait(&admin(), req(&id, "1")));
    assert_eq!((r.seq.as_deref(), ids(&r)), (Some("2"), vec!["a2"]));
    assert!(matches!(
        h.try_wait(&user("admin"), req(&id, "2")),
        Err(WaitSetError::PermDenied(_))
    ));
    assert!(matches!(
        h.ws.destroy(&user("admin"), &id),
        Err(WaitSetError::PermDenied(_))
    ));
}

#[test]
fn a_change_touches_only_waitsets_holding_the_account() {
    let mut h = H::new();
    h.accounts(&["a1", "a2"]);
    let mut parked = Vec::new();
    for i in 0..50 {
        let acct = if i % 2 == 0 { "a1" } else { "a2" };
        let id = h.create(&admin(), "m", vec![add(acct)]).id;
        if let WaitOutcome::Parked { ticket, .. } = h.wait(&admin(), block(&id, "0")) {
            parked.push((acct, ticket));
        }
    }
    let done = h.commit("a1", "m");
    assert_eq!(done.len(), 25);
    let want: Vec<_> = parked
        .iter()
        .filter(|(a, _)| *a == "a1")
        .map(|(_, t)| *t)
        .collect();
    let mut got: Vec<_> = done.iter().map(|c| c.ticket).collect();
    got.sort();
    assert_eq!(got, want);
    assert_eq!(h.ws.stats().parked, 25);
}

#[test]
fn timestamps_are_virtual() {
    // The engine never reads a clock: a far-future `now` just moves deadlines.
    let mut h = H::new();
    h.now = Timestamp(u64::MAX - 10);
    let id = h.create(&admin(), "m", vec![]).id;
    let WaitOutcome::Parked { deadline, .. } = h.wait(&admin(), block(&id, "0")) else {
        panic!()
    };
    assert_eq!(deadline, Timestamp(u64::MAX));
    assert_eq!(h.advance(Duration::from_secs(1)).len(), 1);
}

#[test]
fn expire_all_parked_answers_every_parked_request_empty() {
    let mut h = H::new();
    h.accounts(&["a1"]);
    let a = h.create(&admin(), "m", vec![add("a1")]).id;
    let b = h.create(&admin(), "m", vec![add("a1")]).id;
    h.wait(&admin(), block(&a, "0"));
    h.wait(&admin(), block(&b, "7"));
    let done = h.ws.expire_all_parked(h.now);
    let seqs: Vec<_> = done
        .iter()
        .map(|c| c.response.seq.clone().unwrap())
        .collect();
    assert_eq!(seqs, ["0", "7"]);
    assert_eq!(h.ws.stats().parked, 0);
    h.commit("a1", "m");
    assert_eq!(ids(&ready(h.wait(&admin(), req(&a, "0")))), ["a1"]);
}
