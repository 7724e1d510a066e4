//! Concurrent commits and reads keep change ids and commit seqs dense and monotonic.

use std::collections::BTreeMap;
use std::thread;

use inboxd_model::{AccountId, CommitSeq, ItemType};
use inboxd_store::folder_ids;

use crate::support::{T0, account, attrs, store};

const THREADS: usize = 4;
const COMMITS: usize = 25;

#[test]
fn concurrent_commits_keep_change_ids_and_seqs_dense_and_ordered() {
    let (_d, s) = store();
    let shared = account(&s, "shared@example.com");
    let own: Vec<AccountId> = (0..THREADS)
        .map(|i| account(&s, &format!("u{i}@example.com")))
        .collect();
    let events = s.subscribe();
    let start = s.last_commit_seq().unwrap();

    let handles: Vec<_> = own
        .iter()
        .cloned()
        .map(|mine| {
            let s = s.clone();
            let shared = shared.clone();
            thread::spawn(move || {
                for i in 0..COMMITS {
                    let target = if i % 2 == 0 { &mine } else { &shared };
                    s.commit(target, T0, |t| {
                        t.create_item(
                            ItemType::Contact,
                            folder_ids::CONTACTS,
                            &attrs(&[("n", "x")]),
                        )
                    })
                    .unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }

    let received: Vec<_> = events.try_iter().collect();
    assert_eq!(received.len(), THREADS * COMMITS);
    // Commit seqs are dense and in order.
    for (i, ev) in received.iter().enumerate() {
        assert_eq!(ev.commit_seq.0, start.0 + 1 + i as u64);
    }
    // Per account, change ids go up by exactly one per commit, in seq order.
    let mut last: BTreeMap<&AccountId, u64> = BTreeMap::new();
    for ev in &received {
        let prev = last.entry(&ev.account).or_insert(1);
        assert_eq!(ev.change_id.0, *prev + 1, "account {}", ev.account);
        *prev = ev.change_id.0;
    }
    // Odd iterations go to the shared account.
    let shared_commits = THREADS * (COMMITS / 2);
    assert_eq!(s.change_id(&shared).unwrap().0, 1 + shared_commits as u64);
    // The log agrees with the events.
    let log = s.log_since(start, 1000).unwrap();
    let from_log: Vec<_> = log
        .iter()
        .map(|e| (e.seq, e.account.clone(), e.change_id))
        .collect();
    let from_events: Vec<_> = received
        .iter()
        .map(|e| (e.commit_seq, e.account.clone(), e.change_id))
        .collect();
    assert_eq!(from_log, from_events);
    assert_eq!(
        s.last_commit_seq().unwrap(),
        CommitSeq(start.0 + (THREADS * COMMITS) as u64)
    );
}

#[test]
fn readers_on_other_threads_see_committed_state() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let reader = {
        let s = s.clone();
        let a = a.clone();
        thread::spawn(move || {
            // Each read is a snapshot: the change id never goes backwards between reads.
            let mut last = 0;
            for _ in 0..50 {
                let now = s.change_id(&a).unwrap().0;
                assert!(now >= last);
                last = now;
            }
        })
    };
    for _ in 0..20 {
        s.commit(&a, T0, |t| {
            t.create_item(ItemType::Task, folder_ids::TASKS, &attrs(&[("n", "t")]))
        })
        .unwrap();
    }
    reader.join().unwrap();
    assert_eq!(s.change_id(&a).unwrap().0, 21);
}
