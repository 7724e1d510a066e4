//! Item writes and `changes_since` for folders, messages, conversations and typed items.

use inboxd_model::{AccountId, ChangeId, ItemId, ItemType, Timestamp};
use inboxd_store::{
    Address, ConversationSummary, Item, ItemKind, NewFolder, NewMessage, Store, StoreError,
    folder_ids,
};

use crate::support::{T0, account, attrs, store};

/// Ids changed and (id, kind) deleted after `since`.
fn diff(s: &Store, a: &AccountId, since: ChangeId) -> (Vec<ItemId>, Vec<(ItemId, ItemKind)>) {
    let c = s.changes_since(a, since).unwrap();
    assert_eq!(c.change_id, s.change_id(a).unwrap());
    (
        c.changed.iter().map(Item::id).collect(),
        c.deleted.iter().map(|d| (d.id, d.kind)).collect(),
    )
}

fn folder(name: &str, parent: ItemId) -> NewFolder {
    NewFolder {
        parent,
        name: name.into(),
        view: Some(ItemType::Message),
        ..Default::default()
    }
}

fn message(folder: ItemId, uid: Option<u32>) -> NewMessage {
    NewMessage {
        folder,
        imap_uid: uid,
        message_id: Some(format!("m{uid:?}@example.com")),
        subject: "Hello".into(),
        from: vec![Address {
            name: Some("Bob".into()),
            email: "bob@example.com".into(),
        }],
        date: Timestamp(1000),
        internal_date: Timestamp(2000),
        size: 1234,
        flags: vec!["\\Seen".into()],
        ..Default::default()
    }
}

fn invalid<T>(r: Result<T, StoreError>) -> bool {
    matches!(r, Err(StoreError::Invalid(_)))
}

#[test]
fn typed_items_create_modify_move_delete_show_in_changes() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let cases = [
        (ItemType::Contact, folder_ids::CONTACTS, ItemKind::Contact),
        (
            ItemType::Appointment,
            folder_ids::CALENDAR,
            ItemKind::Appointment,
        ),
        (ItemType::Task, folder_ids::TASKS, ItemKind::Task),
        (
            ItemType::Document,
            folder_ids::BRIEFCASE,
            ItemKind::Document,
        ),
    ];
    for (t, home, kind) in cases {
        let before = s.change_id(&a).unwrap();
        let id = s
            .commit(&a, T0, |x| {
                x.create_item(t, home, &attrs(&[("a", "1"), ("b", "2"), ("empty", "")]))
            })
            .unwrap()
            .value;
        assert_eq!(diff(&s, &a, before), (vec![id], vec![]), "{t:?} create");
        let Some(Item::Generic(g)) = s.item(&a, id).unwrap() else {
            panic!("{t:?}: not generic")
        };
        assert_eq!(
            (g.item_type, g.folder, g.attrs.clone()),
            (t, home, attrs(&[("a", "1"), ("b", "2")]))
        );
        assert_eq!(g.created_change, g.mod_change);

        let before = s.change_id(&a).unwrap();
        s.commit(&a, T0, |x| {
            x.modify_item(id, &attrs(&[("a", ""), ("c", "3")]))
        })
        .unwrap();
        assert_eq!(diff(&s, &a, before), (vec![id], vec![]), "{t:?} modify");
        let Some(Item::Generic(g2)) = s.item(&a, id).unwrap() else {
            panic!()
        };
        assert_eq!(g2.attrs, attrs(&[("b", "2"), ("c", "3")]));
        assert_eq!(
            (g2.created_change, g2.mod_change),
            (g.created_change, ChangeId(before.0 + 1))
        );

        let before = s.change_id(&a).unwrap();
        s.commit(&a, T0, |x| x.move_item(id, folder_ids::TRASH))
            .unwrap();
        assert_eq!(diff(&s, &a, before), (vec![id], vec![]), "{t:?} move");
        assert_eq!(
            s.item(&a, id).unwrap().unwrap().folder(),
            Some(folder_ids::TRASH)
        );

        let before = s.change_id(&a).unwrap();
        s.commit(&a, T0, |x| x.delete_item(id)).unwrap();
        assert_eq!(
            diff(&s, &a, before),
            (vec![], vec![(id, kind)]),
            "{t:?} delete"
        );
        assert_eq!(s.list_items(&a, t).unwrap(), vec![]);
    }
}

