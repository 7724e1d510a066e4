//! The lean per-message writes (`insert_message`, `put_conversation`): the precise errors they derive
//! only after SQLite refused a row, within a transaction that goes on, and deletions earlier in the same
//! transaction.

use inboxd_model::{ItemId, ItemType, Timestamp};
use inboxd_store::{
    Address, AddressList, ConversationSummary, Item, ItemKind, NewFolder, NewMessage, StoreError,
    folder_ids,
};

use crate::support::{T0, account, store};

fn message(folder: ItemId, uid: Option<u32>, conv: Option<ItemId>) -> NewMessage {
    NewMessage {
        folder,
        conversation: conv,
        imap_uid: uid,
        subject: "s".into(),
        from: vec![Address {
            name: Some("A \"q\"".into()),
            email: "a@example.com".into(),
        }],
        ..Default::default()
    }
}

fn summary(subject: &str) -> ConversationSummary {
    ConversationSummary {
        subject: subject.into(),
        participants: vec![Address {
            name: None,
            email: "p@example.com".into(),
        }],
        first_date: Timestamp(5),
        last_date: Timestamp(9),
        message_count: 2,
        unread_count: 1,
        snippet: None,
        ..Default::default()
    }
}

#[test]
fn refused_inserts_name_the_rule_and_the_transaction_goes_on() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let ids = s
        .commit(&a, T0, |t| {
            let first = t.insert_message(message(folder_ids::INBOX, Some(7), None))?;
            let errors = [
                t.insert_message(message(ItemId(999), Some(1), None)),
                t.insert_message(message(folder_ids::INBOX, Some(1), Some(ItemId(999)))),
                // A missing folder is reported before a missing conversation.
                t.insert_message(message(ItemId(999), None, Some(ItemId(998)))),
                t.insert_message(message(folder_ids::INBOX, Some(7), None)),
                // The conversation id is a message, not a conversation.
                t.insert_message(message(folder_ids::INBOX, None, Some(first))),
            ];
            let second = t.insert_message(message(folder_ids::INBOX, Some(8), None))?;
            Ok((first, errors, second))
        })
        .unwrap()
        .value;
    let (first, errors, second) = ids;
    assert_eq!(errors[0], Err(StoreError::NoSuchFolder));
    assert_eq!(errors[1], Err(StoreError::NoSuchItem));
    assert_eq!(errors[2], Err(StoreError::NoSuchFolder));
    assert!(
        matches!(&errors[3], Err(StoreError::Invalid(m)) if m.contains("UID 7")),
        "{:?}",
        errors[3]
    );
    assert_eq!(errors[4], Err(StoreError::NoSuchItem));
    // Refused inserts took no id.
    assert_eq!(second.0, first.0 + 1);
    let uids: Vec<_> = s
        .messages_in_folder(&a, folder_ids::INBOX)
        .unwrap()
        .iter()
        .map(|m| m.imap_uid)
        .collect();
    assert_eq!(uids, [Some(7), Some(8)]);
}

