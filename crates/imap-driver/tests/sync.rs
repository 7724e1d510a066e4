//! End-to-end sync against a real Dovecot behind the strict RFC 3501 proxy: initial sync, upstream flag
//! changes, expunges, moves and new mail, then the store must equal upstream; and a worker that polls.

mod common;

use std::time::Duration;

use common::dovecot::Dovecot;
use common::mirror::{append, store_with_account, stored, upstream};
use common::proxy::StrictProxy;
use inboxd_imap_driver::{DriverError, ProgressEvent, SyncConfig, spawn_worker, sync_once_with};
use inboxd_store::ImapSecurity;

const LIMIT: Duration = Duration::from_secs(90);

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("test took too long")
}

#[tokio::test]
async fn sync_follows_upstream_changes() {
    bounded(async {
        let dc = Dovecot::start();
        let proxy = StrictProxy::start(dc.port).await;
        let mut src = dc.source(ImapSecurity::None);
        src.port = proxy.port;
        let opts = dc.options();
        append(
            &src,
            &opts,
            "INBOX",
            &[(1, None), (2, Some(1)), (3, None), (4, Some(2)), (5, None)],
        )
        .await;
        append(&src, &opts, "Archive", &[(6, None), (7, Some(6))]).await;

        let dir = tempfile::tempdir().unwrap();
        let (store, account) = store_with_account(dir.path(), src.clone());
        let config = SyncConfig {
            connect: opts.clone(),
            ..SyncConfig::default()
        };
        let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let ev = events.clone();
        // Spawned: the future must be Send.
        let summary = tokio::spawn(sync_once_with(
            store.clone(),
            account.clone(),
            config.clone(),
            move |e| ev.lock().unwrap().push(e),
        ))
        .await
        .unwrap()
        .unwrap();
        assert_eq!(summary.messages_added, 7, "{summary:?}");
        assert_eq!(stored(&store, &account), upstream(&src, &opts).await);
        assert!(
            events
                .lock()
                .unwrap()
                .iter()
                .any(|e| matches!(e, ProgressEvent::Folder { path, exists: 5 } if path == "INBOX"))
        );
        let convs = store.conversations(&account).unwrap();
        assert_eq!(convs.len(), 4, "threads 1-2-4, 3, 5, 6-7: {convs:?}");

        // Another client changes things upstream.
        dc.doveadm(&[
            "flags",
            "add",
            "-u",
            "alice",
            "\\Flagged",
            "mailbox",
            "INBOX",
            "uid",
            "1",
        ]);
        dc.doveadm(&[
            "flags", "remove", "-u", "alice", "\\Seen", "mailbox", "INBOX", "uid", "3",
        ]);
        dc.doveadm(&["expunge", "-u", "alice", "mailbox", "INBOX", "uid", "2"]);
        dc.doveadm(&[
            "move", "-u", "alice", "Archive", "mailbox", "INBOX", "uid", "5",
        ]);
        append(&src, &opts, "INBOX", &[(8, Some(3))]).await;

        let summary = sync_once_with(store.clone(), account.clone(), config.clone(), |_| {})
            .await
            .unwrap();
        let up = upstream(&src, &opts).await;
        assert_eq!(up["INBOX"].len(), 4);
        assert_eq!(up["Archive"].len(), 3);
        assert_eq!(stored(&store, &account), up, "{summary:?}");
        assert!(
            proxy.rejected().is_empty(),
            "non-RFC 3501 commands: {:?}",
            proxy.rejected()
        );

        // UIDVALIDITY changes: the folder is re-synced from scratch, without duplicates.
        dc.doveadm(&[
            "mailbox",
            "update",
            "-u",
            "alice",
            "--uid-validity",
            "12345",
            "Archive",
        ]);
        sync_once_with(store.clone(), account.clone(), config.clone(), |_| {})
            .await
            .unwrap();
        assert_eq!(stored(&store, &account), upstream(&src, &opts).await);

        // Nothing changed: a refresh adds and deletes nothing.
        let summary = sync_once_with(store.clone(), account.clone(), config.clone(), |_| {})
            .await
            .unwrap();
        assert_eq!(
            (summary.messages_added, summary.messages_deleted),
            (0, 0),
            "{summary:?}"
        );
    })
    .await;
}