#[test]
fn typed_item_errors() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let e = |r: Result<inboxd_store::Committed<ItemId>, StoreError>| r.unwrap_err();
    assert!(matches!(
        e(s.commit(&a, T0, |x| x.create_item(
            ItemType::Message,
            folder_ids::INBOX,
            &attrs(&[])
        ))),
        StoreError::Invalid(_)
    ));
    assert_eq!(
        e(s.commit(&a, T0, |x| x.create_item(
            ItemType::Contact,
            ItemId(999),
            &attrs(&[])
        ))),
        StoreError::NoSuchFolder
    );
    // A message id is not a typed item.
    let m = s
        .commit(&a, T0, |x| {
            x.insert_message(message(folder_ids::INBOX, Some(1)))
        })
        .unwrap()
        .value;
    assert_eq!(
        s.commit(&a, T0, |x| x.modify_item(m, &attrs(&[("k", "v")])))
            .unwrap_err(),
        StoreError::NoSuchItem
    );
}

#[test]
fn folders_create_rename_move_delete_show_in_changes() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let before = s.change_id(&a).unwrap();
    let (work, sub) = s
        .commit(&a, T0, |x| {
            let work = x.create_folder(folder("Work", folder_ids::ROOT))?;
            let sub = x.create_folder(folder("Sub", work))?;
            Ok((work, sub))
        })
        .unwrap()
        .value;
    assert_eq!(diff(&s, &a, before), (vec![work, sub], vec![]));

    let before = s.change_id(&a).unwrap();
    s.commit(&a, T0, |x| x.rename_folder(work, "Job")).unwrap();
    assert_eq!(diff(&s, &a, before), (vec![work], vec![]));

    let before = s.change_id(&a).unwrap();
    s.commit(&a, T0, |x| {
        x.move_folder(sub, folder_ids::INBOX)?;
        x.set_folder_imap(sub, Some("INBOX/Sub"), None)
    })
    .unwrap();
    assert_eq!(diff(&s, &a, before), (vec![sub], vec![]));
    let Some(Item::Folder(f)) = s.item(&a, sub).unwrap() else {
        panic!()
    };
    assert_eq!(
        (f.parent, f.imap_path.as_deref()),
        (Some(folder_ids::INBOX), Some("INBOX/Sub"))
    );

    let before = s.change_id(&a).unwrap();
    s.commit(&a, T0, |x| x.delete_item(work)).unwrap();
    assert_eq!(
        diff(&s, &a, before),
        (vec![], vec![(work, ItemKind::Folder)])
    );
}

