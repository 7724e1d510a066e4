//! Migrations: reopening keeps data, old files are upgraded, newer files are refused, WAL mode.

use inboxd_model::{AccountId, ChangeId, ItemType};
use inboxd_store::{AccountStatus, Item, Store, StoreError, StoreOptions, folder_ids};
use rusqlite::Connection;

use crate::support::{T0, account, attrs, open};

const V1_SQL: &str = include_str!("../../migrations/0001_accounts.sql");

#[test]
fn reopening_keeps_data() {
    let dir = tempfile::tempdir().unwrap();
    let (a, contact) = {
        let s = open(dir.path());
        let a = account(&s, "a@example.com");
        let c = s
            .commit(&a, T0, |t| {
                t.create_item(
                    ItemType::Contact,
                    folder_ids::CONTACTS,
                    &attrs(&[("n", "x")]),
                )
            })
            .unwrap()
            .value;
        (a, c)
    };
    let s = open(dir.path());
    assert_eq!(s.change_id(&a).unwrap(), ChangeId(2));
    assert!(matches!(
        s.item(&a, contact).unwrap(),
        Some(Item::Generic(_))
    ));
    assert_eq!(s.path(), dir.path().join("inboxd.sqlite"));
    // Ids keep counting from where they were.
    let next = s
        .commit(&a, T0, |t| {
            t.create_item(
                ItemType::Contact,
                folder_ids::CONTACTS,
                &attrs(&[("n", "y")]),
            )
        })
        .unwrap()
        .value;
    assert_eq!(next.0, contact.0 + 1);
}

/// A file written by a build that only knew migration 1 (accounts, no items yet).
fn write_v1_file(dir: &std::path::Path) {
    let conn = Connection::open(dir.join("inboxd.sqlite")).unwrap();
    conn.execute_batch(V1_SQL).unwrap();
    conn.pragma_update(None, "user_version", 1).unwrap();
    conn.execute(
        "INSERT INTO accounts (id, name, name_key, password_hash, admin, status, created, change_id) \
         VALUES ('11111111-2222-3333-4444-555555555555', 'Old@example.com', 'old@example.com', 'h', 1, 'active', 5, 0)",
        [],
    )
    .unwrap();
}

#[test]
fn an_old_version_file_is_upgraded_and_keeps_its_accounts() {
    let dir = tempfile::tempdir().unwrap();
    write_v1_file(dir.path());
    let s = open(dir.path());
    let id = AccountId::new("11111111-2222-3333-4444-555555555555");
    let acc = s.account(&id).unwrap().unwrap();
    assert_eq!(
        (acc.name.as_str(), acc.admin, acc.status),
        ("Old@example.com", true, AccountStatus::Active)
    );
    // Migration 2 gave the existing account its system folders, at change 0.
    let folders = s.folders(&id).unwrap();
    assert_eq!(folders.len(), 10);
    assert!(folders.iter().all(|f| f.mod_change == ChangeId(0)));
    assert_eq!(s.changes_since(&id, ChangeId(0)).unwrap().changed.len(), 10);
    // And it works like any other account.
    let c = s
        .commit(&id, T0, |t| {
            t.create_item(
                ItemType::Contact,
                folder_ids::CONTACTS,
                &attrs(&[("n", "x")]),
            )
        })
        .unwrap();
    assert_eq!(c.event.unwrap().change_id, ChangeId(1));
    assert_eq!(c.value, folder_ids::FIRST_USER_ID);
    drop(s);
    let conn = Connection::open(dir.path().join("inboxd.sqlite")).unwrap();
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap();
    assert!(v > 1, "still at version {v}");
}

#[test]
fn a_newer_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path()));
    let conn = Connection::open(dir.path().join("inboxd.sqlite")).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let err = Store::open(dir.path(), StoreOptions::default()).unwrap_err();
    assert!(
        matches!(err, StoreError::SchemaTooNew { found: 99, supported } if supported < 99),
        "{err:?}"
    );
}

#[test]
fn the_file_is_in_wal_mode() {
    let dir = tempfile::tempdir().unwrap();
    let _s = open(dir.path());
    let conn = Connection::open(dir.path().join("inboxd.sqlite")).unwrap();
    let mode: String = conn
        .pragma_query_value(None, "journal_mode", |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn a_new_file_has_8k_pages_and_an_old_one_keeps_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let page_size = |dir: &std::path::Path| -> i64 {
        let conn = Connection::open(dir.join("inboxd.sqlite")).unwrap();
        conn.pragma_query_value(None, "page_size", |r| r.get(0))
            .unwrap()
    };
    drop(open(dir.path()));
    assert_eq!(page_size(dir.path()), 8192);

    let old = tempfile::tempdir().unwrap();
    write_v1_file(old.path());
    assert_eq!(page_size(old.path()), 4096);
    drop(open(old.path()));
    assert_eq!(page_size(old.path()), 4096);
}

#[test]
fn open_creates_missing_directories() {
    let dir = tempfile::tempdir().unwrap();
    let nested = dir.path().join("a").join("b");
    let s = open(&nested);
    assert!(nested.join("inboxd.sqlite").is_file());
    assert!(s.list_accounts().unwrap().is_empty());
}
