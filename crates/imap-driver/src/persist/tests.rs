//! Round trip: batches from the engine's toy-server harness, applied to a real store, must load back as the
//! exact snapshot the engine expects, and the store's items must match it.

use std::collections::BTreeMap;

use inboxd_imap_sync::testing::{Harness, MailBuilder, ToyServer, day_ms};
use inboxd_imap_sync::{Batch, FolderId};
use inboxd_model::{AccountId, Timestamp};
use inboxd_store::{NewAccount, Store, StoreOptions, folder_ids};

use super::{Mirror, apply, load};

fn store() -> (tempfile::TempDir, Store, AccountId) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let acct = store
        .create_account(
            NewAccount {
                name: "a@example.com".into(),
                password_hash: "x".into(),
                admin: false,
                imap: None,
            },
            Timestamp(1),
        )
        .unwrap()
        .id;
    (dir, store, acct)
}

/// The engine's harness on `server`, after one sync.
fn synced(server: ToyServer) -> Harness {
    let mut h = Harness::new(
        server,
        Harness::test_config(),
        Timestamp(day_ms(10, 0) as u64),
    );
    h.sync();
    h
}

fn apply_all(store: &Store, acct: &AccountId, batches: &[Batch], mirror: &mut Mirror) {
    for b in batches {
        store
            .commit(acct, Timestamp(2), |t| apply(t, b, mirror))
            .unwrap();
    }
}

/// Stored messages per folder path → UIDs.
fn stored_uids(store: &Store, acct: &AccountId) -> BTreeMap<String, Vec<u32>> {
    store
        .folders(acct)
        .unwrap()
        .into_iter()
        .filter_map(|f| {
            let path = f.imap_path.clone()?;
            let mut uids: Vec<u32> = store
                .messages_in_folder(acct, f.id)
                .unwrap()
                .iter()
                .filter_map(|m| m.imap_uid)
                .collect();
            uids.sort_unstable();
            Some((path, uids))
        })
        .collect()
}

fn snapshot_uids(h: &Harness) -> BTreeMap<String, Vec<u32>> {
    let path = |f: FolderId| {
        h.store
            .folders
            .get(&f)
            .map(|f| f.path.clone())
            .unwrap_or_default()
    };
    let mut out: BTreeMap<String, Vec<u32>> = h
        .store
        .folders
        .values()
        .map(|f| (f.path.clone(), Vec::new()))
        .collect();
    for loc in h.store.locations.values() {
        out.entry(path(loc.folder)).or_default().push(loc.uid);
    }
    out.values_mut().for_each(|v| v.sort_unstable());
    out
}

fn check(h: &Harness, store: &Store, acct: &AccountId, mirror: &mut Mirror, applied: &mut usize) {
    apply_all(store, acct, &h.batches[*applied..], mirror);
    *applied = h.batches.len();
    let (snap, _) = load(store, acct).unwrap();
    assert_eq!(
        snap, h.store,
        "store round trip differs from the engine's image"
    );
    assert_eq!(stored_uids(store, acct), snapshot_uids(h));
    let convs = store.conversations(acct).unwrap();
    assert_eq!(convs.len(), h.store.conversations.len());
}

