//! The commit path: one change-id bump, one log row and one event per touching commit; rollback on error.

use std::sync::mpsc::TryRecvError;

use inboxd_model::{AccountId, ChangeId, CommitSeq, InterestTypes, ItemId, ItemType};
use inboxd_store::{NewMessage, StoreError, folder_ids};

use crate::support::{T0, account, at, attrs, store};

#[test]
fn new_account_is_change_one_with_its_system_folders() {
    let (_d, s) = store();
    let events = s.subscribe();
    let a = account(&s, "alice@example.com");
    assert_eq!(s.change_id(&a).unwrap(), ChangeId(1));
    let ev = events.try_recv().unwrap();
    assert_eq!(
        (ev.account.clone(), ev.change_id, ev.commit_seq),
        (a.clone(), ChangeId(1), CommitSeq(1))
    );
    assert_eq!(ev.types, InterestTypes::single(ItemType::Folder));
    let log = s.log_since(CommitSeq(0), 10).unwrap();
    assert_eq!(log.len(), 1);
    let ids: Vec<i64> = log[0].changed.iter().map(|i| i.0).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6, 7, 10, 15, 16]);
}

#[test]
fn each_commit_bumps_by_one_and_logs_exactly_what_it_touched() {
    let (_d, s) = store();
    let a = account(&s, "alice@example.com");
    let c1 = s
        .commit(&a, at(1), |t| {
            t.create_item(
                ItemType::Contact,
                folder_ids::CONTACTS,
                &attrs(&[("fn", "Bob")]),
            )
        })
        .unwrap();
    let contact = c1.value;
    let ev1 = c1.event.unwrap();
    assert_eq!(ev1.change_id, ChangeId(2));
    assert_eq!(ev1.types, InterestTypes::single(ItemType::Contact));

    // One commit touching three types: one bump, one row, all three types.
    let c2 = s
        .commit(&a, at(2), |t| {
            t.modify_item(contact, &attrs(&[("email", "bob@example.com")]))?;
            let task =
                t.create_item(ItemType::Task, folder_ids::TASKS, &attrs(&[("name", "t")]))?;
            let m = t.insert_message(NewMessage {
                folder: folder_ids::INBOX,
                subject: "hi".into(),
                ..Default::default()
            })?;
            Ok((task, m))
        })
        .unwrap();
    let (task, msg) = c2.value;
    let ev2 = c2.event.unwrap();
    assert_eq!(ev2.change_id, ChangeId(3));
    assert_eq!(ev2.commit_seq.0, ev1.commit_seq.0 + 1);
    assert_eq!(ev2.types, InterestTypes::parse("m,c,t").unwrap());

    let c3 = s.commit(&a, at(3), |t| t.delete_item(contact)).unwrap();
    assert_eq!(c3.event.as_ref().unwrap().change_id, ChangeId(4));

    let log = s.log_since(ev1.commit_seq, 10).unwrap();
    assert_eq!(log.len(), 2);
    let mut want = vec![contact, task, msg];
    want.sort();
    assert_eq!(log[0].changed, want);
    assert_eq!(log[0].deleted, Vec::<ItemId>::new());
    assert_eq!(
        (log[0].change_id, log[0].types, log[0].time),
        (ChangeId(3), ev2.types, at(2))
    );
    assert_eq!(log[1].changed, Vec::<ItemId>::new());
    assert_eq!(log[1].deleted, vec![contact]);
    assert_eq!(log[1].types, InterestTypes::single(ItemType::Contact));
    assert_eq!(s.change_id(&a).unwrap(), ChangeId(4));
}

#[test]
fn commit_that_touches_nothing_bumps_logs_and_publishes_nothing() {
    let (_d, s) = store();
    let a = account(&s, "alice@example.com");
    let c = s
        .commit(&a, T0, |t| {
            t.create_item(
                ItemType::Contact,
                folder_ids::CONTACTS,
                &attrs(&[("fn", "Bob")]),
            )
        })
        .unwrap()
        .value;
    let events = s.subscribe();
    let seq = s.last_commit_seq().unwrap();

    let empty = s.commit(&a, at(1), |_| Ok(42)).unwrap();
    assert_eq!((empty.value, empty.event), (42, None));
    // Writes that change nothing are no-ops too.
    let same = s
        .commit(&a, at(2), |t| {
            t.modify_item(c, &attrs(&[("fn", "Bob")]))?;
            t.move_item(c, folder_ids::CONTACTS)
        })
        .unwrap();
    assert_eq!(same.event, None);

    assert_eq!(s.change_id(&a).unwrap(), ChangeId(2));
    assert_eq!(s.last_commit_seq().unwrap(), seq);
    assert_eq!(s.log_since(seq, 10).unwrap(), vec![]);
    assert_eq!(events.try_recv(), Err(TryRecvError::Empty));
}

