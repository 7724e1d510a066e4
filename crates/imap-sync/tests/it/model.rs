//! Model-based property test: random upstream histories on the toy server, synced along the way with
//! restarts and dropped connections. After a final sync the store image must mirror the server, the
//! batches must equal the engine's state, and conversations must match `reference_threads`.

use std::collections::BTreeMap;

use inboxd_imap_sync::testing::{Harness, MailBuilder, ToyServer, check_mirror, day_ms};
use inboxd_imap_sync::{ConvId, Snapshot, Umid};
use inboxd_threading::{ThreadHeaders, canonical, reference_threads};
use proptest::prelude::*;

const FOLDERS: [&str; 3] = ["INBOX", "Sent", "Lists/rust"];

/// How a generated message points at others. Parents are given as a distance back: template `i` with
/// `Chain(k)` replies to template `i - 1 - k` (when that exists).
#[derive(Clone, Copy, Debug)]
enum Link {
    None,
    /// Full References chain to an earlier template.
    Chain(usize),
    /// In-Reply-To only.
    InReplyTo(usize),
    /// References a root that never arrives.
    Ghost(usize),
    /// No Message-ID at all.
    NoId,
}

#[derive(Clone, Debug)]
enum Op {
    Append {
        folder: usize,
        template: usize,
        day: i64,
        seen: bool,
    },
    Expunge {
        folder: usize,
        pick: usize,
    },
    Flag {
        folder: usize,
        pick: usize,
        flags: u8,
    },
    ResetValidity {
        folder: usize,
    },
    Sync,
    Restart,
    DropSoon(usize),
}

fn link() -> impl Strategy<Value = Link> {
    prop_oneof![
        3 => Just(Link::None),
        4 => (0usize..6).prop_map(Link::Chain),
        2 => (0usize..6).prop_map(Link::InReplyTo),
        1 => (0usize..4).prop_map(Link::Ghost),
        1 => Just(Link::NoId),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => (0usize..3, 0usize..64, 0i64..90, any::<bool>())
            .prop_map(|(folder, template, day, seen)| Op::Append { folder, template, day, seen }),
        2 => (0usize..3, any::<usize>()).prop_map(|(folder, pick)| Op::Expunge { folder, pick }),
        3 => (0usize..3, any::<usize>(), any::<u8>()).prop_map(|(folder, pick, flags)| Op::Flag { folder, pick, flags }),
        1 => (0usize..3).prop_map(|folder| Op::ResetValidity { folder }),
        3 => Just(Op::Sync),
        1 => Just(Op::Restart),
        1 => (0usize..12).prop_map(Op::DropSoon),
    ]
}

/// The raw message of template `i`, linking per `links[i]` (links only point to earlier templates).
fn parent(i: usize, link: Link) -> Option<usize> {
    match link {
        Link::Chain(k) | Link::InReplyTo(k) => i.checked_sub(1 + k),
        _ => None,
    }
}

fn raw(i: usize, links: &[Link]) -> Vec<u8> {
    let subject = format!("topic {i}");
    let chain = |j: usize| -> Vec<String> {
        // Ancestors of j, oldest first, then j itself (templates with no id contribute nothing).
        let mut out = Vec::new();
        let mut cur = Some(j);
        let mut guard = 0;
        while let (Some(k), true) = (cur, guard < 64) {
            guard += 1;
            if !matches!(links[k], Link::NoId) {
                out.push(format!("m{k}@x"));
            }
            cur = parent(k, links[k]);
        }
        out.reverse();
        out
    };
    let b = match links[i] {
        Link::NoId => MailBuilder::without_id(&subject),
        _ => MailBuilder::new(&format!("m{i}@x"), &subject),
    };
    let b = match (links[i], parent(i, links[i])) {
        (Link::Chain(_), Some(p)) => {
            let refs = chain(p);
            let refs: Vec<&str> = refs.iter().map(String::as_str).collect();
            b.references(&refs)
        }
        (Link::InReplyTo(_), Some(p)) if !matches!(links[p], Link::NoId) => {
            b.in_reply_to(&format!("m{p}@x"))
        }
        (Link::Ghost(g), _) => b.references(&[&format!("ghost{g}@x")]),
        _ => b,
    };
    b.header("Date", "Mon, 2 Mar 2020 10:00:00 +0000")
        .body(&format!("body {i}\r\n"))
        .build()
}

fn flags_of(bits: u8) -> Vec<&'static str> {
    let all = ["\\Seen", "\\Flagged", "\\Answered", "$Label1"];
    all.iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, f)| *f)
        .collect()
}