#[tokio::test]
async fn worker_polls_and_syncs_on_request() {
    bounded(async {
        let dc = Dovecot::start();
        let src = dc.source(ImapSecurity::StartTls);
        let opts = dc.options();
        append(&src, &opts, "INBOX", &[(1, None), (2, Some(1))]).await;
        let dir = tempfile::tempdir().unwrap();
        let (store, account) = store_with_account(dir.path(), src.clone());
        let config = SyncConfig {
            connect: opts.clone(),
            poll_interval: Duration::from_secs(3600),
            ..SyncConfig::default()
        };
        let handle = spawn_worker(store.clone(), account.clone(), config);
        let mut watch = handle.watch();
        let wait_for = |n: usize| {
            let (store, account) = (store.clone(), account.clone());
            move || stored(&store, &account).get("INBOX").map_or(0, |m| m.len()) == n
        };
        let done = wait_for(2);
        while !done() {
            watch.changed().await.unwrap();
        }
        append(&src, &opts, "INBOX", &[(3, None)]).await;
        handle.sync_now();
        let done = wait_for(3);
        while !done() {
            watch.changed().await.unwrap();
        }
        assert_eq!(stored(&store, &account), upstream(&src, &opts).await);
        assert!(handle.status().connected);
        handle.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn worker_reconnects_after_server_restart() {
    bounded(async {
        let mut dc = Dovecot::start();
        let src = dc.source(ImapSecurity::Tls);
        let opts = dc.options();
        append(&src, &opts, "INBOX", &[(1, None)]).await;
        let dir = tempfile::tempdir().unwrap();
        let (store, account) = store_with_account(dir.path(), src.clone());
        let config = SyncConfig {
            connect: opts.clone(),
            poll_interval: Duration::from_secs(3600),
            retry_min: Duration::from_millis(200),
            ..SyncConfig::default()
        };
        let handle = spawn_worker(store.clone(), account.clone(), config);
        let mut watch = handle.watch();
        let count = || stored(&store, &account).get("INBOX").map_or(0, |m| m.len());
        while count() < 1 {
            watch.changed().await.unwrap();
        }
        dc.pause();
        while handle.status().connected {
            watch.changed().await.unwrap();
        }
        assert!(
            handle.status().last_error.is_some(),
            "{:?}",
            handle.status()
        );
        dc.restart();
        append(&src, &opts, "INBOX", &[(2, None)]).await;
        handle.sync_now();
        while count() < 2 {
            watch.changed().await.unwrap();
        }
        assert_eq!(stored(&store, &account), upstream(&src, &opts).await);
        assert_eq!(
            handle.status().last_error,
            None,
            "a successful login clears the error"
        );
        handle.shutdown().await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn sync_once_reports_refused_login_and_unreachable_servers() {
    bounded(async {
        let dc = Dovecot::start();
        let mut src = dc.source(ImapSecurity::Tls);
        src.password = "wrong".into();
        let dir = tempfile::tempdir().unwrap();
        let (store, account) = store_with_account(dir.path(), src);
        let config = SyncConfig {
            connect: dc.options(),
            ..SyncConfig::default()
        };
        let err = sync_once_with(store, account, config.clone(), |_| {})
            .await
            .unwrap_err();
        assert!(matches!(err, DriverError::Auth(_)), "{err}");

        let mut src = dc.source(ImapSecurity::Tls);
        src.port = 1; // nothing listens there
        let dir = tempfile::tempdir().unwrap();
        let (store, account) = store_with_account(dir.path(), src);
        let err = sync_once_with(store, account, config, |_| {})
            .await
            .unwrap_err();
        assert!(matches!(err, DriverError::Io(_)), "{err}");
    })
    .await;
}

#[tokio::test]
async fn worker_idles_and_syncs_new_mail_when_idle_is_offered() {
    bounded(async {
        let dc = Dovecot::start_advertising("IMAP4rev1 IDLE");
        let src = dc.source(ImapSecurity::Tls);
        let opts = dc.options();
        append(&src, &opts, "INBOX", &[(1, None)]).await;
        let dir = tempfile::tempdir().unwrap();
        let (store, account) = store_with_account(dir.path(), src.clone());
        let config = SyncConfig {
            connect: opts.clone(),
            poll_interval: Duration::from_secs(3600),
            use_idle: true,
            ..SyncConfig::default()
        };
        let handle = spawn_worker(store.clone(), account.clone(), config);
        let mut watch = handle.watch();
        let count = || stored(&store, &account).get("INBOX").map_or(0, |m| m.len());
        while count() < 1 {
            watch.changed().await.unwrap();
        }
        // No sync_now: the EXISTS pushed during IDLE must start the cycle.
        append(&src, &opts, "INBOX", &[(2, Some(1))]).await;
        while count() < 2 {
            watch.changed().await.unwrap();
        }
        assert_eq!(stored(&store, &account), upstream(&src, &opts).await);
        handle.shutdown().await.unwrap();
    })
    .await;
}