#[test]
fn deletions_earlier_in_the_transaction_are_seen() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let errors = s
        .commit(&a, T0, |t| {
            let f = t.create_folder(NewFolder {
                parent: folder_ids::ROOT,
                name: "list".into(),
                view: Some(ItemType::Message),
                ..Default::default()
            })?;
            let c = t.put_conversation(summary("x"))?;
            t.insert_message(message(f, Some(1), Some(c)))?;
            t.delete_folder(f)?;
            let no_folder = t.insert_message(message(f, Some(2), None));
            t.delete_conversation(c)?;
            let no_conv = t.insert_message(message(folder_ids::INBOX, Some(3), Some(c)));
            let replace_gone = t.put_conversation(ConversationSummary {
                id: Some(c),
                ..summary("y")
            });
            Ok([
                no_folder.map(|_| ()),
                no_conv.map(|_| ()),
                replace_gone.map(|_| ()),
            ])
        })
        .unwrap()
        .value;
    assert_eq!(
        errors,
        [
            Err(StoreError::NoSuchFolder),
            Err(StoreError::NoSuchItem),
            Err(StoreError::NoSuchItem)
        ]
    );
    assert!(
        s.messages_in_folder(&a, folder_ids::INBOX)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn replacing_a_conversation_writes_only_real_changes() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let c = s
        .commit(&a, T0, |t| t.put_conversation(summary("x")))
        .unwrap()
        .value;
    let same = ConversationSummary {
        id: Some(c),
        ..summary("x")
    };
    // Identical values (a NULL snippet included) touch nothing.
    let done = s
        .commit(&a, T0, |t| t.put_conversation(same.clone()))
        .unwrap();
    assert_eq!((done.value, done.event), (c, None));
    // Each field on its own counts as a change.
    let changes: Vec<ConversationSummary> = vec![
        ConversationSummary {
            subject: "y".into(),
            ..same.clone()
        },
        ConversationSummary {
            participants: vec![],
            ..same.clone()
        },
        ConversationSummary {
            first_date: Timestamp(6),
            ..same.clone()
        },
        ConversationSummary {
            last_date: Timestamp(10),
            ..same.clone()
        },
        ConversationSummary {
            message_count: 3,
            ..same.clone()
        },
        ConversationSummary {
            unread_count: 0,
            ..same.clone()
        },
        ConversationSummary {
            flagged: true,
            ..same.clone()
        },
        ConversationSummary {
            has_attachments: true,
            ..same.clone()
        },
        ConversationSummary {
            snippet: Some(String::new()),
            ..same.clone()
        },
    ];
    for changed in changes {
        let done = s
            .commit(&a, T0, |t| t.put_conversation(changed.clone()))
            .unwrap();
        assert!(done.event.is_some(), "{changed:?}");
        let Some(Item::Conversation(stored)) = s.item(&a, c).unwrap() else {
            panic!("conversation {c} gone")
        };
        assert_eq!(
            (
                &stored.subject,
                &stored.participants,
                stored.first_date,
                stored.last_date,
                stored.message_count,
                stored.unread_count,
                stored.flagged,
                stored.has_attachments,
                &stored.snippet
            ),
            (
                &changed.subject,
                &changed.participants,
                changed.first_date,
                changed.last_date,
                changed.message_count,
                changed.unread_count,
                changed.flagged,
                changed.has_attachments,
                &changed.snippet
            )
        );
        // Back to the original, so the next case changes exactly one field.
        s.commit(&a, T0, |t| t.put_conversation(same.clone()))
            .unwrap();
    }
}

#[test]
fn message_updates_compare_only_their_columns_and_keep_their_errors() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let (m, c) = s
        .commit(&a, T0, |t| {
            let c = t.put_conversation(summary("x"))?;
            let mut new = message(folder_ids::INBOX, Some(4), Some(c));
            new.flags = vec!["\\Seen".into(), "$Label1".into()];
            new.snippet = Some("hi".into());
            Ok((t.insert_message(new)?, c))
        })
        .unwrap()
        .value;
    // Re-putting what is stored touches nothing (flags in another order included).
    let done = s
        .commit(&a, T0, |t| {
            assert!(matches!(t.item(m)?, Some(Item::Message(_))));
            t.move_message(m, folder_ids::INBOX, Some(4))?;
            t.update_message_flags(m, &["$Label1".into(), "\\Seen".into(), "\\Seen".into()])?;
            t.set_message_conversation(m, c)?;
            t.set_message_body(m, Some("hi"), false, false)
        })
        .unwrap();
    assert_eq!(done.event, None);
    // Each real change does.
    type Update = fn(&mut inboxd_store::Txn<'_>, ItemId) -> Result<(), StoreError>;
    let updates: [Update; 5] = [
        |t, m| t.move_message(m, folder_ids::INBOX, Some(5)),
        |t, m| t.move_message(m, folder_ids::INBOX, None),
        |t, m| t.update_message_flags(m, &["\\Seen".into()]),
        |t, m| t.set_message_body(m, Some("hi"), false, true),
        |t, m| t.set_message_body(m, None, false, true),
    ];
    for (i, update) in updates.iter().enumerate() {
        let done = s.commit(&a, T0, |t| update(t, m)).unwrap();
        assert!(done.event.is_some(), "update {i}");
    }
    let Some(Item::Message(stored)) = s.item(&a, m).unwrap() else {
        panic!("message {m} gone")
    };
    assert_eq!(
        (
            stored.imap_uid,
            stored.flags,
            stored.snippet,
            stored.body_fetched
        ),
        (None, vec!["\\Seen".to_string()], None, true)
    );
    // Errors: a missing message first, then a missing folder or conversation.
    let missing = ItemId(999);
    let errors = s
        .commit(&a, T0, |t| {
            Ok([
                t.move_message(missing, ItemId(998), None),
                t.move_message(m, ItemId(998), None),
                t.update_message_flags(missing, &[]),
                t.set_message_body(missing, None, false, false),
                t.set_message_conversation(missing, ItemId(998)),
                t.set_message_conversation(m, ItemId(998)),
                t.set_message_conversation(m, m),
                t.delete_message(missing),
                t.delete_message(c),
            ])
        })
        .unwrap()
        .value;
    assert_eq!(
        errors,
        [
            Err(StoreError::NoSuchItem),
            Err(StoreError::NoSuchFolder),
            Err(StoreError::NoSuchItem),
            Err(StoreError::NoSuchItem),
            Err(StoreError::NoSuchItem),
            Err(StoreError::NoSuchItem),
            Err(StoreError::NoSuchItem),
            Err(StoreError::NoSuchItem),
            Err(StoreError::NoSuchItem),
        ]
    );
}

