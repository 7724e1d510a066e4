//! Scenarios adapted from gaia's test suite (§6.3 of the research notes) and the design doc's open cases.

use std::time::Duration;

use inboxd_imap_sync::testing::{MailBuilder, ToyServer, day_ms};
use inboxd_imap_sync::wire::{Command, FetchAttr, Response, SearchKey, Untagged};
use inboxd_imap_sync::{FolderKind, Input, MessageWrite, ProblemKind};

use crate::common::{add, add_inbox_run, assert_mirror, conversations, harness, partial_harness};

#[test]
fn empty_inbox_syncs_to_the_dawn_of_time() {
    let mut h = harness(ToyServer::new());
    h.sync();
    assert_mirror(&h);
    let st = h.store.sync_states.values().next().unwrap();
    assert!(st.fully_synced);
    assert_eq!(
        h.command_names(0),
        ["LOGIN", "CAPABILITY", "LIST", "EXAMINE", "UID SEARCH"]
    );
    // Offline restart from persisted state: nothing to do until connected again, and no re-grow after.
    h.online = false;
    h.restart();
    assert_eq!(
        h.engine.poll_timeout(),
        Some(h.now.plus(Duration::from_secs(1)))
    );
    h.online = true;
    let before = h.sent.len();
    h.advance_to_timeout();
    // Fully synced and empty: nothing is known, so there is no UID set to search (never an empty set).
    assert_eq!(
        h.command_names(before),
        ["LOGIN", "CAPABILITY", "LIST", "EXAMINE"]
    );
    assert_mirror(&h);
}

#[test]
fn four_messages_then_resync_finds_nothing_new() {
    let mut server = ToyServer::new();
    for (i, id) in ["a@x", "b@x", "c@x", "d@x"].iter().enumerate() {
        add(&mut server, "INBOX", id, i64::try_from(i).unwrap());
    }
    let mut h = harness(server);
    h.sync();
    assert_mirror(&h);
    assert_eq!(h.store.messages.len(), 4);
    let before = h.sent.len();
    h.sync();
    assert_mirror(&h);
    // UIDNEXT says nothing is new: no `UID FETCH n:*`; deletions by SEARCH, flags by FETCH.
    assert_eq!(
        h.command_names(before),
        ["LIST", "EXAMINE", "UID SEARCH", "UID FETCH"]
    );
}

#[test]
fn new_deleted_and_flag_changed_messages() {
    let mut server = ToyServer::new();
    let a = add(&mut server, "INBOX", "a@x", 3);
    let b = add(&mut server, "INBOX", "b@x", 2);
    add(&mut server, "INBOX", "c@x", 1);
    let mut h = harness(server);
    h.sync();
    assert_mirror(&h);
    h.server.expunge("INBOX", a);
    h.server.set_flags("INBOX", b, &["\\Seen", "\\Flagged"]);
    add(&mut h.server, "INBOX", "d@x", 0);
    let batches = h.batches.len();
    h.sync();
    assert_mirror(&h);
    assert_eq!(conversations(&h.store), [["b@x"], ["c@x"], ["d@x"]]);
    // a's conversation and its headerIdMap entry are gone (gaia leaked them).
    assert!(!h.store.header_ids.contains_key("a@x"));
    let conv_b = h
        .store
        .messages
        .values()
        .find(|m| m.message_id == "b@x")
        .unwrap()
        .conv;
    let summary = &h.store.conversations[&conv_b];
    assert!(summary.flagged);
    assert_eq!(summary.unread_count, 0);
    // The flag change went out as a flags-only write.
    let flag_writes = h.batches[batches..]
        .iter()
        .flat_map(|b| b.messages.values())
        .filter(|w| matches!(w, MessageWrite::Flags(_)))
        .count();
    assert_eq!(flag_writes, 1);
    // Only the new message's envelope was fetched.
    let header_fetches: Vec<&Command> = h
        .server
        .received
        .iter()
        .filter(|c| matches!(c, Command::UidFetch { items, .. } if items.iter().any(|i| matches!(i, FetchAttr::BodyPeekHeaderFields(_)))))
        .collect();
    assert_eq!(header_fetches.len(), 2);
}

