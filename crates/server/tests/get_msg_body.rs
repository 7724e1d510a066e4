//! GetMsgRequest with bodies fetched on demand: a real Dovecot holds a multipart/mixed message (text + PDF
//! attachment); the server's worker mirrors it, the first GetMsgRequest makes the worker fetch the body and
//! answers with the `<mp>` parts (XML and JSON); later requests use the stored parts even with Dovecot down,
//! and a body that was never fetched while offline is answered with headers only, without a fault.

#[path = "../../imap-driver/tests/common/mod.rs"]
mod common;
mod support;

use std::time::Duration;

use common::dovecot::{Dovecot, PASSWORD, USER};
use inboxd_imap_driver::{BODY_SPACE, Connection};
use inboxd_imap_sync::wire::Command;
use inboxd_soap::{Element, Format, NS_ADMIN, NS_MAIL};
use inboxd_store::ImapSecurity;
use support::TestServer;

const TEXT: &str = "Hello Alice, the report is attached.";

fn multipart() -> Vec<u8> {
    format!(
        "From: Bob <bob@example.com>\r\nTo: alice@example.com\r\nSubject: Report\r\n\
         Date: Mon, 2 Nov 2026 10:00:00 +0000\r\nMessage-ID: <report@example.com>\r\n\
         MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n\
         --XYZ\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{TEXT}\r\n\
         --XYZ\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n\
         Content-Disposition: attachment; filename=\"report.pdf\"\r\n\
         Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJSVFT0YK\r\n--XYZ--\r\n"
    )
    .into_bytes()
}

fn plain(subject: &str) -> Vec<u8> {
    format!(
        "From: Bob <bob@example.com>\r\nTo: alice@example.com\r\nSubject: {subject}\r\n\
         Date: Mon, 2 Nov 2026 11:00:00 +0000\r\nMessage-ID: <{subject}@example.com>\r\n\r\n\
         Never fetched.\r\n"
    )
    .into_bytes()
}

fn a(n: &str, v: impl Into<String>) -> Element {
    Element::text_child("a", v.into()).with_attr("n", n)
}

/// Every `<mp>` in the tree, depth first.
fn parts(el: &Element, out: &mut Vec<Element>) {
    for c in &el.children {
        if c.name == "mp" {
            out.push(c.clone());
        }
        parts(c, out);
    }
}

fn get_msg(id: &str) -> Element {
    Element::ns("GetMsgRequest", NS_MAIL).with_child(Element::new("m").with_attr("id", id))
}

/// Message ids by subject, once `n` messages are mirrored (bounded wait).
async fn mirrored(t: &TestServer, user: &str, n: usize) -> Vec<(String, String)> {
    for _ in 0..150 {
        let r = t.user(user, Element::ns("SyncRequest", NS_MAIL)).await;
        let mut found = Vec::new();
        collect_messages(&r.body, &mut found);
        if found.len() == n {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{n} messages were not mirrored");
}

fn collect_messages(el: &Element, out: &mut Vec<(String, String)>) {
    for c in &el.children {
        if c.name == "m"
            && let Some(id) = c.scalar("id")
        {
            out.push((c.scalar("su").unwrap_or_default(), id));
        }
        collect_messages(c, out);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_msg_fetches_and_stores_body_parts() {
    let mut dovecot = Dovecot::start();
    let src = dovecot.source(ImapSecurity::None);
    let mut conn = Connection::connect(&src, &dovecot.options())
        .await
        .expect("connect");
    for message in [multipart(), plain("Later")] {
        conn.execute_ok(&Command::Append {
            mailbox: "INBOX".into(),
            flags: vec![],
            date: Some(1_793_000_000_000),
            message,
        })
        .await
        .expect("append");
    }
    conn.logout().await;

    let t = TestServer::start_with(|c| {
        c.sync = Some(inboxd_imap_driver::SyncConfig {
            connect: dovecot.options(),
            poll_interval: Duration::from_secs(3600),
            ..Default::default()
        });
    })
    .await;
    let admin = t.admin_token().await;
    let create = Element::ns("CreateAccountRequest", NS_ADMIN)
        .with_attr("name", "alice@example.test")
        .with_attr("password", "pw")
        .with_child(a("imapHost", "127.0.0.1"))
        .with_child(a("imapPort", dovecot.port.to_string()))
        .with_child(a("imapSecurity", "none"))
        .with_child(a("imapUser", USER))
        .with_child(a("imapPassword", PASSWORD));
    let created = t.admin(&admin, create).await;
    assert_eq!(created.status, 200, "{}", created.raw);
    let user = t
        .user_token("alice@example.test", "pw")
        .await
        .body
        .scalar("authToken")
        .unwrap();
    let ids = mirrored(&t, &user, 2).await;
    let id_of = |su: &str| ids.iter().find(|(s, _)| s == su).unwrap().1.clone();
    let (report, later) = (id_of("Report"), id_of("Later"));

    // First read: the worker fetches the body on demand.
    let r = t.user(&user, get_msg(&report)).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let mut mp = Vec::new();
    parts(&r.body, &mut mp);
    let text = mp
        .iter()
        .find(|p| p.scalar("ct").as_deref() == Some("text/plain"))
        .unwrap_or_else(|| panic!("no text part: {}", r.raw));
    assert_eq!(text.scalar("body").as_deref(), Some("1"));
    let content = text.child("content").and_then(|c| c.text.clone());
    assert!(
        content.is_some_and(|c| c.contains(TEXT)),
        "text content: {}",
        r.raw
    );
    let attachment = mp
        .iter()
        .find(|p| p.scalar("filename").as_deref() == Some("report.pdf"))
        .unwrap_or_else(|| panic!("no attachment part: {}", r.raw));
    assert!(attachment.child("content").is_none(), "{}", r.raw);

    // JSON: Zimbra's shape, `"mp":[{…,"content":"…"}]`.
    let j = t
        .send(&t.user_url(), Format::Json, Some(&user), get_msg(&report))
        .await;
    assert_eq!(j.status, 200, "{}", j.raw);
    assert!(j.raw.contains("\"mp\":["), "{}", j.raw);
    assert!(
        j.raw.contains(&format!("\"content\":\"{TEXT}")),
        "{}",
        j.raw
    );
    assert!(j.raw.contains("\"filename\":\"report.pdf\""), "{}", j.raw);
    assert!(j.raw.contains("\"body\":true"), "{}", j.raw);

    // Upstream gone: the stored parts still answer; a body the store lacks degrades to headers only.
    dovecot.pause();
    let app = &t.server.app;
    let account = app
        .store
        .account_by_name("alice@example.test")
        .unwrap()
        .unwrap()
        .id;
    let mut offline = false;
    for _ in 0..150 {
        if app.sync.status(&account).is_some_and(|s| !s.connected) {
            offline = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(offline, "the worker noticed Dovecot is gone");
    // Whether or not the sync already fetched it, make sure the store lacks this body.
    app.store
        .commit(&account, t.clock.now(), |txn| {
            txn.sync_put(BODY_SPACE, &later, None)
        })
        .unwrap();
    let r = t.user(&user, get_msg(&report)).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    assert!(
        r.raw.contains(TEXT),
        "stored parts answer offline: {}",
        r.raw
    );
    assert!(r.raw.contains("report.pdf"), "{}", r.raw);
    let r = t.user(&user, get_msg(&later)).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let mut mp = Vec::new();
    parts(&r.body, &mut mp);
    assert!(mp.is_empty(), "no parts without a fetch: {}", r.raw);
    assert!(r.raw.contains("Later"), "{}", r.raw);
    t.server.shutdown().await;
}