#[test]
fn item_and_item_kind_find_every_kind_by_id() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let (c, m, contact) = s
        .commit(&a, T0, |t| {
            let c = t.put_conversation(summary("x"))?;
            let m = t.insert_message(message(folder_ids::INBOX, None, Some(c)))?;
            let attrs = [("fullName".to_string(), "Bob".to_string())].into();
            let contact = t.create_item(ItemType::Contact, folder_ids::CONTACTS, &attrs)?;
            assert!(matches!(t.item(m)?, Some(Item::Message(x)) if x.conversation == Some(c)));
            let kinds = [folder_ids::INBOX, m, c, contact, ItemId(9999)].map(|id| t.item_kind(id));
            assert_eq!(
                kinds,
                [
                    Ok(Some(ItemKind::Folder)),
                    Ok(Some(ItemKind::Message)),
                    Ok(Some(ItemKind::Conversation)),
                    Ok(Some(ItemKind::Contact)),
                    Ok(None)
                ]
            );
            Ok((c, m, contact))
        })
        .unwrap()
        .value;
    assert!(
        matches!(s.item(&a, folder_ids::INBOX).unwrap(), Some(Item::Folder(f)) if f.name == "Inbox")
    );
    assert!(
        matches!(s.item(&a, m).unwrap(), Some(Item::Message(x)) if x.from[0].email == "a@example.com")
    );
    assert!(matches!(s.item(&a, c).unwrap(), Some(Item::Conversation(x)) if x.subject == "x"));
    assert!(
        matches!(s.item(&a, contact).unwrap(), Some(Item::Generic(g)) if g.item_type == ItemType::Contact)
    );
    assert_eq!(s.item(&a, ItemId(9999)).unwrap(), None);
}

#[test]
fn a_conversation_replaced_several_times_in_one_transaction_keeps_the_last_values() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let before = s.change_id(&a).unwrap();
    let (c, repeat) = s
        .commit(&a, T0, |t| {
            let c = t.put_conversation(summary("x"))?;
            for n in 3..6 {
                let again = ConversationSummary {
                    id: Some(c),
                    message_count: n,
                    ..summary("x")
                };
                assert_eq!(t.put_conversation(again)?, c);
            }
            // The same values again, then a missing id: as outside a repeat.
            let same = ConversationSummary {
                id: Some(c),
                message_count: 5,
                ..summary("x")
            };
            let repeat = t.put_conversation(same)?;
            let missing = t.put_conversation(ConversationSummary {
                id: Some(ItemId(9999)),
                ..summary("x")
            });
            assert_eq!(missing, Err(StoreError::NoSuchItem));
            Ok((c, repeat))
        })
        .unwrap()
        .value;
    assert_eq!(repeat, c);
    let Some(Item::Conversation(stored)) = s.item(&a, c).unwrap() else {
        panic!("conversation {c} gone")
    };
    let now = s.change_id(&a).unwrap();
    assert_eq!(now.0, before.0 + 1);
    assert_eq!(
        (
            stored.message_count,
            stored.created_change,
            stored.mod_change
        ),
        (5, now, now)
    );
    // A later transaction's first replace stamps its own change id.
    s.commit(&a, T0, |t| {
        t.put_conversation(ConversationSummary {
            id: Some(c),
            message_count: 6,
            ..summary("x")
        })
    })
    .unwrap();
    let changes = s.changes_since(&a, now).unwrap();
    assert_eq!(changes.changed.len(), 1);
    assert_eq!(changes.changed[0].mod_change(), s.change_id(&a).unwrap());
}