#[test]
fn failing_closure_rolls_back_and_publishes_nothing() {
    let (_d, s) = store();
    let a = account(&s, "alice@example.com");
    let events = s.subscribe();
    let mut created = None;
    let err = s
        .commit(&a, T0, |t| {
            created = Some(t.create_item(
                ItemType::Contact,
                folder_ids::CONTACTS,
                &attrs(&[("fn", "x")]),
            )?);
            Err::<(), _>(StoreError::Invalid("changed my mind".into()))
        })
        .unwrap_err();
    assert_eq!(err, StoreError::Invalid("changed my mind".into()));
    let id = created.unwrap();
    assert_eq!(s.item(&a, id).unwrap(), None);
    assert_eq!(s.change_id(&a).unwrap(), ChangeId(1));
    assert_eq!(s.last_commit_seq().unwrap(), CommitSeq(1));
    assert_eq!(events.try_recv(), Err(TryRecvError::Empty));
    // The id allocation was rolled back too: the next item reuses it.
    let again = s
        .commit(&a, T0, |t| {
            t.create_item(
                ItemType::Contact,
                folder_ids::CONTACTS,
                &attrs(&[("fn", "y")]),
            )
        })
        .unwrap();
    assert_eq!(again.value, id);
    assert_eq!(again.event.unwrap().change_id, ChangeId(2));
}

#[test]
fn operation_errors_inside_a_commit_roll_back_earlier_writes() {
    let (_d, s) = store();
    let a = account(&s, "alice@example.com");
    let err = s
        .commit(&a, T0, |t| {
            t.create_folder(inboxd_store::NewFolder {
                parent: folder_ids::ROOT,
                name: "Work".into(),
                ..Default::default()
            })?;
            t.delete_item(ItemId(9999))
        })
        .unwrap_err();
    assert_eq!(err, StoreError::NoSuchItem);
    assert_eq!(s.folders(&a).unwrap().len(), 10);
}

#[test]
fn events_arrive_in_commit_seq_order_across_accounts() {
    let (_d, s) = store();
    let events = s.subscribe();
    let a = account(&s, "a@example.com");
    let b = account(&s, "b@example.com");
    let mut returned = Vec::new();
    for i in 0..6 {
        let who: &AccountId = if i % 2 == 0 { &a } else { &b };
        let c = s
            .commit(who, at(i), |t| {
                t.create_item(
                    ItemType::Document,
                    folder_ids::BRIEFCASE,
                    &attrs(&[("n", "d")]),
                )
            })
            .unwrap();
        returned.push(c.event.unwrap());
    }
    let received: Vec<_> = events.try_iter().collect();
    assert_eq!(received.len(), 8);
    assert_eq!(&received[2..], &returned[..]);
    let seqs: Vec<u64> = received.iter().map(|e| e.commit_seq.0).collect();
    assert_eq!(seqs, (1..=8).collect::<Vec<_>>());
    let a_changes: Vec<u64> = received
        .iter()
        .filter(|e| e.account == a)
        .map(|e| e.change_id.0)
        .collect();
    assert_eq!(a_changes, [1, 2, 3, 4]);
}

#[test]
fn dropped_subscribers_are_forgotten_and_others_still_receive() {
    let (_d, s) = store();
    let first = s.subscribe();
    let second = s.subscribe();
    drop(first);
    let a = account(&s, "a@example.com");
    assert_eq!(second.try_recv().unwrap().account, a);
}

#[test]
fn item_created_and_deleted_in_one_commit_is_only_reported_deleted() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let c = s
        .commit(&a, T0, |t| {
            let id = t.create_item(
                ItemType::Appointment,
                folder_ids::CALENDAR,
                &attrs(&[("s", "x")]),
            )?;
            t.delete_item(id)?;
            Ok(id)
        })
        .unwrap();
    let log = s.log_since(CommitSeq(1), 10).unwrap();
    assert_eq!(log[0].changed, Vec::<ItemId>::new());
    assert_eq!(log[0].deleted, vec![c.value]);
}

#[test]
fn commits_need_an_existing_live_account() {
    let (_d, s) = store();
    let missing = AccountId::new("no-such");
    assert_eq!(
        s.commit(&missing, T0, |_| Ok(())).unwrap_err(),
        StoreError::NoSuchAccount
    );
    let a = account(&s, "a@example.com");
    s.delete_account(&a, T0).unwrap();
    assert_eq!(
        s.commit(&a, T0, |_| Ok(())).unwrap_err(),
        StoreError::NoSuchAccount
    );
}

#[test]
fn items_of_another_account_are_invisible_to_a_txn() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let b = account(&s, "b@example.com");
    let id = s
        .commit(&a, T0, |t| {
            t.create_item(ItemType::Task, folder_ids::TASKS, &attrs(&[("n", "t")]))
        })
        .unwrap()
        .value;
    assert_eq!(
        s.commit(&b, T0, |t| t.delete_item(id)).unwrap_err(),
        StoreError::NoSuchItem
    );
    assert_eq!(
        s.commit(&b, T0, |t| t.modify_item(id, &attrs(&[("n", "u")])))
            .unwrap_err(),
        StoreError::NoSuchItem
    );
    assert_eq!(s.item(&b, id).unwrap(), None);
    assert!(s.item(&a, id).unwrap().is_some());
}

#[test]
fn store_is_clone_send_sync() {
    fn check<T: Clone + Send + Sync + 'static>() {}
    check::<inboxd_store::Store>();
}
