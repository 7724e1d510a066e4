//! A move killed between COPY and EXPUNGE: a real process crash (SIGKILL), no failpoints.
//!
//! The test binary runs itself a second time as the "inboxd" process (a worker on the shared store dir). A
//! recording proxy in front of the strict RFC 3501 proxy freezes the connection right after forwarding the
//! COPY's tagged OK, the parent SIGKILLs the child there, and then syncs the same store again: the move must
//! finish without a second COPY, leaving exactly one copy upstream and in the store.

mod common;
#[path = "../../server/tests/ops_support/proxy.rs"]
mod ops_proxy;

use std::time::Duration;

use common::dovecot::Dovecot;
use common::mirror::{append, store_with_account, stored, upstream};
use common::proxy::StrictProxy;
use inboxd_imap_driver::{
    MessageAction, SyncConfig, apply_message_actions, spawn_worker, sync_once_with,
};
use inboxd_model::{AccountId, Timestamp};
use inboxd_store::{ImapSecurity, Store, StoreOptions};
use ops_proxy::OpsProxy;

const CHILD_DIR: &str = "INBOXD_CRASH_CHILD_DIR";
const CHILD_ACCOUNT: &str = "INBOXD_CRASH_CHILD_ACCOUNT";
const TEST: &str = "move_killed_between_copy_and_expunge_leaves_one_copy";

fn config(dc: Option<&Dovecot>) -> SyncConfig {
    let mut c = SyncConfig {
        poll_interval: Duration::from_secs(3600),
        ..SyncConfig::default()
    };
    if let Some(dc) = dc {
        c.connect = dc.options();
    }
    c.connect.allow_plaintext = true;
    c
}

/// The child: a worker on the store until it is killed (at most 60 s).
async fn child(dir: String, account: String) {
    let store = Store::open(std::path::Path::new(&dir), StoreOptions::default()).unwrap();
    let _worker = spawn_worker(store, AccountId::new(account), config(None));
    tokio::time::sleep(Duration::from_secs(60)).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn move_killed_between_copy_and_expunge_leaves_one_copy() {
    if let (Ok(dir), Ok(account)) = (std::env::var(CHILD_DIR), std::env::var(CHILD_ACCOUNT)) {
        return child(dir, account).await;
    }
    let dc = Dovecot::start();
    let opts = dc.options();
    let direct = dc.source(ImapSecurity::None);
    append(&direct, &opts, "INBOX", &[(1, None), (2, None), (3, None)]).await;
    append(&direct, &opts, "Archive", &[]).await;
    let strict = StrictProxy::start(dc.port).await;
    let proxy = OpsProxy::start(strict.port, &[]).await;
    let mut src = direct.clone();
    src.port = proxy.port;

    let dir = tempfile::tempdir().unwrap();
    let (store, account) = store_with_account(dir.path(), src);
    sync_once_with(store.clone(), account.clone(), config(Some(&dc)), |_| {})
        .await
        .unwrap();
    assert_eq!(stored(&store, &account), upstream(&direct, &opts).await);

    // The client moves message 1 to Archive (what MsgActionRequest commits), then the store is closed.
    let folders = store.folders(&account).unwrap();
    let find = |path: &str| {
        folders
            .iter()
            .find(|f| f.imap_path.as_deref() == Some(path))
            .unwrap()
            .id
    };
    let (inbox, archive) = (find("INBOX"), find("Archive"));
    let msg1 = store
        .messages_in_folder(&account, inbox)
        .unwrap()
        .into_iter()
        .find(|m| m.message_id.as_deref() == Some("msg1@example.com"))
        .unwrap();
    store
        .commit(&account, Timestamp(2), |txn| {
            apply_message_actions(txn, &[msg1.id], &MessageAction::Move(archive), true)
        })
        .unwrap();
    drop(store);

    proxy.stall_after_copy();
    let exe = std::env::current_exe().unwrap();
    let mut kid = std::process::Command::new(exe)
        .args(["--exact", TEST, "--test-threads=1"])
        .env(CHILD_DIR, dir.path())
        .env(CHILD_ACCOUNT, account.as_str())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..300 {
        if proxy.stalled() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let stalled = proxy.stalled();
    kid.kill().unwrap(); // SIGKILL
    kid.wait().unwrap();
    assert!(
        stalled,
        "the child never got its COPY through: {:?}",
        proxy.commands()
    );
    let up = upstream(&direct, &opts).await;
    assert_eq!(
        (up["INBOX"].len(), up["Archive"].len()),
        (3, 1),
        "copied, not expunged"
    );

    // "inboxd" starts again on the same store.
    proxy.cut();
    proxy.unstall();
    let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
    sync_once_with(store.clone(), account.clone(), config(Some(&dc)), |_| {})
        .await
        .unwrap();
    // The ops job ran first; one more cycle lets the refresh confirm everything.
    sync_once_with(store.clone(), account.clone(), config(Some(&dc)), |_| {})
        .await
        .unwrap();
    let up = upstream(&direct, &opts).await;
    assert_eq!((up["INBOX"].len(), up["Archive"].len()), (2, 1), "{up:?}");
    assert_eq!(stored(&store, &account), up);
    let copies = proxy.count("UID COPY");
    assert_eq!(copies, 1, "no second COPY: {:?}", proxy.commands());
    let in_archive = store.messages_in_folder(&account, archive).unwrap();
    assert_eq!(in_archive.len(), 1);
    assert_eq!(in_archive[0].id, msg1.id, "the same store message, moved");
    assert!(strict.rejected().is_empty(), "{:?}", strict.rejected());
}
