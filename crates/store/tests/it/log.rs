//! The change log: contents, limits, retention trimming, commit seqs across reopen.

use std::time::Duration;

use inboxd_model::{ChangeId, CommitSeq, ItemType};
use inboxd_store::{Store, StoreError, StoreOptions, folder_ids};

use crate::support::{HOUR, T0, at, attrs, new_account};

fn store_with_retention(dir: &std::path::Path, retention: Duration) -> Store {
    Store::open(dir, StoreOptions { retention }).unwrap()
}

fn add_task(s: &Store, a: &inboxd_model::AccountId, when: inboxd_model::Timestamp) -> CommitSeq {
    s.commit(a, when, |t| {
        t.create_item(ItemType::Task, folder_ids::TASKS, &attrs(&[("n", "t")]))
    })
    .unwrap()
    .event
    .unwrap()
    .commit_seq
}

#[test]
fn default_retention_is_seven_days() {
    assert_eq!(
        StoreOptions::default().retention,
        Duration::from_secs(7 * 24 * 3600)
    );
}

#[test]
fn trimming_drops_old_rows_and_tokens_that_needed_them() {
    let dir = tempfile::tempdir().unwrap();
    let s = store_with_retention(dir.path(), HOUR);
    let a = s
        .create_account(new_account("a@example.com"), T0)
        .unwrap()
        .id; // change 1, seq 1
    add_task(&s, &a, at(10)); // change 2, seq 2
    add_task(&s, &a, at(120)); // change 3, seq 3
    assert_eq!(
        s.trim_log(at(60)).unwrap(),
        0,
        "nothing is older than an hour yet"
    );

    // At 2h30 the cutoff is 1h30: the first two rows go.
    assert_eq!(s.trim_log(at(150)).unwrap(), 2);
    assert_eq!(s.trim_log(at(150)).unwrap(), 0, "trimming is idempotent");
    assert_eq!(s.log_floor().unwrap(), CommitSeq(2));
    assert_eq!(s.last_commit_seq().unwrap(), CommitSeq(3));

    // Log readers: from before the floor must resync; from the floor on they get the rest.
    assert_eq!(
        s.log_since(CommitSeq(0), 10).unwrap_err(),
        StoreError::MustResync
    );
    assert_eq!(
        s.log_since(CommitSeq(1), 10).unwrap_err(),
        StoreError::MustResync
    );
    let rest = s.log_since(CommitSeq(2), 10).unwrap();
    assert_eq!(rest.iter().map(|e| e.seq.0).collect::<Vec<_>>(), [3]);

    // Sync tokens: 1 needed row 2 (trimmed); 2 needs only row 3; 0 is a full sync.
    assert_eq!(
        s.changes_since(&a, ChangeId(1)).unwrap_err(),
        StoreError::MustResync
    );
    assert_eq!(s.changes_since(&a, ChangeId(2)).unwrap().changed.len(), 1);
    assert_eq!(s.changes_since(&a, ChangeId(0)).unwrap().changed.len(), 12);
}

#[test]
fn trimming_everything_keeps_seqs_and_floors_provable() {
    let dir = tempfile::tempdir().unwrap();
    let s = store_with_retention(dir.path(), HOUR);
    let a = s
        .create_account(new_account("a@example.com"), T0)
        .unwrap()
        .id;
    add_task(&s, &a, at(1));
    assert_eq!(s.trim_log(at(24 * 60)).unwrap(), 2);
    assert_eq!(s.log_since(CommitSeq(2), 10).unwrap(), vec![]);
    assert_eq!(
        s.log_since(CommitSeq(1), 10).unwrap_err(),
        StoreError::MustResync
    );
    assert_eq!(
        s.changes_since(&a, ChangeId(1)).unwrap_err(),
        StoreError::MustResync
    );
    assert!(s.changes_since(&a, ChangeId(2)).unwrap().changed.is_empty());
    drop(s);

    // After a restart the seq continues where it was, never reusing a trimmed one.
    let s = store_with_retention(dir.path(), HOUR);
    assert_eq!(s.last_commit_seq().unwrap(), CommitSeq(2));
    assert_eq!(add_task(&s, &a, at(24 * 60)), CommitSeq(3));
    assert_eq!(
        s.log_since(CommitSeq(2), 10).unwrap()[0].change_id,
        ChangeId(3)
    );
    assert_eq!(
        s.changes_since(&a, ChangeId(1)).unwrap_err(),
        StoreError::MustResync
    );
}

#[test]
fn trimming_stops_at_the_first_recent_row() {
    let dir = tempfile::tempdir().unwrap();
    let s = store_with_retention(dir.path(), HOUR);
    let a = s
        .create_account(new_account("a@example.com"), at(100))
        .unwrap()
        .id; // seq 1, recent
    add_task(&s, &a, T0); // seq 2, an old-looking time (clock went backwards)
    // Removing seq 2 alone would leave a hole; the log only loses prefixes.
    assert_eq!(s.trim_log(at(120)).unwrap(), 0);
    assert_eq!(s.log_since(CommitSeq(0), 10).unwrap().len(), 2);
}

#[test]
fn log_entries_carry_account_time_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let s = store_with_retention(dir.path(), HOUR);
    let a = s
        .create_account(new_account("a@example.com"), T0)
        .unwrap()
        .id;
    let b = s
        .create_account(new_account("b@example.com"), at(1))
        .unwrap()
        .id;
    add_task(&s, &a, at(2));
    let all = s.log_since(CommitSeq(0), 100).unwrap();
    let summary: Vec<_> = all
        .iter()
        .map(|e| (e.seq.0, e.account.clone(), e.change_id.0, e.time))
        .collect();
    assert_eq!(
        summary,
        [(1, a.clone(), 1, T0), (2, b, 1, at(1)), (3, a, 2, at(2))]
    );
    assert_eq!(s.log_since(CommitSeq(0), 2).unwrap().len(), 2);
    assert_eq!(s.log_since(CommitSeq(3), 2).unwrap(), vec![]);
    assert_eq!(
        s.log_since(CommitSeq(4), 2).unwrap_err(),
        StoreError::MustResync
    );
}

#[test]
fn deleted_accounts_rows_are_trimmed_like_any_other() {
    let dir = tempfile::tempdir().unwrap();
    let s = store_with_retention(dir.path(), HOUR);
    let a = s
        .create_account(new_account("a@example.com"), T0)
        .unwrap()
        .id;
    s.delete_account(&a, at(1)).unwrap();
    assert_eq!(s.log_since(CommitSeq(0), 10).unwrap().len(), 2);
    assert_eq!(s.trim_log(at(180)).unwrap(), 2);
    assert_eq!(
        s.changes_since(&a, ChangeId(1)).unwrap_err(),
        StoreError::MustResync
    );
}
