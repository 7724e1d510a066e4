//! Store bench (`cargo bench -p inboxd-store`): commit latency (one contact per commit, with and without
//! a subscriber), message inserts batched per commit, `changes_since` and `log_since` over the result, and
//! the sync-like insert workload (`sync_like.rs`). Prints one line per phase. Speed lives here, never in tests.
//! `cargo bench -p inboxd-store -- sync` runs only the sync-like case (handy under `perf record`), `sync1`
//! runs its inserts once and `reput1` inserts and re-puts once (for
//! `valgrind --tool=callgrind --toggle-collect='inboxd_store::store::Store::write*'`).

#![allow(clippy::disallowed_methods)] // a bench measures wall time on purpose

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use inboxd_model::{ChangeId, CommitSeq, ItemType, Timestamp};
use inboxd_store::{NewAccount, NewMessage, Store, StoreOptions, folder_ids};

#[path = "store/sync_like.rs"]
mod sync_like;

const NOW: Timestamp = Timestamp(1_700_000_000_000);

fn report(phase: &str, n: usize, took: Duration) {
    let per = took.as_nanos() as f64 / n.max(1) as f64;
    println!("{phase:<40} n={n:>6}  total={took:>9.2?}  per-op={per:>10.0} ns");
}

/// Best of `runs` fresh runs: the machine is shared, the minimum is the least disturbed one. One run is
/// enough under `valgrind --tool=callgrind` (instruction counts do not vary).
fn sync_like_case(runs: usize, reput: bool) -> Result<(), Box<dyn std::error::Error>> {
    let (mut insert, mut again) = (Duration::MAX, Duration::MAX);
    for _ in 0..runs {
        let t = sync_like::run(reput)?;
        insert = insert.min(t.insert);
        again = again.min(t.reput);
    }
    let n = sync_like::MESSAGES;
    report(&format!("sync-like insert (best of {runs})"), n, insert);
    let per_msg = |d: Duration| d.as_secs_f64() * 1e6 / n as f64;
    println!("sync-like insert: {:.1} µs per message", per_msg(insert));
    if reput {
        report(&format!("sync-like re-put (best of {runs})"), n, again);
        println!("sync-like re-put: {:.1} µs per message", per_msg(again));
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let arg = |a: &str| std::env::args().any(|x| x == a);
    let once = arg("sync1") || arg("reput1");
    sync_like_case(if once { 1 } else { 3 }, !arg("sync1"))?;
    if once || arg("sync") {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path(), StoreOptions::default())?;
    let account = store
        .create_account(
            NewAccount {
                name: "bench@example.com".into(),
                password_hash: "h".into(),
                admin: false,
                imap: None,
            },
            NOW,
        )?
        .id;
    let attrs: BTreeMap<String, String> = [("fullName".to_string(), "Bob".to_string())].into();

    let n = 2_000;
    let start = Instant::now();
    for _ in 0..n {
        store.commit(&account, NOW, |t| {
            t.create_item(ItemType::Contact, folder_ids::CONTACTS, &attrs)
        })?;
    }
    report("commit: 1 contact", n, start.elapsed());

    let events = store.subscribe();
    let start = Instant::now();
    for _ in 0..n {
        store.commit(&account, NOW, |t| {
            t.create_item(ItemType::Task, folder_ids::TASKS, &attrs)
        })?;
    }
    report("commit: 1 task, 1 subscriber", n, start.elapsed());
    assert_eq!(events.try_iter().count(), n);

    let batches = 100;
    let per_batch = 100;
    let start = Instant::now();
    for b in 0..batches {
        store.commit(&account, NOW, |t| {
            for i in 0..per_batch {
                t.insert_message(NewMessage {
                    folder: folder_ids::INBOX,
                    imap_uid: Some((b * per_batch + i + 1) as u32),
                    subject: format!("message {b}/{i}"),
                    flags: vec!["\\Seen".into()],
                    ..Default::default()
                })?;
            }
            Ok(())
        })?;
    }
    report(
        "insert_message, 100 per commit",
        batches * per_batch,
        start.elapsed(),
    );

    let start = Instant::now();
    let changes = store.changes_since(&account, ChangeId(1))?;
    report(
        "changes_since (all items)",
        changes.changed.len(),
        start.elapsed(),
    );

    let start = Instant::now();
    let log = store.log_since(CommitSeq(0), usize::MAX)?;
    report("log_since (whole log)", log.len(), start.elapsed());

    let start = Instant::now();
    for _ in 0..n {
        store.change_id(&account)?;
    }
    report("change_id", n, start.elapsed());
    Ok(())
}
