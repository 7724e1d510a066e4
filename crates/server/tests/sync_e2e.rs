//! The IMAP side end to end: a real Dovecot, an account provisioned over admin SOAP with its IMAP source, the
//! server's worker mirroring the mailbox into the store, and a user's WaitSet (defTypes m) woken by the sync
//! commits; SyncRequest then shows the messages and conversations. An upstream APPEND followed by an on-demand
//! SyncAccountRequest wakes the waitset again.

#[path = "../../imap-driver/tests/common/mod.rs"]
mod common;
mod support;

use std::time::Duration;

use common::dovecot::{Dovecot, PASSWORD, USER};
use inboxd_soap::{Element, NS_ADMIN, NS_MAIL};
use inboxd_store::ImapSecurity;
use support::TestServer;

/// Counts messages and conversations in a full SyncRequest answer.
fn count(el: &Element, name: &str) -> usize {
    el.children
        .iter()
        .map(|c| usize::from(c.name == name) + count(c, name))
        .sum()
}

async fn wait_for(t: &TestServer, user: &str, ws: &str, seq: &str) -> (String, Vec<String>) {
    let req = Element::ns("WaitSetRequest", NS_MAIL)
        .with_attr("waitSet", ws)
        .with_attr("seq", seq)
        .with_attr("block", "1")
        .with_attr("timeout", "60");
    let r = t.user(user, req).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let accounts = r
        .body
        .children_named("a")
        .filter_map(|a| a.scalar("id"))
        .collect();
    (r.attr("seq").unwrap_or_default(), accounts)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_mirrors_dovecot_and_wakes_waitsets() {
    let dovecot = Dovecot::start();
    let src = dovecot.source(ImapSecurity::None);
    common::mirror::append(
        &src,
        &dovecot.options(),
        "INBOX",
        &[(1, None), (2, Some(1)), (3, None)],
    )
    .await;

    let t = TestServer::start_with(|c| {
        c.sync = Some(inboxd_imap_driver::SyncConfig {
            connect: dovecot.options(),
            poll_interval: Duration::from_secs(3600),
            ..Default::default()
        });
    })
    .await;
    let admin = t.admin_token().await;
    let (id, user) = t.provision_imap_account(dovecot.port, USER, PASSWORD).await;

    // Token 1 = the account's state right after creation (system folders): anything the sync commits is beyond it.
    let cws = Element::ns("CreateWaitSetRequest", NS_MAIL)
        .with_attr("defTypes", "m")
        .with_child(
            Element::new("add").with_child(
                Element::new("a")
                    .with_attr("id", id.as_str())
                    .with_attr("token", "1"),
            ),
        );
    let created = t.user(&user, cws).await;
    assert_eq!(created.status, 200, "{}", created.raw);
    let ws = created.attr("waitSet").unwrap();
    let (seq, accounts) = wait_for(&t, &user, &ws, "0").await;
    assert_eq!(accounts, vec![id.clone()]);

    // The worker may commit in several batches: wait (bounded) until all three messages are there.
    let mut full = None;
    for _ in 0..100 {
        let r = t.user(&user, Element::ns("SyncRequest", NS_MAIL)).await;
        if count(&r.body, "m") == 3 {
            full = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let full = full.expect("three messages mirrored");
    assert_eq!(
        count(&full.body, "c"),
        2,
        "1+2 thread together, 3 alone: {}",
        full.raw
    );
    let token: u64 = full.attr("token").unwrap().parse().unwrap();

    // Upstream change + on-demand sync → the waitset fires again and a delta sync shows the new message.
    common::mirror::append(&src, &dovecot.options(), "INBOX", &[(4, Some(3))]).await;
    let sync_req = Element::ns("SyncAccountRequest", NS_ADMIN).with_attr("id", id.as_str());
    assert_eq!(t.admin(&admin, sync_req).await.status, 200);
    let (_, accounts) = wait_for(&t, &user, &ws, &seq).await;
    assert_eq!(accounts, vec![id.clone()]);
    let mut seen = false;
    for _ in 0..100 {
        let delta = t
            .user(
                &user,
                Element::ns("SyncRequest", NS_MAIL).with_attr("token", token.to_string()),
            )
            .await;
        if delta
            .body
            .children_named("m")
            .any(|m| m.scalar("su").as_deref() == Some("Re: Topic 3"))
        {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(seen, "the appended reply reached the store");
    t.server.shutdown().await;
}

/// The subjects of every message in a full SyncRequest answer, sorted.
async fn subjects(t: &TestServer, user: &str) -> Vec<String> {
    let r = t.user(user, Element::ns("SyncRequest", NS_MAIL)).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    fn walk(el: &Element, out: &mut Vec<String>) {
        if el.name == "m"
            && let Some(su) = el.scalar("su")
        {
            out.push(su);
        }
        el.children.iter().for_each(|c| walk(c, out));
    }
    let mut out = Vec::new();
    walk(&r.body, &mut out);
    out.sort();
    out
}

async fn wait_for_subjects(t: &TestServer, user: &str, want: &[&str]) {
    let mut last = Vec::new();
    for _ in 0..100 {
        last = subjects(t, user).await;
        if last == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("store holds {last:?}, want {want:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pointing_an_account_at_another_mailbox_replaces_its_mail() {
    let (old, new) = (Dovecot::start(), Dovecot::start());
    let opts = old.options();
    common::mirror::append(
        &old.source(ImapSecurity::None),
        &opts,
        "INBOX",
        &[(1, None), (2, Some(1))],
    )
    .await;
    common::mirror::append(&old.source(ImapSecurity::None), &opts, "Old", &[(3, None)]).await;
    common::mirror::append(
        &new.source(ImapSecurity::None),
        &new.options(),
        "INBOX",
        &[(7, None)],
    )
    .await;
    let t = TestServer::start_with(|c| {
        c.sync = Some(inboxd_imap_driver::SyncConfig {
            connect: opts.clone(),
            poll_interval: Duration::from_secs(3600),
            ..Default::default()
        });
    })
    .await;
    let admin = t.admin_token().await;
    let (id, user) = t.provision_imap_account(old.port, USER, PASSWORD).await;
    wait_for_subjects(&t, &user, &["Re: Topic 1", "Topic 1", "Topic 3"]).await;

    // A new password for the same mailbox keeps the mirror.
    let a = |n: &str, v: &str| Element::text_child("a", v).with_attr("n", n);
    let same = Element::ns("ModifyAccountRequest", NS_ADMIN)
        .with_attr("id", id.as_str())
        .with_child(a("imapPassword", PASSWORD));
    assert_eq!(t.admin(&admin, same).await.status, 200);
    assert_eq!(
        subjects(&t, &user).await,
        ["Re: Topic 1", "Topic 1", "Topic 3"]
    );

    // Another server: the old mail and its folder go, the new mailbox is mirrored.
    let moved = Element::ns("ModifyAccountRequest", NS_ADMIN)
        .with_attr("id", id.as_str())
        .with_child(a("imapPort", &new.port.to_string()));
    let r = t.admin(&admin, moved).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    wait_for_subjects(&t, &user, &["Topic 7"]).await;
    let folders = t
        .user(&user, Element::ns("GetFolderRequest", NS_MAIL))
        .await;
    assert!(
        !folders.raw.contains("\"Old\"") && !folders.raw.contains("name=\"Old\""),
        "{}",
        folders.raw
    );
    t.server.shutdown().await;
}