#[test]
fn batches_round_trip_through_the_store() {
    let mut server = ToyServer::new();
    server.add_mailbox("Archive", &["\\HasChildren"]);
    server.add_mailbox("Archive/2025", &[]);
    server.add_mailbox("Sent", &["\\Sent"]);
    let mail = |id: &str, subject: &str| MailBuilder::new(id, subject).build();
    server.append("INBOX", &mail("a@x", "Hello"), day_ms(1, 9), &["\\Seen"]);
    let reply = MailBuilder::new("b@x", "Re: Hello")
        .in_reply_to("<a@x>")
        .references(&["<a@x>"])
        .build();
    server.append("INBOX", &reply, day_ms(2, 9), &[]);
    server.append(
        "Archive/2025",
        &mail("c@x", "Old ü"),
        day_ms(1, 8),
        &["$Label1"],
    );
    server.append(
        "Sent",
        &MailBuilder::without_id("No id").build(),
        day_ms(3, 8),
        &[],
    );
    let mut h = synced(server);

    let (_dir, store, acct) = store();
    let mut mirror = Mirror::default();
    let mut applied = 0;
    check(&h, &store, &acct, &mut mirror, &mut applied);
    let folders = store.folders(&acct).unwrap();
    let by_path = |p: &str| {
        folders
            .iter()
            .find(|f| f.imap_path.as_deref() == Some(p))
            .unwrap()
    };
    assert_eq!(
        by_path("Sent").id,
        folder_ids::SENT,
        "special-use \\Sent adopts the system folder"
    );
    assert_eq!(by_path("INBOX").id, folder_ids::INBOX);
    assert_eq!(by_path("Archive/2025").parent, Some(by_path("Archive").id));
    assert_eq!(by_path("Archive/2025").name, "2025");

    h.server.set_flags("INBOX", 2, &["\\Flagged"]);
    h.server.expunge("INBOX", 1);
    h.server.reset_uid_validity("Archive/2025");
    h.server.remove_mailbox("Sent");
    h.server
        .append("INBOX", &mail("d@x", "New"), day_ms(9, 9), &[]);
    h.sync();
    check(&h, &store, &acct, &mut mirror, &mut applied);

    let sent = store.item(&acct, folder_ids::SENT).unwrap();
    assert!(
        matches!(sent, Some(inboxd_store::Item::Folder(f)) if f.imap_path.is_none()),
        "a vanished mailbox releases its system folder"
    );

    // A restart loads the same state the batches built.
    let (_, reloaded) = load(&store, &acct).unwrap();
    assert_eq!(reloaded.messages.len(), h.store.messages.len());
    assert_eq!(reloaded.folders.len(), h.store.folders.len());
}

