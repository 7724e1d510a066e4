//! End-to-end sync against a real Dovecot behind the strict RFC 3501 proxy: initial sync, upstream flag
//! changes, expunges, moves and new mail, then the store must equal upstream; and a worker that polls.

mod common;

use std::time::Duration;

use common::dovecot::Dovecot;
use common::mirror::{append, store_with_account, stored, upstream};
use common::proxy::StrictProxy;
use inboxd_imap_driver::{
    DriverError, ProgressEvent, SyncConfig, WorkerHandle, spawn_worker, sync_once_with,
};
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
        until_inbox_holds(&handle, &store, &account, 1).await;
        let mut watch = handle.watch();
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
        until_inbox_holds(&handle, &store, &account, 2).await;
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
        until_inbox_holds(&handle, &store, &account, 1).await;
        // No sync_now: the EXISTS pushed during IDLE must start the cycle.
        append(&src, &opts, "INBOX", &[(2, Some(1))]).await;
        until_inbox_holds(&handle, &store, &account, 2).await;
        assert_eq!(stored(&store, &account), upstream(&src, &opts).await);
        handle.shutdown().await.unwrap();
    })
    .await;
}

/// A quiet connection is not a dead one: a worker waiting in IDLE, or between polls without it, stays
/// connected however long the server says nothing (the wait limit is for replies to commands).
#[tokio::test]
async fn a_quiet_worker_keeps_its_connection_past_the_wait_limit() {
    bounded(async {
        for idle in [true, false] {
            let dc = Dovecot::start_advertising(if idle { "IMAP4rev1 IDLE" } else { "IMAP4rev1" });
            let src = dc.source(ImapSecurity::Tls);
            let mut opts = dc.options();
            append(&src, &opts, "INBOX", &[(1, None)]).await;
            opts.timeout = Duration::from_millis(500);
            let dir = tempfile::tempdir().unwrap();
            let (store, account) = store_with_account(dir.path(), src.clone());
            let config = SyncConfig {
                connect: opts.clone(),
                poll_interval: Duration::from_secs(3600),
                use_idle: idle,
                ..SyncConfig::default()
            };
            let handle = spawn_worker(store.clone(), account.clone(), config);
            until_inbox_holds(&handle, &store, &account, 1).await;
            let commands = handle.status().summary.commands;
            // Four wait limits of silence.
            tokio::time::sleep(Duration::from_secs(2)).await;
            let status = handle.status();
            assert!(status.connected, "idle={idle}: {status:?}");
            assert_eq!(status.last_error, None, "idle={idle}");
            assert_eq!(
                status.summary.commands, commands,
                "idle={idle}: no reconnect, no new cycle"
            );
            handle.shutdown().await.unwrap();
        }
    })
    .await;
}

/// Waits until the worker has stored at least `n` messages in INBOX (woken by its status changes; the
/// test's `bounded` limits the wait).
async fn until_inbox_holds(
    handle: &WorkerHandle,
    store: &inboxd_store::Store,
    account: &inboxd_model::AccountId,
    n: usize,
) {
    // Subscribed before the first look, so no change between the look and the wait is missed.
    let mut watch = handle.watch();
    while stored(store, account).get("INBOX").map_or(0, |m| m.len()) < n {
        watch.changed().await.unwrap();
    }
}