#[test]
fn folder_rules() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let work = s
        .commit(&a, T0, |x| {
            x.create_folder(folder("Work", folder_ids::ROOT))
        })
        .unwrap()
        .value;
    let sub = s
        .commit(&a, T0, |x| x.create_folder(folder("Sub", work)))
        .unwrap()
        .value;
    assert!(invalid(s.commit(&a, T0, |x| {
        x.create_folder(folder("work", folder_ids::ROOT))
    })));
    assert!(invalid(s.commit(&a, T0, |x| {
        x.create_folder(folder("a/b", folder_ids::ROOT))
    })));
    assert!(invalid(s.commit(&a, T0, |x| {
        x.create_folder(folder("", folder_ids::ROOT))
    })));
    assert!(invalid(
        s.commit(&a, T0, |x| x.rename_folder(folder_ids::INBOX, "In"))
    ));
    assert!(invalid(
        s.commit(&a, T0, |x| x.delete_folder(folder_ids::TRASH))
    ));
    assert!(invalid(s.commit(&a, T0, |x| x.move_folder(work, sub))));
    assert!(invalid(s.commit(&a, T0, |x| x.move_folder(work, work))));
    assert!(invalid(s.commit(&a, T0, |x| x.rename_folder(sub, "Sub/x"))));
    assert_eq!(
        s.commit(&a, T0, |x| x.create_folder(folder("X", ItemId(999))))
            .unwrap_err(),
        StoreError::NoSuchFolder
    );
    assert_eq!(
        s.commit(&a, T0, |x| x.rename_folder(ItemId(999), "Y"))
            .unwrap_err(),
        StoreError::NoSuchFolder
    );
    // The same name under another parent is fine.
    s.commit(&a, T0, |x| x.create_folder(folder("Sub", folder_ids::ROOT)))
        .unwrap();
}

#[test]
fn deleting_a_folder_removes_its_subtree_and_reports_it() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let (work, sub, m1, m2, doc, conv) = s
        .commit(&a, T0, |x| {
            let work = x.create_folder(folder("Work", folder_ids::ROOT))?;
            let sub = x.create_folder(folder("Sub", work))?;
            let conv = x.put_conversation(ConversationSummary {
                subject: "c".into(),
                message_count: 2,
                ..Default::default()
            })?;
            let mut n1 = message(work, Some(1));
            n1.conversation = Some(conv);
            let m1 = x.insert_message(n1)?;
            let m2 = x.insert_message(message(sub, Some(1)))?;
            let doc = x.create_item(ItemType::Document, sub, &attrs(&[("n", "d")]))?;
            Ok((work, sub, m1, m2, doc, conv))
        })
        .unwrap()
        .value;
    let before = s.change_id(&a).unwrap();
    let report = s.commit(&a, T0, |x| x.delete_folder(work)).unwrap().value;
    assert_eq!(report.folders, vec![sub, work]);
    assert_eq!(report.messages, vec![m1, m2]);
    assert_eq!(report.items, vec![doc]);
    assert_eq!(report.conversations, vec![conv]);
    let (changed, mut deleted) = diff(&s, &a, before);
    assert!(changed.is_empty());
    deleted.sort();
    let mut want = vec![
        (work, ItemKind::Folder),
        (sub, ItemKind::Folder),
        (m1, ItemKind::Message),
        (m2, ItemKind::Message),
        (doc, ItemKind::Document),
    ];
    want.sort();
    assert_eq!(deleted, want);
    // The conversation summary is the caller's to fix; it still exists.
    assert!(s.item(&a, conv).unwrap().is_some());
}

