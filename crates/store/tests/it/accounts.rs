//! Accounts: creation, case-insensitive names, updates, deletion keeping the change log.

use inboxd_model::{AccountId, ChangeId, CommitSeq, InterestTypes, ItemType};
use inboxd_store::{
    AccountStatus, AccountUpdate, ImapSecurity, ImapSource, Item, ItemKind, StoreError, folder_ids,
};

use crate::support::{T0, account, at, attrs, new_account, store};

fn imap() -> ImapSource {
    ImapSource {
        host: "imap.example.com".into(),
        port: 993,
        security: ImapSecurity::Tls,
        user: "alice".into(),
        password: "secret".into(),
    }
}

#[test]
fn created_account_reads_back() {
    let (_d, s) = store();
    let mut new = new_account("Alice@Example.com");
    new.admin = true;
    new.imap = Some(imap());
    let a = s.create_account(new, T0).unwrap();
    assert_eq!(a.name, "Alice@Example.com");
    assert_eq!(a.status, AccountStatus::Active);
    assert_eq!(a.created, T0);
    assert!(a.admin);
    assert_eq!(a.imap, Some(imap()));
    assert!(uuid_like(a.id.as_str()), "{}", a.id);
    assert_eq!(s.account(&a.id).unwrap(), Some(a.clone()));
    assert_eq!(
        s.account_by_name("alice@example.COM").unwrap(),
        Some(a.clone())
    );
    assert_eq!(s.list_accounts().unwrap(), vec![a]);
    assert_eq!(s.account(&AccountId::new("nope")).unwrap(), None);
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}

#[test]
fn names_are_unique_case_insensitively() {
    let (_d, s) = store();
    let a = account(&s, "bob@example.com");
    assert_eq!(
        s.create_account(new_account("BOB@example.com"), T0)
            .unwrap_err(),
        StoreError::AccountExists
    );
    let b = account(&s, "carol@example.com");
    let rename = |name: &str| AccountUpdate {
        name: Some(name.into()),
        ..Default::default()
    };
    assert_eq!(
        s.update_account(&b, rename("Bob@Example.Com")).unwrap_err(),
        StoreError::AccountExists
    );
    // Changing the case of one's own name is fine.
    assert_eq!(
        s.update_account(&a, rename("Bob@example.com"))
            .unwrap()
            .name,
        "Bob@example.com"
    );
    assert!(matches!(
        s.create_account(new_account("not-an-address"), T0),
        Err(StoreError::Invalid(_))
    ));
}

#[test]
fn updates_change_fields_but_not_the_change_id() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let up = AccountUpdate {
        password_hash: Some("new-hash".into()),
        admin: Some(true),
        status: Some(AccountStatus::Maintenance),
        imap: Some(Some(imap())),
        ..Default::default()
    };
    let acc = s.update_account(&a, up).unwrap();
    assert_eq!(
        (
            acc.password_hash.as_str(),
            acc.admin,
            acc.status,
            acc.imap.clone()
        ),
        ("new-hash", true, AccountStatus::Maintenance, Some(imap()))
    );
    let acc = s
        .update_account(
            &a,
            AccountUpdate {
                imap: Some(None),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(acc.imap, None);
    assert_eq!(acc.password_hash, "new-hash");
    assert_eq!(s.change_id(&a).unwrap(), ChangeId(1));
    let deleted = AccountUpdate {
        status: Some(AccountStatus::Deleted),
        ..Default::default()
    };
    assert!(matches!(
        s.update_account(&a, deleted),
        Err(StoreError::Invalid(_))
    ));
    assert_eq!(
        s.update_account(&AccountId::new("x"), AccountUpdate::default())
            .unwrap_err(),
        StoreError::NoSuchAccount
    );
}

#[test]
fn has_admin_sees_live_admins_only() {
    let (_d, s) = store();
    assert!(!s.has_admin().unwrap());
    let a = account(&s, "a@example.com");
    assert!(!s.has_admin().unwrap());
    s.update_account(
        &a,
        AccountUpdate {
            admin: Some(true),
            ..Default::default()
        },
    )
    .unwrap();
    assert!(s.has_admin().unwrap());
    s.delete_account(&a, T0).unwrap();
    assert!(!s.has_admin().unwrap());
}

#[test]
fn new_accounts_get_the_system_folders() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let folders = s.folders(&a).unwrap();
    let names: Vec<(i64, &str)> = folders.iter().map(|f| (f.id.0, f.name.as_str())).collect();
    assert_eq!(
        names,
        [
            (1, "USER_ROOT"),
            (2, "Inbox"),
            (3, "Trash"),
            (4, "Junk"),
            (5, "Sent"),
            (6, "Drafts"),
            (7, "Contacts"),
            (10, "Calendar"),
            (15, "Tasks"),
            (16, "Briefcase")
        ]
    );
    assert_eq!(folders[0].parent, None);
    assert!(
        folders[1..]
            .iter()
            .all(|f| f.parent == Some(folder_ids::ROOT))
    );
    assert_eq!(folders[1].imap_path.as_deref(), Some("INBOX"));
    assert_eq!(folders[6].view, Some(ItemType::Contact));
    assert!(folders.iter().all(|f| f.created_change == ChangeId(1)));
}