/// A message with the header noise of real list mail around the fields inboxd reads (folded Received and
/// DKIM lines, an obsolete `Subject :` form, folded address lists, an encoded word), optionally without a
/// Message-ID.
fn noisy_message(n: u32, message_id: bool, reply_to: Option<u32>) -> Vec<u8> {
    let mut m = format!(
        "Received: from mx{n}.example.net (mx{n}.example.net [192.0.2.{n}])\r\n\tby mail.example.org\r\n\
         DKIM-Signature: v=1; a=rsa-sha256; d=example.net;\r\n b=AbCdEf{n}==\r\n\
         X-Mailer: test {n}\r\nFrom: =?UTF-8?Q?J=C3=B6rg_{n}?= <jorg{n}@example.net>\r\n\
         To: list@example.org,\r\n Bob <bob@example.org>\r\nCc: carol@example.org\r\n\
         Subject : Topic {}\r\nDate: Tue, 3 Nov 2026 09:{:02}:00 +0000\r\n",
        reply_to.unwrap_or(n),
        n % 60
    );
    if message_id {
        m.push_str(&format!("Message-ID: <noisy{n}@example.net>\r\n"));
    }
    if let Some(p) = reply_to {
        m.push_str(&format!(
            "In-Reply-To: <noisy{p}@example.net>\r\nReferences:\r\n <noisy{p}@example.net>\r\n"
        ));
    }
    m.push_str("List-Id: <list.example.org>\r\n\r\nBody.\r\n");
    m.into_bytes()
}

/// What a sync stored, without the store's own ids: per message its UID, header fields, flags and the UIDs
/// of its conversation.
fn stored_mail(store: &inboxd_store::Store, account: &inboxd_model::AccountId) -> Vec<String> {
    let messages = store.messages(account).unwrap();
    let mut out: Vec<String> = messages
        .iter()
        .map(|m| {
            let mut conv: Vec<u32> = messages
                .iter()
                .filter(|o| o.conversation == m.conversation)
                .filter_map(|o| o.imap_uid)
                .collect();
            conv.sort_unstable();
            format!(
                "{:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} {:?} conv {conv:?}",
                m.imap_uid,
                m.message_id,
                m.in_reply_to,
                m.references,
                m.subject,
                m.from,
                m.to,
                m.cc,
                m.date,
                m.internal_date,
                m.size,
                m.flags
            )
        })
        .collect();
    out.sort();
    out
}

#[tokio::test]
async fn whole_headers_and_header_fields_store_the_same_mail() {
    bounded(async {
        let dc = Dovecot::start();
        let src = dc.source(ImapSecurity::None);
        let opts = dc.options();
        let mut conn = inboxd_imap_driver::Connection::connect(&src, &opts)
            .await
            .unwrap();
        let mail = [
            noisy_message(1, true, None),
            noisy_message(2, true, Some(1)),
            noisy_message(3, false, None),
            noisy_message(4, false, Some(2)),
        ];
        for (i, m) in mail.into_iter().enumerate() {
            conn.execute_ok(&inboxd_imap_sync::wire::Command::Append {
                mailbox: "INBOX".into(),
                flags: vec![],
                date: Some(1_793_000_000_000 + i64::try_from(i).unwrap() * 60_000),
                message: m,
            })
            .await
            .unwrap();
        }
        conn.logout().await;

        let mut stores = Vec::new();
        for mode in [
            inboxd_imap_driver::HeaderFetch::Whole,
            inboxd_imap_driver::HeaderFetch::Fields,
        ] {
            let dir = tempfile::tempdir().unwrap();
            let (store, account) = store_with_account(dir.path(), src.clone());
            let config = SyncConfig {
                connect: opts.clone(),
                header_fetch: mode,
                ..SyncConfig::default()
            };
            let summary = sync_once_with(store.clone(), account.clone(), config, |_| {})
                .await
                .unwrap();
            assert_eq!(summary.messages_added, 4, "{mode:?}: {summary:?}");
            stores.push((stored_mail(&store, &account), dir));
        }
        let (whole, fields) = (&stores[0].0, &stores[1].0);
        assert_eq!(whole, fields);
        let joined = whole.join("\n");
        assert!(joined.contains("\"Topic 1\""), "{joined}");
        assert!(joined.contains("Jörg 1"), "{joined}");
        assert!(joined.contains("bob@example.org"), "{joined}");
        // The reply threads with its parent in both modes, and the id-less reply to it joins them too.
        assert!(joined.contains("conv [1, 2, 4]"), "{joined}");
    })
    .await;
}