#[test]
fn messages_insert_flag_move_delete_show_in_changes() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let before = s.change_id(&a).unwrap();
    let mut n = message(folder_ids::INBOX, Some(7));
    n.flags = vec!["\\Seen".into(), "$Label1".into(), "\\Seen".into()];
    n.references = vec!["r1@x".into(), "r2@x".into()];
    n.in_reply_to = vec!["r2@x".into()];
    n.to = vec![Address {
        name: None,
        email: "a@example.com".into(),
    }];
    let m = s
        .commit(&a, T0, |x| x.insert_message(n.clone()))
        .unwrap()
        .value;
    assert_eq!(diff(&s, &a, before), (vec![m], vec![]));
    let Some(Item::Message(msg)) = s.item(&a, m).unwrap() else {
        panic!()
    };
    assert_eq!(msg.flags, ["$Label1", "\\Seen"]);
    assert_eq!(
        (msg.folder, msg.imap_uid, msg.subject.as_str(), msg.size),
        (folder_ids::INBOX, Some(7), "Hello", 1234)
    );
    assert_eq!(
        (
            msg.from.clone(),
            msg.to.clone(),
            msg.references.clone(),
            msg.in_reply_to.clone()
        ),
        (
            n.from.clone(),
            n.to.clone(),
            n.references.clone(),
            n.in_reply_to.clone()
        )
    );
    assert_eq!(
        (
            msg.date,
            msg.internal_date,
            msg.snippet.clone(),
            msg.body_fetched
        ),
        (Timestamp(1000), Timestamp(2000), None, false)
    );
    assert!(!msg.is_unread());
    assert_eq!(
        s.message_by_uid(&a, folder_ids::INBOX, 7)
            .unwrap()
            .map(|m| m.id),
        Some(m)
    );

    let before = s.change_id(&a).unwrap();
    s.commit(&a, T0, |x| x.update_message_flags(m, &["\\Flagged".into()]))
        .unwrap();
    assert_eq!(diff(&s, &a, before), (vec![m], vec![]));
    let Some(Item::Message(msg)) = s.item(&a, m).unwrap() else {
        panic!()
    };
    assert!(msg.is_unread() && msg.is_flagged());

    let before = s.change_id(&a).unwrap();
    s.commit(&a, T0, |x| {
        x.set_message_body(m, Some("Hi there"), true, true)
    })
    .unwrap();
    assert_eq!(diff(&s, &a, before), (vec![m], vec![]));

    let before = s.change_id(&a).unwrap();
    s.commit(&a, T0, |x| x.move_message(m, folder_ids::TRASH, Some(3)))
        .unwrap();
    assert_eq!(diff(&s, &a, before), (vec![m], vec![]));
    assert_eq!(
        s.messages_in_folder(&a, folder_ids::TRASH).unwrap()[0].imap_uid,
        Some(3)
    );
    assert_eq!(s.messages_in_folder(&a, folder_ids::INBOX).unwrap(), vec![]);

    let before = s.change_id(&a).unwrap();
    s.commit(&a, T0, |x| x.delete_message(m)).unwrap();
    assert_eq!(diff(&s, &a, before), (vec![], vec![(m, ItemKind::Message)]));
}

#[test]
fn message_rules() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    s.commit(&a, T0, |x| {
        x.insert_message(message(folder_ids::INBOX, Some(1)))
    })
    .unwrap();
    assert!(invalid(s.commit(&a, T0, |x| {
        x.insert_message(message(folder_ids::INBOX, Some(1)))
    })));
    assert!(invalid(s.commit(&a, T0, |x| {
        let mut m = message(folder_ids::INBOX, None);
        m.flags = vec!["two words".into()];
        x.insert_message(m)
    })));
    // The same UID in another folder, and messages without UID, are fine.
    s.commit(&a, T0, |x| {
        x.insert_message(message(folder_ids::SENT, Some(1)))?;
        x.insert_message(message(folder_ids::INBOX, None))?;
        x.insert_message(message(folder_ids::INBOX, None))
    })
    .unwrap();
    assert_eq!(
        s.commit(&a, T0, |x| x.insert_message(message(ItemId(999), None)))
            .unwrap_err(),
        StoreError::NoSuchFolder
    );
    let mut bad_conv = message(folder_ids::INBOX, None);
    bad_conv.conversation = Some(ItemId(999));
    assert_eq!(
        s.commit(&a, T0, |x| x.insert_message(bad_conv))
            .unwrap_err(),
        StoreError::NoSuchItem
    );
    assert_eq!(
        s.commit(&a, T0, |x| x.update_message_flags(ItemId(999), &[]))
            .unwrap_err(),
        StoreError::NoSuchItem
    );
    // Same flags again: nothing happens.
    let m = s
        .message_by_uid(&a, folder_ids::INBOX, 1)
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(
        s.commit(&a, T0, |x| x.update_message_flags(m, &["\\Seen".into()]))
            .unwrap()
            .event,
        None
    );
}