/// Batches queued behind a running commit are applied together in one transaction (`commits.rs`): the store must
/// end up exactly as with one commit per batch.
#[test]
fn batches_applied_in_one_commit_equal_one_commit_each() {
    let mut server = ToyServer::new();
    for n in 0..12u32 {
        let parent = (n % 3 != 0).then(|| format!("<m{}@x>", n - 1));
        let mut mail = MailBuilder::new(&format!("m{n}@x"), &format!("Topic {}", n / 3));
        if let Some(p) = &parent {
            mail = mail.in_reply_to(p).references(&[p.as_str()]);
        }
        server.append("INBOX", &mail.build(), day_ms(1, i64::from(n)), &[]);
    }
    let mut h = synced(server);
    h.server.set_flags("INBOX", 2, &["\\Seen"]);
    h.server.expunge("INBOX", 4);
    h.sync();
    assert!(h.batches.len() > 2, "the scenario makes several batches");

    let (_d1, one_each, a1) = store();
    apply_all(&one_each, &a1, &h.batches, &mut Mirror::default());
    let (_d2, together, a2) = store();
    let mut mirror = Mirror::default();
    together
        .commit(&a2, Timestamp(2), |t| {
            for b in &h.batches {
                apply(t, b, &mut mirror)?;
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(
        load(&one_each, &a1).unwrap().0,
        load(&together, &a2).unwrap().0
    );
    assert_eq!(stored_uids(&one_each, &a1), stored_uids(&together, &a2));
    let convs = |s: &Store, a: &AccountId| {
        let mut v: Vec<(String, u32)> = s
            .conversations(a)
            .unwrap()
            .into_iter()
            .map(|c| (c.subject, c.message_count))
            .collect();
        v.sort();
        v
    };
    assert_eq!(convs(&one_each, &a1), convs(&together, &a2));
    assert_eq!(load(&together, &a2).unwrap().0, h.store);
}

/// Sync state remembers its mailbox: the same source resumes; another one (here: another user) starts from an
/// empty mirror, whichever way the account was changed.
#[test]
fn state_of_another_mailbox_is_forgotten_before_loading() {
    let (_d, store, acct) = store();
    let src = |user: &str| inboxd_store::ImapSource {
        host: "IMAP.example.com".into(),
        port: 993,
        security: inboxd_store::ImapSecurity::Tls,
        user: user.into(),
        password: "pw".into(),
    };
    let mut server = ToyServer::new();
    server.append(
        "INBOX",
        &MailBuilder::new("a@x", "Hello").build(),
        day_ms(1, 9),
        &[],
    );
    let h = synced(server);

    // Recorded on first sight (state of older builds is adopted), kept for the same mailbox.
    assert!(!super::check_source(&store, &acct, &src("ann"), Timestamp(2)).unwrap());
    apply_all(&store, &acct, &h.batches, &mut Mirror::default());
    let mut other_case = src("ann");
    other_case.host = "imap.EXAMPLE.com".into();
    other_case.password = "new".into();
    assert!(!super::check_source(&store, &acct, &other_case, Timestamp(3)).unwrap());
    assert_eq!(load(&store, &acct).unwrap().0, h.store);

    // Another user on the same server is another mailbox.
    assert!(super::check_source(&store, &acct, &src("bob"), Timestamp(4)).unwrap());
    let (snap, mirror) = load(&store, &acct).unwrap();
    assert!(
        snap.messages.is_empty() && snap.folders.is_empty(),
        "{snap:?}"
    );
    assert!(mirror.messages.is_empty());
    assert!(store.messages(&acct).unwrap().is_empty());
    assert!(!super::check_source(&store, &acct, &src("bob"), Timestamp(5)).unwrap());
}

/// Locations ride in the message records they are written with; a `loc` row, newer, overrides them — also to
/// say "no location any more" — and a deleted record's location survives it. Checked against the batches'
/// reference semantics (`Snapshot::apply`).
#[test]
fn locations_in_records_and_rows_load_as_the_batches_say() {
    use inboxd_imap_sync::{Location, MessageWrite, Snapshot};

    let mut server = ToyServer::new();
    for (n, id) in ["a@x", "b@x"].iter().enumerate() {
        let day = i64::try_from(n).unwrap() + 1;
        server.append(
            "INBOX",
            &MailBuilder::new(id, "Hi").build(),
            day_ms(day, 9),
            &[],
        );
    }
    let h = synced(server);
    let (_d, store, acct) = store();
    let mut mirror = Mirror::default();
    apply_all(&store, &acct, &h.batches, &mut mirror);
    let rows = |s: &Store| s.sync_load(&acct, super::codec::space::LOCATION).unwrap();
    assert!(
        rows(&store).is_empty(),
        "synced messages carry their locations"
    );
    assert_eq!(load(&store, &acct).unwrap().0, h.store);

    let mut expected: Snapshot = h.store.clone();
    let mut umids = expected.messages.keys().copied();
    let (a, b) = (umids.next().unwrap(), umids.next().unwrap());
    let moved = Location {
        uid: 99,
        ..expected.locations[&a]
    };
    let steps = [
        // a loses its location, its record stays: a "null" row overrides the one it carries.
        Batch {
            locations: [(a, None)].into(),
            ..Batch::default()
        },
        // b's record goes, its location stays (an expunge still to go upstream).
        Batch {
            messages: [(b, MessageWrite::Delete)].into(),
            ..Batch::default()
        },
        // a is written again with a new location: the record carries it, the row goes.
        Batch {
            locations: [(a, Some(moved))].into(),
            messages: [(a, MessageWrite::Put(expected.messages[&a].clone().into()))].into(),
            ..Batch::default()
        },
    ];
    for (n, step) in steps.iter().enumerate() {
        apply_all(&store, &acct, std::slice::from_ref(step), &mut mirror);
        expected.apply(step);
        let (snap, _) = load(&store, &acct).unwrap();
        assert_eq!(snap.locations, expected.locations, "step {n}");
        assert_eq!(
            snap.messages.keys().collect::<Vec<_>>(),
            expected.messages.keys().collect::<Vec<_>>(),
            "step {n}"
        );
    }
    let keys: Vec<String> = rows(&store).into_iter().map(|(k, _)| k).collect();
    assert_eq!(
        keys,
        [b.0.to_string()],
        "only the deleted record's location needs a row"
    );
}

/// The headerIdMap loads back exactly (`check`) while only entries no message record can give back have a
/// `hid` row: the ids of a deleted message whose conversation lives on, and those ids after a merge.
#[test]
fn header_ids_load_from_records_and_rows_only_where_records_cannot_say() {
    let hid_rows = |store: &Store, acct: &AccountId| -> BTreeMap<String, String> {
        store
            .sync_load(acct, super::codec::space::HEADER_ID)
            .unwrap()
            .into_iter()
            .collect()
    };
    let mut server = ToyServer::new();
    let mail = |id: &str, subject: &str| MailBuilder::new(id, subject).build();
    let reply = |id: &str, to: &str| {
        MailBuilder::new(id, "Re: x")
            .in_reply_to(&format!("<{to}>"))
            .references(&[&format!("<{to}>")])
            .build()
    };
    server.append("INBOX", &mail("a@x", "A"), day_ms(1, 9), &[]);
    server.append("INBOX", &reply("b@x", "a@x"), day_ms(1, 10), &[]);
    server.append("INBOX", &mail("c@x", "C"), day_ms(1, 11), &[]);
    server.append("INBOX", &reply("d@x", "c@x"), day_ms(1, 12), &[]);
    let mut h = synced(server);
    let (_dir, store, acct) = store();
    let mut mirror = Mirror::default();
    let mut applied = 0;
    check(&h, &store, &acct, &mut mirror, &mut applied);
    assert!(
        hid_rows(&store, &acct).is_empty(),
        "every entry of a fresh sync is in the records"
    );

    // The replies go; their conversations live on, and so do their ids (a late reply to b@x still joins).
    h.server.expunge("INBOX", 2);
    h.server.expunge("INBOX", 4);
    h.sync();
    check(&h, &store, &acct, &mut mirror, &mut applied);
    let rows = hid_rows(&store, &acct);
    assert_eq!(
        rows.keys().collect::<Vec<_>>(),
        ["a@x", "b@x", "c@x", "d@x"],
        "the deleted replies' ids"
    );

    // A message linking both conversations merges them: the rows of the deleted replies' ids follow them
    // to the kept one; the absorbed conversation's rows for ids the new record lists go (the kept one's
    // stay, still right).
    let link = MailBuilder::new("m@x", "Re: both")
        .references(&["<a@x>", "<c@x>"])
        .build();
    h.server.append("INBOX", &link, day_ms(2, 9), &[]);
    h.sync();
    check(&h, &store, &acct, &mut mirror, &mut applied);
    let kept = h.store.header_ids.get("m@x").unwrap().0.to_string();
    let rows = hid_rows(&store, &acct);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.contains_key("b@x") && rows.contains_key("d@x"));
    assert!(rows.values().all(|c| *c == kept), "{rows:?} vs {kept}");

    // Everything goes: the conversation and its rows with it.
    h.server.expunge("INBOX", 1);
    h.server.expunge("INBOX", 3);
    h.server.expunge("INBOX", 5);
    h.sync();
    check(&h, &store, &acct, &mut mirror, &mut applied);
    assert!(hid_rows(&store, &acct).is_empty());
}

/// Random histories (new messages replying to random earlier ids, copies of one message in two folders,
/// expunges, flag changes, the driver restarting) load back as the engine's exact state after every sync:
/// what the headerIdMap derives from records and what it keeps in rows must add up through merges and
/// deletions.
#[test]
fn random_histories_round_trip_through_the_store() {
    for seed in 1..=12u64 {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut next = move |n: u64| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state % n
        };
        let mut server = ToyServer::new();
        server.add_mailbox("Sent", &["\\Sent"]);
        let mut h = synced(server);
        let (_dir, store, acct) = store();
        let mut mirror = Mirror::default();
        let mut applied = 0;
        let mut made = 0u64;
        let mut live: Vec<(&str, u32)> = Vec::new();
        for step in 0..16 {
            for _ in 0..=next(4) {
                let folder = if next(3) == 0 { "Sent" } else { "INBOX" };
                match next(10) {
                    0..=5 => {
                        let refs: Vec<String> = (0..next(4))
                            .filter(|_| made > 0)
                            .map(|_| format!("<m{}@x>", next(made + 2)))
                            .collect();
                        let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
                        let mut mail = MailBuilder::new(&format!("m{made}@x"), "Topic");
                        if let Some(last) = refs.last() {
                            mail = mail.in_reply_to(last).references(&refs);
                        }
                        let uid = h.server.append(folder, &mail.build(), day_ms(1, 9), &[]);
                        live.push((folder, uid));
                        made += 1;
                    }
                    6 if made > 0 => {
                        // A copy of an earlier message (same Message-ID) in the folder.
                        let id = format!("m{}@x", next(made));
                        let raw = MailBuilder::new(&id, "Copy").build();
                        let uid = h.server.append(folder, &raw, day_ms(1, 10), &["\\Seen"]);
                        live.push((folder, uid));
                    }
                    7 | 8 if !live.is_empty() => {
                        let (f, uid) = live.swap_remove(next(live.len() as u64) as usize);
                        h.server.expunge(f, uid);
                    }
                    _ if !live.is_empty() => {
                        let (f, uid) = live[next(live.len() as u64) as usize];
                        h.server.set_flags(f, uid, &["\\Seen", "\\Flagged"]);
                    }
                    _ => {}
                }
            }
            h.sync();
            check(&h, &store, &acct, &mut mirror, &mut applied);
            if step % 5 == 4 {
                // The driver restarts: its maps come from the store.
                mirror = load(&store, &acct).unwrap().1;
            }
        }
    }
}