#[test]
fn redundant_flag_fetches_change_nothing() {
    let mut server = ToyServer::new();
    let a = add(&mut server, "INBOX", "a@x", 1);
    server.set_flags("INBOX", a, &["\\Seen"]);
    let mut h = harness(server);
    h.sync();
    let batches = h.batches.len();
    // The server reports the same flags in another order and case: no write at all.
    h.server.set_flags("INBOX", a, &["\\SEEN", "\\Recent"]);
    h.sync();
    let writes: usize = h.batches[batches..].iter().map(|b| b.messages.len()).sum();
    assert_eq!(writes, 0);
    assert_mirror(&h);
}

/// Searches that carry a date criterion (grow windows).
fn date_searches(h: &inboxd_imap_sync::testing::Harness) -> usize {
    h.server
        .received
        .iter()
        .filter(|c| {
            matches!(
                c,
                Command::UidSearch {
                    criteria: SearchKey::And(_) | SearchKey::Since(_) | SearchKey::Before(_)
                }
            )
        })
        .count()
}

/// `(first, last)` UID of each header fetch, in order.
fn header_fetches(h: &inboxd_imap_sync::testing::Harness) -> Vec<(u32, u32)> {
    h.server
        .received
        .iter()
        .filter_map(|c| match c {
            Command::UidFetch { set, items }
                if items
                    .iter()
                    .any(|i| matches!(i, FetchAttr::BodyPeekHeaderFields(_))) =>
            {
                Some((set.first(), set.last()))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn mirror_mode_syncs_a_large_folder_whole_newest_first() {
    let mut server = ToyServer::new();
    add_inbox_run(&mut server, 130);
    let mut h = harness(server);
    h.sync();
    assert_mirror(&h);
    // No probe and no date window: the folder's UIDs, then their envelopes newest first.
    assert_eq!(date_searches(&h), 0);
    assert!(
        !h.server.received.iter().any(|c| matches!(
            c,
            Command::UidFetch { items, .. } if items == &[FetchAttr::Uid, FetchAttr::InternalDate]
        )),
        "no INTERNALDATE probe"
    );
    let fetched = header_fetches(&h);
    assert!(fetched.len() >= 2, "{fetched:?}");
    assert!(fetched.windows(2).all(|w| w[0].0 > w[1].1), "{fetched:?}");
    assert!(h.store.sync_states.values().all(|s| s.fully_synced));
}

#[test]
fn growing_a_large_folder_on_request_probes_dates_and_converges() {
    let mut server = ToyServer::new();
    add_inbox_run(&mut server, 130);
    let mut h = partial_harness(server);
    h.sync();
    let inbox = *h.store.folders.keys().next().unwrap();
    // Each requested grow probes INTERNALDATEs and takes one window; bounded.
    for _ in 0..20 {
        if h.store.sync_states.values().all(|s| s.fully_synced) {
            break;
        }
        h.input(Input::Grow { folder: inbox });
    }
    assert!(h.store.sync_states.values().all(|s| s.fully_synced));
    assert_mirror(&h);
    let probes = h
        .server
        .received
        .iter()
        .filter(|c| {
            matches!(
                c,
                Command::UidSearch {
                    criteria: SearchKey::All
                }
            )
        })
        .count();
    assert!(probes >= 2, "grows probe INTERNALDATEs, got {probes}");
    let windows = date_searches(&h);
    assert!(windows >= 3, "several date windows, got {windows}");
}

#[test]
fn scrambled_dates_fall_back_to_fixed_windows() {
    // Old mail at high sequence numbers: the date/sequence correlation fails, grows step back 3 days.
    let mut server = ToyServer::new();
    for i in 0..200 {
        let days_ago = if i % 2 == 0 { 300 - i } else { i / 4 };
        add(&mut server, "INBOX", &format!("m{i}@x"), days_ago);
    }
    let mut h = partial_harness(server);
    h.sync();
    let inbox = *h.store.folders.keys().next().unwrap();
    let before = h.store.sync_states[&inbox].since_date.unwrap();
    h.input(Input::Grow { folder: inbox });
    let after = h.store.sync_states[&inbox].since_date.unwrap();
    // The probe's samples disagree with sequence order: the window steps back the fixed 3 days.
    assert_eq!(
        before.as_millis() - after.as_millis(),
        3 * 86_400_000,
        "{before:?} -> {after:?}"
    );
}

#[test]
fn no_growth_without_request_when_not_mirroring() {
    let mut server = ToyServer::new();
    add_inbox_run(&mut server, 80);
    let mut h = partial_harness(server);
    h.sync();
    let first = h.store.messages.len();
    assert!(first > 0 && first < 80, "one window synced, got {first}");
    h.sync();
    assert_eq!(h.store.messages.len(), first, "a refresh does not grow");
    let inbox = *h.store.folders.keys().next().unwrap();
    h.input(Input::Grow { folder: inbox });
    assert!(h.store.messages.len() > first, "an explicit grow gets more");
}

#[test]
fn few_unknown_messages_sync_everything_back_to_1990_and_older() {
    let mut server = ToyServer::new();
    add(&mut server, "INBOX", "new@x", 1);
    // Dated 1985: only reachable because the whole-folder grow sends no SINCE.
    server.append(
        "INBOX",
        &MailBuilder::new("old@x", "old").build(),
        -473_385_600_000 + 1,
        &[],
    );
    let mut h = harness(server);
    h.sync();
    assert_mirror(&h);
    assert_eq!(h.store.messages.len(), 2);
}

#[test]
fn uidvalidity_change_resyncs_without_duplicate_conversations() {
    let mut server = ToyServer::new();
    server.add_mailbox("Sent", &["\\Sent"]);
    add(&mut server, "INBOX", "a@x", 2);
    server.append(
        "INBOX",
        &MailBuilder::new("b@x", "Re: a")
            .references(&["a@x"])
            .build(),
        day_ms(99, 1),
        &[],
    );
    server.append(
        "Sent",
        &MailBuilder::new("c@x", "Re: a")
            .references(&["a@x", "b@x"])
            .build(),
        day_ms(99, 2),
        &[],
    );
    let mut h = harness(server);
    h.sync();
    assert_eq!(conversations(&h.store), [["a@x", "b@x", "c@x"]]);
    h.server.reset_uid_validity("INBOX");
    h.sync();
    assert_mirror(&h);
    assert_eq!(conversations(&h.store), [["a@x", "b@x", "c@x"]]);
    assert_eq!(h.store.conversations.len(), 1);
    assert!(
        h.problems
            .iter()
            .any(|p| p.kind == ProblemKind::UidValidityChanged)
    );
}

#[test]
fn in_reply_to_only_reply_joins_its_parent() {
    let mut server = ToyServer::new();
    add(&mut server, "INBOX", "a@x", 2);
    server.append(
        "INBOX",
        &MailBuilder::new("b@x", "Re: x").in_reply_to("a@x").build(),
        day_ms(99, 1),
        &[],
    );
    let mut h = harness(server);
    h.sync();
    assert_eq!(conversations(&h.store), [["a@x", "b@x"]]);
}

#[test]
fn reply_before_parent_and_missing_root() {
    let mut server = ToyServer::new();
    // Two replies to a root we do not have share its id: one conversation with a placeholder.
    server.append(
        "INBOX",
        &MailBuilder::new("r1@x", "Re: r")
            .references(&["root@x"])
            .build(),
        day_ms(98, 1),
        &[],
    );
    server.append(
        "INBOX",
        &MailBuilder::new("r2@x", "Re: r")
            .references(&["root@x"])
            .build(),
        day_ms(98, 2),
        &[],
    );
    let mut h = harness(server);
    h.sync();
    assert_eq!(conversations(&h.store), [["r1@x", "r2@x"]]);
    assert!(h.store.header_ids.contains_key("root@x"));
    // The root arrives later and joins.
    h.server.append(
        "INBOX",
        &MailBuilder::new("root@x", "r").build(),
        day_ms(97, 1),
        &[],
    );
    h.sync();
    assert_eq!(conversations(&h.store), [["r1@x", "r2@x", "root@x"]]);
    assert_mirror(&h);
}

#[test]
fn a_linking_message_merges_two_conversations() {
    let mut server = ToyServer::new();
    add(&mut server, "INBOX", "a@x", 5);
    // c only knows b; b (arriving later) references a: a and c were split, b merges them.
    server.append(
        "INBOX",
        &MailBuilder::new("c@x", "Re: a").in_reply_to("b@x").build(),
        day_ms(97, 1),
        &[],
    );
    let mut h = harness(server);
    h.sync();
    assert_eq!(conversations(&h.store), [["a@x"], ["c@x"]]);
    let batches = h.batches.len();
    h.server.append(
        "INBOX",
        &MailBuilder::new("b@x", "Re: a")
            .references(&["a@x"])
            .build(),
        day_ms(98, 1),
        &[],
    );
    h.sync();
    assert_eq!(conversations(&h.store), [["a@x", "b@x", "c@x"]]);
    let merges: Vec<_> = h.batches[batches..]
        .iter()
        .flat_map(|b| b.merges.clone())
        .collect();
    assert_eq!(merges.len(), 1);
    // The older conversation (a's) survives; c's conversation record is deleted in the same batch.
    let a_conv = h
        .store
        .messages
        .values()
        .find(|m| m.message_id == "a@x")
        .unwrap()
        .conv;
    assert_eq!(merges[0].into, a_conv);
    assert_eq!(h.store.conversations.len(), 1);
    assert_eq!(h.store.conversations[&a_conv].message_count, 3);
    assert_mirror(&h);
}

#[test]
fn duplicates_across_folders_stay_distinct_in_one_conversation() {
    let mut server = ToyServer::new();
    server.add_mailbox("Sent", &["\\Sent"]);
    let raw = MailBuilder::new("dup@x", "hello").build();
    server.append("INBOX", &raw, day_ms(99, 1), &[]);
    server.append("Sent", &raw, day_ms(99, 1), &["\\Seen"]);
    let mut h = harness(server);
    h.sync();
    assert_mirror(&h);
    assert_eq!(conversations(&h.store), [["dup@x", "dup@x"]]);
    assert_eq!(
        h.store.conversations.values().next().unwrap().message_count,
        2
    );
    // Deleting one copy keeps the conversation.
    h.server.expunge("Sent", 1);
    h.sync();
    assert_mirror(&h);
    assert_eq!(conversations(&h.store), [["dup@x"]]);
}

#[test]
fn malformed_headers_keep_the_message_and_report() {
    let mut server = ToyServer::new();
    server.append(
        "INBOX",
        &MailBuilder::without_id("no id").build(),
        day_ms(99, 1),
        &[],
    );
    server.append(
        "INBOX",
        b"Subject: caf\xe9 \xff\r\nFrom: \xc3\r\nMessage-ID: <8bit@x>\r\n\r\nbody",
        day_ms(99, 2),
        &[],
    );
    server.append(
        "INBOX",
        b"\x00\x01garbage without colon\r\n\r\n",
        day_ms(99, 3),
        &[],
    );
    let huge = (0..20_000)
        .map(|i| format!("<r{i}@x>"))
        .collect::<Vec<_>>()
        .join(" ");
    server.append(
        "INBOX",
        &MailBuilder::new("huge@x", "huge")
            .header("References", &huge)
            .build(),
        day_ms(99, 4),
        &[],
    );
    let mut h = harness(server);
    h.sync();
    assert_mirror(&h);
    assert_eq!(h.store.messages.len(), 4);
    let missing = h
        .problems
        .iter()
        .filter(|p| p.kind == ProblemKind::MissingMessageId)
        .count();
    assert_eq!(missing, 2, "{:?}", h.problems);
    let huge_msg = h
        .store
        .messages
        .values()
        .find(|m| m.message_id == "huge@x")
        .unwrap();
    assert!(huge_msg.references.len() <= inboxd_threading::MAX_REFERENCES);
    // A synthesized id is stable: a restart and re-sync does not change it.
    let ids: Vec<String> = h
        .store
        .messages
        .values()
        .map(|m| m.message_id.clone())
        .collect();
    h.restart();
    h.sync();
    let again: Vec<String> = h
        .store
        .messages
        .values()
        .map(|m| m.message_id.clone())
        .collect();
    assert_eq!(ids, again);
}

#[test]
fn account_persistence_across_restarts() {
    let mut server = ToyServer::new();
    add_inbox_run(&mut server, 5);
    let mut h = harness(server);
    h.sync();
    // U1/U2: restart; only the added message is fetched, no grow from scratch.
    add(&mut h.server, "INBOX", "new@x", 0);
    let before = h.server.received.len();
    h.restart();
    assert_mirror(&h);
    let fetched_envelopes: usize = h.server.received[before..]
        .iter()
        .filter_map(|c| match c {
            Command::UidFetch { set, items }
                if items
                    .iter()
                    .any(|i| matches!(i, FetchAttr::BodyPeekHeaderFields(_))) =>
            {
                Some(set.len())
            }
            _ => None,
        })
        .map(|n| usize::try_from(n).unwrap())
        .sum();
    assert_eq!(fetched_envelopes, 1);
    // U3/U4: deletions and flag changes made while we were down are seen after the restart.
    h.server.expunge("INBOX", 1);
    h.server.set_flags("INBOX", 2, &["\\Seen"]);
    h.restart();
    h.sync();
    assert_mirror(&h);
    // U5: a body of a message deleted meanwhile fails gracefully.
    let umid = *h
        .store
        .locations
        .iter()
        .find(|(_, l)| l.uid == 3)
        .unwrap()
        .0;
    h.server.expunge("INBOX", 3);
    h.input(Input::FetchBody { umid });
    assert!(
        h.problems
            .iter()
            .any(|p| p.kind == ProblemKind::MessageVanished)
    );
    assert!(h.store.tasks.is_empty());
}

#[test]
fn connection_drops_mid_sync_recover_with_backoff() {
    let mut server = ToyServer::new();
    add_inbox_run(&mut server, 30);
    let mut h = harness(server);
    h.drop_after = Some(6);
    h.sync();
    let retry = h.engine.poll_timeout().expect("a reconnect is scheduled");
    assert_eq!(retry, h.now.plus(Duration::from_secs(1)));
    // A crash now: restart from what was committed, then finish.
    h.restart();
    for _ in 0..10 {
        if !h.advance_to_timeout() {
            break;
        }
        if h.store.tasks.is_empty() && !h.store.messages.is_empty() {
            break;
        }
    }
    assert_mirror(&h);
}

#[test]
fn folder_list_types_folders_and_tracks_deletions() {
    let mut server = ToyServer::new();
    server.add_mailbox("Sent Items", &[]);
    server.add_mailbox("Junk", &["\\Junk"]);
    server.add_mailbox("Archive2", &["\\Archive"]);
    server.add_mailbox("INBOX/Drafts", &[]);
    server.add_mailbox("IDN", &["\\Noselect"]);
    server.add_mailbox("IDN/Sent", &[]);
    server.add_mailbox("foo/bar/baz", &[]);
    add(&mut server, "foo/bar/baz", "deep@x", 1);
    let mut h = harness(server);
    h.sync();
    let kind = |p: &str| {
        h.store
            .folders
            .values()
            .find(|f| f.path == p)
            .map(|f| (f.kind, f.depth, f.selectable))
    };
    assert_eq!(kind("INBOX"), Some((FolderKind::Inbox, 1, true)));
    assert_eq!(kind("Sent Items"), Some((FolderKind::Sent, 1, true)));
    assert_eq!(kind("Junk"), Some((FolderKind::Junk, 1, true)));
    assert_eq!(kind("Archive2"), Some((FolderKind::Archive, 1, true)));
    assert_eq!(kind("INBOX/Drafts"), Some((FolderKind::Drafts, 2, true)));
    assert_eq!(kind("IDN"), Some((FolderKind::Normal, 1, false)));
    assert_eq!(kind("IDN/Sent"), Some((FolderKind::Normal, 2, true)));
    assert_eq!(kind("foo/bar/baz"), Some((FolderKind::Normal, 3, true)));
    // A second sync writes no folder.
    let batches = h.batches.len();
    h.sync();
    assert!(h.batches[batches..].iter().all(|b| b.folders.is_empty()));
    // A folder deleted upstream takes its messages and conversations with it.
    h.server.remove_mailbox("foo/bar/baz");
    h.sync();
    assert!(h.store.messages.is_empty() && h.store.conversations.is_empty());
    assert_mirror(&h);
}

#[test]
fn body_on_demand_gives_snippet_and_parts() {
    let mut server = ToyServer::new();
    let raw = b"Message-ID: <m@x>\r\nSubject: hi\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=XX\r\n\r\n--XX\r\nContent-Type: text/plain\r\n\r\n\
Hello   there,\r\nthis is the body.\r\n--XX\r\nContent-Type: application/pdf; name=a.pdf\r\n\
Content-Disposition: attachment; filename=a.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n--XX--\r\n";
    server.append("INBOX", raw, day_ms(99, 1), &[]);
    let mut h = harness(server);
    h.sync();
    let umid = *h.store.messages.keys().next().unwrap();
    h.input(Input::FetchBody { umid });
    let body = &h.bodies[&umid];
    assert_eq!(body.snippet, "Hello there, this is the body.");
    assert!(
        body.parts
            .iter()
            .any(|p| p.file_name.as_deref() == Some("a.pdf"))
    );
    let msg = &h.store.messages[&umid];
    assert!(msg.has_attachments);
    let summary = &h.store.conversations[&msg.conv];
    assert_eq!(
        summary.snippet.as_deref(),
        Some("Hello there, this is the body.")
    );
    assert!(h.store.tasks.is_empty());
}

#[test]
fn works_without_uidnext() {
    let mut server = ToyServer::new();
    server.no_uidnext = true;
    add_inbox_run(&mut server, 6);
    let mut h = harness(server);
    h.sync();
    assert_mirror(&h);
    add(&mut h.server, "INBOX", "late@x", 0);
    h.sync();
    assert_mirror(&h);
    let st = h.store.sync_states.values().next().unwrap();
    assert_eq!(st.last_high_uid, 7);
}

#[test]
fn refresh_timer_and_idle() {
    let mut server = ToyServer::new();
    server.capabilities.push("IDLE".into());
    let mut h = harness(server);
    h.config.use_idle = true;
    h.engine = inboxd_imap_sync::AccountSync::new(h.config.clone());
    h.sync();
    assert_eq!(h.sent.last(), Some(&Command::Idle));
    let wake = h.engine.poll_timeout().expect("a deadline while idling");
    assert_eq!(wake, h.now.plus(h.config.refresh_interval));
    add(&mut h.server, "INBOX", "a@x", 0);
    let before = h.sent.len();
    h.advance_to_timeout();
    assert_eq!(h.sent[before], Command::Done);
    assert_eq!(h.sent.last(), Some(&Command::Idle));
    assert_mirror(&h);
    // New mail pushed while idling ends IDLE and syncs it, without waiting for the timer.
    add(&mut h.server, "INBOX", "b@x", 0);
    let before = h.sent.len();
    h.input(Input::Response(Response::Untagged(Untagged::Exists(2))));
    assert_eq!(h.sent[before], Command::Done);
    assert_mirror(&h);
    assert_eq!(h.store.messages.len(), 2);
}

#[test]
fn long_uid_sets_are_chunked_and_never_empty() {
    let mut server = ToyServer::new();
    add_inbox_run(&mut server, 60);
    // Expunge every other message so the known UID set is sparse.
    for uid in (1..=60).step_by(2) {
        server.expunge("INBOX", uid);
    }
    let mut h = harness(server);
    h.sync();
    let before = h.server.received.len();
    h.sync();
    let searches: Vec<&Command> = h.server.received[before..]
        .iter()
        .filter(|c| matches!(c, Command::UidSearch { .. }))
        .collect();
    assert!(searches.len() > 1, "known UIDs searched in chunks");
    for c in &h.server.received {
        if let Command::UidSearch {
            criteria: SearchKey::Uid(set),
        }
        | Command::UidFetch { set, .. } = c
        {
            assert!(
                set.to_string().len() <= 40 || set.ranges().len() == 1,
                "{set}"
            );
        }
    }
    assert_mirror(&h);
}

#[test]
fn old_mail_arriving_late_is_found_by_a_later_grow() {
    // gaia "newy messages beyond oldest-synced discoverable": a new UID with an old date.
    let mut server = ToyServer::new();
    add_inbox_run(&mut server, 80);
    let mut h = partial_harness(server);
    h.sync();
    add(&mut h.server, "INBOX", "late-old@x", 75);
    h.sync();
    let has_late = |h: &inboxd_imap_sync::testing::Harness| {
        h.store
            .messages
            .values()
            .any(|m| m.message_id == "late-old@x")
    };
    assert!(!has_late(&h), "outside the window: left for a grow");
    let inbox = *h.store.folders.keys().next().unwrap();
    for _ in 0..20 {
        if h.store.sync_states[&inbox].fully_synced {
            break;
        }
        h.input(Input::Grow { folder: inbox });
    }
    assert!(has_late(&h));
    assert_mirror(&h);
}

#[test]
fn deletions_at_window_edges_really_delete() {
    // gaia test_imap_internaldate_search_ambiguity: 7 messages, one per day; #3, #4 and #6 deleted.
    let mut server = ToyServer::new();
    add_inbox_run(&mut server, 7);
    let mut h = harness(server);
    h.sync();
    for uid in [3, 4, 6] {
        h.server.expunge("INBOX", uid);
    }
    h.sync();
    assert_mirror(&h);
    assert_eq!(h.store.messages.len(), 4);
}

#[test]
fn shutdown_logs_out_and_stays_offline() {
    let mut h = harness(ToyServer::new());
    h.sync();
    let before = h.sent.len();
    h.input(Input::Shutdown);
    assert_eq!(h.command_names(before), ["LOGOUT"]);
    assert_eq!(h.engine.poll_timeout(), None);
    h.advance(Duration::from_secs(3600));
    assert_eq!(h.sent.len(), before + 1, "no reconnect after shutdown");
}