#[test]
fn deleted_account_loses_items_but_keeps_its_log_rows() {
    let (_d, s) = store();
    let a = account(&s, "a@example.com");
    let other = account(&s, "b@example.com");
    let contact = s
        .commit(&a, at(1), |t| {
            t.create_item(
                ItemType::Contact,
                folder_ids::CONTACTS,
                &attrs(&[("n", "x")]),
            )
        })
        .unwrap()
        .value;
    let events = s.subscribe();
    s.delete_account(&a, at(2)).unwrap();

    let ev = events.try_recv().unwrap();
    assert_eq!((ev.account.clone(), ev.change_id), (a.clone(), ChangeId(3)));
    assert!(ev.types.contains(ItemType::Folder) && ev.types.contains(ItemType::Contact));

    let acc = s.account(&a).unwrap().unwrap();
    assert_eq!(acc.status, AccountStatus::Deleted);
    assert_eq!(s.change_id(&a).unwrap(), ChangeId(3));
    assert_eq!(s.folders(&a).unwrap(), vec![]);
    assert_eq!(s.item(&a, contact).unwrap(), None);
    assert_eq!(s.list_accounts().unwrap().len(), 1);
    assert_eq!(s.list_all_accounts().unwrap().len(), 2);
    assert_eq!(s.account_by_name("a@example.com").unwrap(), None);

    // Every row of the account is still in the log, ending with the deletion.
    let log: Vec<_> = s
        .log_since(CommitSeq(0), 100)
        .unwrap()
        .into_iter()
        .filter(|e| e.account == a)
        .collect();
    assert_eq!(
        log.iter().map(|e| e.change_id.0).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert!(log[2].deleted.contains(&contact) && log[2].deleted.contains(&folder_ids::INBOX));
    assert!(log[2].changed.is_empty());

    // A sync from before the deletion learns that everything went.
    let changes = s.changes_since(&a, ChangeId(2)).unwrap();
    assert!(changes.changed.is_empty());
    assert_eq!(changes.deleted.len(), 11);
    assert!(
        changes
            .deleted
            .iter()
            .any(|d| d.id == contact && d.kind == ItemKind::Contact)
    );

    // The name is free again, and the other account is untouched.
    let again = account(&s, "A@example.com");
    assert_ne!(again, a);
    assert_eq!(s.folders(&other).unwrap().len(), 10);
    assert_eq!(
        s.delete_account(&a, at(3)).unwrap_err(),
        StoreError::NoSuchAccount
    );
    assert!(matches!(
        s.item(&other, folder_ids::INBOX).unwrap(),
        Some(Item::Folder(_))
    ));
    assert_eq!(log[0].types, InterestTypes::single(ItemType::Folder));
}

#[test]
fn deleting_an_account_wipes_its_rows_in_other_per_account_tables() {
    let (dir, s) = store();
    let a = account(&s, "a@example.com");
    let b = account(&s, "b@example.com");
    // A table added by a later migration (like the IMAP sync state), keyed by the account row.
    let conn = rusqlite::Connection::open(dir.path().join("inboxd.sqlite")).unwrap();
    conn.execute_batch(
        "CREATE TABLE ext_state (account INTEGER NOT NULL REFERENCES accounts (key), v TEXT NOT NULL);
         INSERT INTO ext_state SELECT key, name FROM accounts;",
    )
    .unwrap();
    s.delete_account(&a, T0).unwrap();
    let left: Vec<String> = conn
        .prepare("SELECT v FROM ext_state")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(left, ["b@example.com"]);
    assert_eq!(s.folders(&b).unwrap().len(), 10);
}
