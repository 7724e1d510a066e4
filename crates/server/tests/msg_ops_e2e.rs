//! Client operations end to end against a real Dovecot: MsgActionRequest / ConvActionRequest over SOAP (XML
//! and JSON) change the store at once and reach the IMAP server through the account's worker.
//!
//! - vanilla: through a recording proxy and the strict RFC 3501 proxy (no UIDPLUS, no MOVE, COPYUID stripped):
//!   flags by UID STORE, moves by COPY + STORE \Deleted + EXPUNGE and a Message-ID search;
//! - a server advertising UIDPLUS and MOVE: moves are one UID MOVE;
//! - offline: Dovecot stopped, ops apply locally, survive an inboxd restart, collapse (A→B→C is one COPY,
//!   flag+unflag sends nothing) and reach Dovecot when it is back;
//! - interrupted move: the proxy freezes the connection right after the COPY's OK, inboxd is stopped there
//!   and restarted; exactly one copy exists afterwards, upstream and locally.

#[path = "../../imap-driver/tests/common/mod.rs"]
mod common;
mod ops_support;
mod support;

use inboxd_soap::{Element, Format, NS_MAIL};
use inboxd_store::folder_ids;
use ops_support::env::{PAUSE, ROUNDS, count, flags, has, setup, tweak};
use support::TestServer;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_op_reaches_a_vanilla_server() {
    let env = setup(true, &[]).await;
    let store = &env.t.server.app.store;

    // read (XML): the store shows it at once, with a new change id; a delta SyncRequest carries the message
    // (no `u` flag) and its re-churned conversation.
    let before = store.change_id(&env.account).unwrap();
    env.msg_action(Format::Soap12, "read", 1, None).await;
    assert!(env.msg(1).flags.contains(&"\\Seen".to_string()));
    assert!(store.change_id(&env.account).unwrap() > before);
    let delta = env
        .t
        .user(
            &env.user,
            Element::ns("SyncRequest", NS_MAIL).with_attr("token", before.0.to_string()),
        )
        .await;
    let m1 = env.msg(1);
    let shown = delta
        .body
        .children_named("m")
        .find(|m| m.scalar("id") == Some(m1.id.to_string()))
        .unwrap_or_else(|| panic!("message in the delta: {}", delta.raw));
    assert!(!shown.scalar("f").unwrap_or_default().contains('u'));
    let conv = m1.conversation.unwrap().to_string();
    assert!(
        delta
            .body
            .children_named("c")
            .any(|c| c.scalar("id") == Some(conv.clone())),
        "conversation re-churned: {}",
        delta.raw
    );
    env.wait_upstream("uid 1 \\Seen", |u| has(&flags(u, "INBOX", 1), "\\Seen"))
        .await;

    // flag (JSON), !read (XML) on message 3, which arrived \Seen.
    env.msg_action(Format::Json, "flag", 2, None).await;
    env.msg_action(Format::Soap12, "!read", 3, None).await;
    env.wait_upstream("uid 2 flagged, uid 3 unread", |u| {
        has(&flags(u, "INBOX", 2), "\\Flagged") && !has(&flags(u, "INBOX", 3), "\\Seen")
    })
    .await;
    env.msg_action(Format::Json, "!flag", 2, None).await;
    env.wait_upstream("uid 2 unflagged", |u| {
        !has(&flags(u, "INBOX", 2), "\\Flagged")
    })
    .await;

    // move (XML) to Archive, trash (JSON).
    let archive = env.folder_id("Archive");
    env.msg_action(Format::Soap12, "move", 4, Some(archive))
        .await;
    assert_eq!(env.msg(4).folder, archive, "moved locally at once");
    env.msg_action(Format::Json, "trash", 3, None).await;
    assert_eq!(env.msg(3).folder, folder_ids::TRASH);
    env.wait_upstream("moved", |u| {
        count(u, "INBOX") == 2 && count(u, "Archive") == 1 && count(u, "Trash") == 1
    })
    .await;

    // ConvActionRequest flag (JSON) on the 1+2 conversation, then delete (XML) of message 1.
    let conv = env.msg(1).conversation.expect("threaded");
    env.action(Format::Json, "ConvActionRequest", "flag", conv, None)
        .await;
    env.wait_upstream("conversation flagged", |u| {
        has(&flags(u, "INBOX", 1), "\\Flagged") && has(&flags(u, "INBOX", 2), "\\Flagged")
    })
    .await;
    env.msg_action(Format::Soap12, "delete", 1, None).await;
    assert!(env.messages(1).is_empty(), "deleted locally at once");
    env.wait_upstream("deleted", |u| count(u, "INBOX") == 1)
        .await;

    env.wait_mirrored().await;
    assert_eq!(env.msg(4).folder, archive);
    assert!(
        env.msg(4).imap_uid.is_some(),
        "the moved copy's UID is known"
    );
    let strict = env.strict.as_ref().unwrap();
    assert!(strict.rejected().is_empty(), "{:?}", strict.rejected());
    assert_eq!(env.proxy.count("UID MOVE"), 0);
    assert_eq!(env.proxy.count("UID COPY"), 2);
    env.t.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moves_use_uid_move_when_advertised() {
    let env = setup(false, &["UIDPLUS", "MOVE"]).await;
    let archive = env.folder_id("Archive");
    env.msg_action(Format::Json, "move", 1, Some(archive)).await;
    env.msg_action(Format::Soap12, "trash", 3, None).await;
    env.wait_upstream("moved", |u| {
        count(u, "Archive") == 1 && count(u, "Trash") == 1
    })
    .await;
    env.wait_mirrored().await;
    assert_eq!(env.proxy.count("UID MOVE"), 2, "{:?}", env.proxy.commands());
    assert_eq!(env.proxy.count("UID COPY"), 0);
    assert_eq!(
        env.proxy.count("UID SEARCH HEADER"),
        0,
        "COPYUID gave the UIDs"
    );
    assert_eq!(env.msg(1).folder, archive);
    env.t.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_ops_survive_a_restart_collapse_and_reach_the_server() {
    let mut env = setup(true, &[]).await;
    let (archive, later) = (env.folder_id("Archive"), env.folder_id("Later"));
    env.dovecot.pause();
    // The strict proxy keeps client sockets open after its upstream dies; a real outage drops them.
    env.proxy.cut();
    env.wait_offline().await;

    env.msg_action(Format::Soap12, "flag", 1, None).await;
    env.msg_action(Format::Json, "!flag", 1, None).await;
    env.msg_action(Format::Json, "read", 2, None).await;
    env.msg_action(Format::Soap12, "move", 4, Some(archive))
        .await;
    env.msg_action(Format::Json, "move", 4, Some(later)).await;
    assert_eq!(env.msg(4).folder, later, "local at once");
    assert!(env.msg(2).flags.contains(&"\\Seen".to_string()));

    // Restart inboxd while Dovecot is still down.
    let copies_before = env.proxy.count("UID COPY");
    let dir = env.t.stop().await;
    env.t = TestServer::start_in(dir, tweak(&env.dovecot)).await;
    env.user = env
        .t
        .user_token("alice@example.test", "pw")
        .await
        .body
        .scalar("authToken")
        .unwrap();
    assert_eq!(env.msg(4).folder, later, "survived the restart");

    env.dovecot.restart();
    env.wait_upstream("ops carried out", |u| {
        count(u, "Later") == 1 && count(u, "INBOX") == 3 && has(&flags(u, "INBOX", 2), "\\Seen")
    })
    .await;
    env.wait_mirrored().await;
    assert_eq!(env.msg(4).folder, later);
    let commands = env.proxy.commands();
    let copies: Vec<&String> = commands
        .iter()
        .filter(|c| c.to_ascii_uppercase().starts_with("UID COPY"))
        .collect();
    assert_eq!(
        copies.len() - copies_before,
        1,
        "A→B→C is one move: {commands:?}"
    );
    assert!(copies.last().unwrap().contains("Later"));
    assert!(
        !commands.iter().any(|c| c.contains("\\Flagged")),
        "flag then unflag sends nothing: {commands:?}"
    );
    assert_eq!(count(&env.upstream().await, "Archive"), 0);
    env.t.server.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_move_interrupted_between_copy_and_expunge_ends_with_one_copy() {
    let mut env = setup(true, &[]).await;
    let archive = env.folder_id("Archive");
    env.proxy.stall_after_copy();
    env.msg_action(Format::Soap12, "move", 1, Some(archive))
        .await;
    for _ in 0..ROUNDS {
        if env.proxy.stalled() {
            break;
        }
        tokio::time::sleep(PAUSE).await;
    }
    assert!(env.proxy.stalled(), "the COPY went through");
    let up = env.upstream().await;
    assert_eq!(
        (count(&up, "INBOX"), count(&up, "Archive")),
        (4, 1),
        "copied, not expunged"
    );

    // Stop inboxd in that state (the stalled connection is cut so the worker can end), then restart.
    env.proxy.cut();
    let dir = env.t.stop().await;
    env.proxy.unstall();
    env.t = TestServer::start_in(dir, tweak(&env.dovecot)).await;
    env.t.server.app.sync.sync_now(&env.account);
    env.wait_upstream("move finished", |u| {
        count(u, "INBOX") == 3 && count(u, "Archive") == 1
    })
    .await;
    env.wait_mirrored().await;
    assert_eq!(
        env.proxy.count("UID COPY"),
        1,
        "no second copy: {:?}",
        env.proxy.commands()
    );
    let m = env.msg(1);
    assert_eq!(m.folder, archive);
    env.t.server.shutdown().await;
}