#[test]
fn conversations_put_link_delete_show_in_changes() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let summary = ConversationSummary {
        subject: "Plans".into(),
        participants: vec![Address {
            name: Some("Bob".into()),
            email: "bob@example.com".into(),
        }],
        first_date: Timestamp(10),
        last_date: Timestamp(20),
        message_count: 1,
        unread_count: 1,
        snippet: Some("let's".into()),
        ..Default::default()
    };
    let before = s.change_id(&a).unwrap();
    let (conv, m) = s
        .commit(&a, T0, |x| {
            let conv = x.put_conversation(summary.clone())?;
            let m = x.insert_message(message(folder_ids::INBOX, Some(1)))?;
            x.set_message_conversation(m, conv)?;
            Ok((conv, m))
        })
        .unwrap()
        .value;
    assert_eq!(diff(&s, &a, before), (vec![conv, m], vec![]));
    assert_eq!(
        s.conversation_messages(&a, conv)
            .unwrap()
            .iter()
            .map(|m| m.id)
            .collect::<Vec<_>>(),
        [m]
    );
    let Some(Item::Conversation(c)) = s.item(&a, conv).unwrap() else {
        panic!()
    };
    assert_eq!(
        (
            c.subject.as_str(),
            c.participants.clone(),
            c.unread_count,
            c.last_date
        ),
        ("Plans", summary.participants.clone(), 1, Timestamp(20))
    );

    // Replacing with the same summary is a no-op; a changed one touches only the conversation.
    let same = ConversationSummary {
        id: Some(conv),
        ..summary.clone()
    };
    assert_eq!(
        s.commit(&a, T0, |x| x.put_conversation(same.clone()))
            .unwrap()
            .event,
        None
    );
    let before = s.change_id(&a).unwrap();
    let read = ConversationSummary {
        unread_count: 0,
        ..same
    };
    s.commit(&a, T0, |x| x.put_conversation(read)).unwrap();
    assert_eq!(diff(&s, &a, before), (vec![conv], vec![]));
    assert_eq!(s.conversations(&a).unwrap()[0].unread_count, 0);

    // Deleting the conversation detaches its message.
    let before = s.change_id(&a).unwrap();
    s.commit(&a, T0, |x| x.delete_conversation(conv)).unwrap();
    assert_eq!(
        diff(&s, &a, before),
        (vec![m], vec![(conv, ItemKind::Conversation)])
    );
    let Some(Item::Message(msg)) = s.item(&a, m).unwrap() else {
        panic!()
    };
    assert_eq!(msg.conversation, None);
    assert_eq!(
        s.commit(&a, T0, |x| x.put_conversation(ConversationSummary {
            id: Some(m),
            ..Default::default()
        }))
        .unwrap_err(),
        StoreError::NoSuchItem
    );
    // Messages and conversations both count as messages.
    assert!(
        s.list_items(&a, ItemType::Message)
            .unwrap()
            .iter()
            .all(|i| i.item_type() == ItemType::Message)
    );
}

#[test]
fn changes_since_zero_is_the_full_state() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let c = s
        .commit(&a, T0, |x| {
            x.create_item(
                ItemType::Contact,
                folder_ids::CONTACTS,
                &attrs(&[("n", "x")]),
            )
        })
        .unwrap()
        .value;
    let d = s
        .commit(&a, T0, |x| {
            x.create_item(ItemType::Task, folder_ids::TASKS, &attrs(&[("n", "x")]))
        })
        .unwrap()
        .value;
    s.commit(&a, T0, |x| x.delete_item(d)).unwrap();
    let full = s.changes_since(&a, ChangeId(0)).unwrap();
    assert_eq!(full.change_id, ChangeId(4));
    assert_eq!(full.changed.len(), 11);
    assert!(full.changed.iter().any(|i| i.id() == c));
    assert!(full.deleted.is_empty());
    // Up to date: nothing.
    let none = s.changes_since(&a, ChangeId(4)).unwrap();
    assert!(none.changed.is_empty() && none.deleted.is_empty());
    // A token from the future cannot be trusted.
    assert_eq!(
        s.changes_since(&a, ChangeId(5)).unwrap_err(),
        StoreError::MustResync
    );
    assert_eq!(
        s.changes_since(&AccountId::new("x"), ChangeId(0))
            .unwrap_err(),
        StoreError::NoSuchAccount
    );
}