#[test]
fn a_message_encoded_on_another_thread_and_placed_later_is_the_same_row() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let mut full = message(folder_ids::INBOX, Some(3), None);
    full.to = vec![Address {
        name: None,
        email: "t@example.com".into(),
    }];
    full.references = vec!["r1@x".into(), "r2@x".into()];
    full.flags = vec!["\\Seen".into(), "\\Flagged".into(), "\\Seen".into()];
    // Placed later, and its address lists given as borrowed pairs instead.
    let unplaced = NewMessage {
        folder: ItemId(0),
        conversation: None,
        imap_uid: None,
        references: vec!["old@x".into()],
        from: Vec::new(),
        to: vec![full.from[0].clone()],
        ..full.clone()
    };
    let (from, to) = (full.from.clone(), full.to.clone());
    let encoded = std::thread::spawn(move || {
        let pairs = |l: &[Address]| {
            AddressList::encode(l.iter().map(|a| (a.name.as_deref(), a.email.as_str())))
        };
        let mut row = unplaced.encode()?;
        row.set_addresses(pairs(&from), pairs(&to), pairs(&[]));
        row.set_thread_ids(std::iter::empty(), ["r1@x", "r2@x"].into_iter())?;
        Ok::<_, StoreError>(row)
    })
    .join()
    .unwrap()
    .unwrap();
    let (direct, placed) = s
        .commit(&a, T0, |t| {
            let direct = t.insert_message(full)?;
            let mut row = encoded;
            row.folder = folder_ids::INBOX;
            row.imap_uid = Some(4);
            Ok((direct, t.insert_encoded(row)?))
        })
        .unwrap()
        .value;
    let m = |id| match s.item(&a, id).unwrap() {
        Some(Item::Message(m)) => m,
        other => panic!("{other:?}"),
    };
    let (d, p) = (m(direct), m(placed));
    assert_eq!(p.imap_uid, Some(4));
    assert_eq!(p.flags, ["\\Flagged", "\\Seen"]);
    assert_eq!(
        (&p.to, &p.from, &p.cc, &p.references, &p.subject, p.folder),
        (&d.to, &d.from, &d.cc, &d.references, &d.subject, d.folder)
    );
    assert_eq!(p.from[0].name.as_deref(), Some("A \"q\""));
}

#[test]
fn bad_values_are_refused_when_encoding() {
    let mut bad_flag = message(folder_ids::INBOX, None, None);
    bad_flag.flags = vec!["two words".into()];
    assert!(matches!(bad_flag.encode(), Err(StoreError::Invalid(_))));
    let mut bad_ref = message(folder_ids::INBOX, None, None);
    bad_ref.references = vec![String::new()];
    assert!(matches!(bad_ref.encode(), Err(StoreError::Invalid(_))));
    let mut row = message(folder_ids::INBOX, None, None).encode().unwrap();
    for bad in ["a b@x", "", "tab\t@x"] {
        let r = row.set_thread_ids(["ok@x", bad].into_iter(), std::iter::empty());
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{bad:?}");
        let r = row.set_thread_ids(std::iter::empty(), [bad].into_iter());
        assert!(matches!(r, Err(StoreError::Invalid(_))), "{bad:?}");
    }
}