/// Conversations in the store as groups of umids.
fn engine_groups(store: &Snapshot) -> Vec<Vec<Umid>> {
    let mut by: BTreeMap<ConvId, Vec<Umid>> = BTreeMap::new();
    for m in store.messages.values() {
        by.entry(m.conv).or_default().push(m.umid);
    }
    canonical(by.into_values().collect())
}

fn reference_groups(store: &Snapshot) -> Vec<Vec<Umid>> {
    let msgs: Vec<(Umid, ThreadHeaders)> = store
        .messages
        .values()
        .map(|m| {
            let h = ThreadHeaders {
                message_id: Some(m.message_id.clone()),
                in_reply_to: m.in_reply_to.clone(),
                references: m.references.clone(),
            };
            (m.umid, h)
        })
        .collect();
    reference_threads(&msgs)
}

fn run(links: &[Link], ops: &[Op]) -> Result<(), TestCaseError> {
    let mut server = ToyServer::new();
    server.add_mailbox("Sent", &["\\Sent"]);
    server.add_mailbox("Lists", &["\\Noselect"]);
    server.add_mailbox("Lists/rust", &[]);
    let mut h = Harness::new(server, Harness::test_config(), crate::common::now());
    let mut removed_any = false;
    for op in ops {
        match op {
            Op::Append {
                folder,
                template,
                day,
                seen,
            } => {
                let flags: &[&str] = if *seen { &["\\Seen"] } else { &[] };
                h.server.append(
                    FOLDERS[*folder],
                    &raw(*template % links.len(), links),
                    day_ms(*day, 9),
                    flags,
                );
            }
            Op::Expunge { folder, pick } => {
                let mb = &h.server.mailboxes[FOLDERS[*folder]];
                if let Some(m) = mb.messages.get(pick % mb.messages.len().max(1)) {
                    let uid = m.uid;
                    h.server.expunge(FOLDERS[*folder], uid);
                    removed_any = true;
                }
            }
            Op::Flag {
                folder,
                pick,
                flags,
            } => {
                let mb = &h.server.mailboxes[FOLDERS[*folder]];
                if let Some(m) = mb.messages.get(pick % mb.messages.len().max(1)) {
                    let uid = m.uid;
                    h.server.set_flags(FOLDERS[*folder], uid, &flags_of(*flags));
                }
            }
            Op::ResetValidity { folder } => {
                h.server.reset_uid_validity(FOLDERS[*folder]);
                removed_any = true;
            }
            Op::Sync => h.sync(),
            Op::Restart => h.restart(),
            Op::DropSoon(n) => h.drop_after = Some(*n),
        }
        // Let reconnect timers fire (bounded).
        for _ in 0..3 {
            if h.engine.poll_timeout().is_none_or(|t| t > h.now) {
                break;
            }
            h.advance_to_timeout();
        }
    }
    h.drop_after = None;
    h.sync();
    check_mirror(&h.server, &h.store).map_err(TestCaseError::fail)?;
    if std::env::var("MODEL_STATS").is_ok() {
        eprintln!(
            "msgs {} convs {} merges {} problems {}",
            h.store.messages.len(),
            h.store.conversations.len(),
            h.batches.iter().map(|b| b.merges.len()).sum::<usize>(),
            h.problems.len()
        );
    }
    prop_assert_eq!(&h.store, &h.engine.snapshot());
    let engine = engine_groups(&h.store);
    let reference = reference_groups(&h.store);
    if removed_any {
        // Deleted messages may leave placeholder ids that still hold a conversation together (threads
        // never split), so the engine's grouping may be coarser, never finer.
        for group in &reference {
            let conv = h.store.messages[&group[0]].conv;
            prop_assert!(
                group.iter().all(|u| h.store.messages[u].conv == conv),
                "thread split: {:?}",
                group
            );
        }
    } else {
        prop_assert_eq!(&engine, &reference);
    }
    // A fresh engine syncing the final state from scratch groups exactly like the reference.
    let mut fresh = Harness::new(h.server.clone(), Harness::test_config(), h.now);
    fresh.sync();
    check_mirror(&fresh.server, &fresh.store).map_err(TestCaseError::fail)?;
    prop_assert_eq!(engine_groups(&fresh.store), reference_groups(&fresh.store));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn sync_converges_to_upstream(
        links in proptest::collection::vec(link(), 64),
        ops in proptest::collection::vec(op(), 1..120),
    ) {
        run(&links, &ops)?;
    }
}