#[test]
fn txn_reads_see_their_own_writes() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    s.commit(&a, T0, |x| {
        let m = x.insert_message(message(folder_ids::INBOX, Some(5)))?;
        assert_eq!(
            x.message_by_uid(folder_ids::INBOX, 5)?.map(|m| m.id),
            Some(m)
        );
        assert_eq!(x.messages_by_header_id("mSome(5)@example.com")?.len(), 1);
        assert_eq!(x.messages_in_folder(folder_ids::INBOX)?.len(), 1);
        assert!(matches!(x.item(m)?, Some(Item::Message(_))));
        assert_eq!(x.folders()?.len(), 10);
        assert_eq!(x.change_id(), ChangeId(2));
        assert!(x.is_touched());
        Ok(())
    })
    .unwrap();
}

#[test]
fn forgetting_the_imap_mirror_keeps_local_items_only() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let (lists, local, contact, conv) = s
        .commit(&a, T0, |x| {
            let lists = x.create_folder(folder("Lists", folder_ids::ROOT))?;
            x.set_folder_imap(lists, Some("Lists"), None)?;
            let sub = x.create_folder(folder("Rust", lists))?;
            x.set_folder_imap(sub, Some("Lists/Rust"), None)?;
            let local = x.create_folder(folder("Local", folder_ids::ROOT))?;
            x.set_folder_imap(folder_ids::SENT, Some("Sent Items"), Some("\\Sent"))?;
            let conv = x.put_conversation(ConversationSummary::default())?;
            for (f, uid) in [(folder_ids::INBOX, 1), (sub, 2), (local, 3)] {
                x.insert_message(NewMessage {
                    conversation: Some(conv),
                    ..message(f, Some(uid))
                })?;
            }
            let contact = x.create_item(
                ItemType::Contact,
                folder_ids::CONTACTS,
                &attrs(&[("n", "x")]),
            )?;
            x.sync_put("msg", "1", Some("{}"))?;
            x.sync_put("ops", "k", Some("{}"))?;
            Ok((lists, local, contact, conv))
        })
        .unwrap()
        .value;
    let before = s.change_id(&a).unwrap();
    s.commit(&a, T0, |x| x.forget_imap_mirror()).unwrap();

    let (changed, deleted) = diff(&s, &a, before);
    assert!(s.conversations(&a).unwrap().is_empty());
    assert!(s.messages(&a).unwrap().is_empty());
    assert!(deleted.contains(&(conv, ItemKind::Conversation)));
    assert_eq!(
        deleted.iter().filter(|d| d.1 == ItemKind::Message).count(),
        3,
        "{deleted:?}"
    );
    assert!(deleted.contains(&(lists, ItemKind::Folder)));
    assert!(changed.contains(&folder_ids::SENT), "{changed:?}");
    let folders = s.folders(&a).unwrap();
    let path = |id: ItemId| {
        folders
            .iter()
            .find(|f| f.id == id)
            .map(|f| f.imap_path.clone())
    };
    assert_eq!(path(lists), None, "the mirrored folder is gone");
    assert_eq!(path(local), Some(None), "the local folder stays");
    assert_eq!(path(folder_ids::SENT), Some(None), "Sent is released");
    assert_eq!(path(folder_ids::INBOX), Some(Some("INBOX".into())));
    assert!(s.item(&a, contact).unwrap().is_some());
    assert!(s.sync_load(&a, "msg").unwrap().is_empty());
    assert!(s.sync_load(&a, "ops").unwrap().is_empty());
}
