//! Unit tests of the client-op hand-off: merging in the handler's transaction, pick-up through the mirror,
//! and the ack that keeps rows rewritten after pick-up.

use inboxd_imap_sync::{Folder, FolderId, FolderKind, FolderOp, Umid};
use inboxd_model::{AccountId, ItemId, Timestamp};
use inboxd_store::{NewAccount, Store, StoreOptions};

use crate::folder_ops::{QueuedFolderOp, queue_folder_op};
use crate::ops::{OPS_SPACE, QueuedOp, ack, pick_up, queue_op};
use crate::persist::Mirror;

fn store() -> (tempfile::TempDir, Store, AccountId) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    let account = store
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
    (dir, store, account)
}

fn rows(store: &Store, account: &AccountId) -> Vec<(String, String)> {
    store.sync_load(account, OPS_SPACE).unwrap()
}

fn mirror() -> Mirror {
    let mut m = Mirror::default();
    m.messages.insert(Umid(7), ItemId(300));
    let f = Folder {
        id: FolderId(2),
        path: "Archive".into(),
        name: "Archive".into(),
        delimiter: Some('/'),
        depth: 1,
        kind: FolderKind::Normal,
        selectable: true,
    };
    m.folders.insert(FolderId(2), (f, ItemId(400)));
    m
}

#[test]
fn later_ops_merge_into_one_row_and_pick_up_maps_ids() {
    let (_dir, store, account) = store();
    store
        .commit(&account, Timestamp(2), |t| {
            let flags = Some(vec!["\\Seen".to_string()]);
            queue_op(
                t,
                ItemId(300),
                QueuedOp {
                    flags,
                    ..QueuedOp::default()
                },
            )?;
            let folder = Some(ItemId(400));
            queue_op(
                t,
                ItemId(300),
                QueuedOp {
                    folder,
                    ..QueuedOp::default()
                },
            )?;
            // A message the engine never mirrored: picked up as nothing, acknowledged all the same.
            queue_op(
                t,
                ItemId(999),
                QueuedOp {
                    delete: true,
                    ..QueuedOp::default()
                },
            )
        })
        .unwrap();
    let r = rows(&store, &account);
    assert_eq!(r.len(), 2);
    let (ops, folders) = pick_up(&r, &mirror());
    assert!(folders.is_empty());
    assert_eq!(ops.len(), 1);
    assert_eq!(ops[0].umid, Umid(7));
    assert_eq!(ops[0].flags.as_ref().unwrap().as_slice(), ["\\Seen"]);
    assert_eq!(ops[0].folder, Some(FolderId(2)));
    store
        .commit(&account, Timestamp(3), |t| ack(t, &r))
        .unwrap();
    assert!(rows(&store, &account).is_empty());
}

#[test]
fn a_row_rewritten_after_pick_up_survives_the_ack() {
    let (_dir, store, account) = store();
    let seen = |on: bool| QueuedOp {
        flags: Some(if on { vec!["\\Seen".into()] } else { vec![] }),
        ..QueuedOp::default()
    };
    store
        .commit(&account, Timestamp(2), |t| {
            queue_op(t, ItemId(300), seen(true))
        })
        .unwrap();
    let picked = rows(&store, &account);
    store
        .commit(&account, Timestamp(3), |t| {
            queue_op(t, ItemId(300), seen(false))
        })
        .unwrap();
    store
        .commit(&account, Timestamp(4), |t| ack(t, &picked))
        .unwrap();
    let left = rows(&store, &account);
    assert_eq!(left.len(), 1, "the newer intent is still queued");
    let (ops, _) = pick_up(&left, &mirror());
    assert!(ops[0].flags.as_ref().unwrap().as_slice().is_empty());
}

#[test]
fn folder_ops_merge_and_map() {
    let (_dir, store, account) = store();
    store
        .commit(&account, Timestamp(2), |t| {
            // Created then renamed before the worker saw it: one creation under the new name.
            let create = QueuedFolderOp::Create {
                parent: ItemId(400),
                name: "A".into(),
            };
            queue_folder_op(t, ItemId(500), create)?;
            queue_folder_op(t, ItemId(500), QueuedFolderOp::Rename { name: "B".into() })?;
            // Created then deleted: nothing at all.
            let create = QueuedFolderOp::Create {
                parent: inboxd_store::folder_ids::ROOT,
                name: "Tmp".into(),
            };
            queue_folder_op(t, ItemId(501), create)?;
            queue_folder_op(t, ItemId(501), QueuedFolderOp::Delete)?;
            queue_folder_op(
                t,
                ItemId(400),
                QueuedFolderOp::Rename { name: "Old".into() },
            )
        })
        .unwrap();
    let r = rows(&store, &account);
    assert_eq!(r.len(), 2, "{r:?}");
    let (ops, folders) = pick_up(&r, &mirror());
    assert!(ops.is_empty());
    assert!(folders.contains(&FolderOp::Create {
        parent: Some(FolderId(2)),
        name: "B".into()
    }));
    assert!(folders.contains(&FolderOp::Rename {
        folder: FolderId(2),
        name: "Old".into()
    }));
}

#[test]
fn a_move_into_a_folder_not_created_upstream_yet_stays_queued() {
    let (_dir, store, account) = store();
    store
        .commit(&account, Timestamp(2), |t| {
            let pending = t.create_folder(inboxd_store::NewFolder {
                parent: inboxd_store::folder_ids::ROOT,
                name: "New".into(),
                view: Some(inboxd_model::ItemType::Message),
                imap_path: None,
                special_use: None,
            })?;
            let folder = Some(pending);
            queue_op(
                t,
                ItemId(300),
                QueuedOp {
                    folder,
                    ..QueuedOp::default()
                },
            )?;
            // Trash has no IMAP counterpart here either, but it is a system folder: nothing will create it.
            let folder = Some(inboxd_store::folder_ids::TRASH);
            queue_op(
                t,
                ItemId(301),
                QueuedOp {
                    folder,
                    ..QueuedOp::default()
                },
            )
        })
        .unwrap();
    let r = rows(&store, &account);
    let (ops, _) = pick_up(&r, &mirror());
    assert_eq!(ops.len(), 1, "only 300 is mirrored");
    assert_eq!(ops[0].folder, None, "its target is not upstream yet");
    store
        .commit(&account, Timestamp(3), |t| ack(t, &r))
        .unwrap();
    let left = rows(&store, &account);
    assert_eq!(left.len(), 1, "{left:?}");
    assert_eq!(left[0].0, "300");
}
