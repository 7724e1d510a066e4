//! Connection tests against a real Dovecot: plaintext login, STARTTLS, implicit TLS, trust failures, APPEND
//! with literals, and the strict proxy refusing extensions.

mod common;

use std::time::Duration;

use common::dovecot::Dovecot;
use common::proxy::StrictProxy;
use inboxd_imap_driver::{ConnectOptions, Connection, DriverError, Trust, verify_login_with};
use inboxd_imap_sync::wire::{Command, FetchAttr, FetchItem, Status, UidSet, Untagged};
use inboxd_store::ImapSecurity;

const LIMIT: Duration = Duration::from_secs(60);

async fn bounded<F: std::future::Future>(f: F) -> F::Output {
    tokio::time::timeout(LIMIT, f)
        .await
        .expect("test took too long")
}

#[tokio::test]
async fn plaintext_login_and_capabilities() {
    bounded(async {
        let dc = Dovecot::start();
        let mut conn = Connection::connect(&dc.source(ImapSecurity::None), &dc.options())
            .await
            .unwrap();
        assert!(conn.has_capability("IMAP4rev1"));
        assert!(!conn.has_capability("IDLE"), "{:?}", conn.capabilities());
        let reply = conn
            .execute_ok(&Command::List {
                reference: String::new(),
                pattern: "*".into(),
            })
            .await
            .unwrap();
        assert!(
            reply
                .untagged
                .iter()
                .any(|u| matches!(u, Untagged::List(e) if e.mailbox == "INBOX"))
        );
        conn.logout().await;
    })
    .await;
}

#[tokio::test]
async fn wrong_password_is_an_auth_error() {
    bounded(async {
        let dc = Dovecot::start();
        let mut src = dc.source(ImapSecurity::None);
        src.password = "nope".into();
        let err = Connection::connect(&src, &dc.options()).await.unwrap_err();
        assert!(matches!(err, DriverError::Auth(_)), "{err}");
    })
    .await;
}

#[tokio::test]
async fn plaintext_refused_unless_allowed() {
    bounded(async {
        let dc = Dovecot::start();
        let opts = ConnectOptions {
            allow_plaintext: false,
            ..dc.options()
        };
        let err = Connection::connect(&dc.source(ImapSecurity::None), &opts)
            .await
            .unwrap_err();
        assert!(matches!(err, DriverError::Config(_)), "{err}");
    })
    .await;
}

#[tokio::test]
async fn starttls_and_implicit_tls_verify_the_server() {
    bounded(async {
        let dc = Dovecot::start();
        for security in [ImapSecurity::StartTls, ImapSecurity::Tls] {
            let mut conn = Connection::connect(&dc.source(security), &dc.options())
                .await
                .unwrap();
            conn.execute_ok(&Command::Noop).await.unwrap();
            conn.logout().await;
            // The webpki roots do not contain the test CA: verification must fail.
            let opts = ConnectOptions {
                trust: Trust::WebPki,
                ..dc.options()
            };
            let err = Connection::connect(&dc.source(security), &opts)
                .await
                .unwrap_err();
            assert!(matches!(err, DriverError::Tls(_)), "{security:?}: {err}");
        }
    })
    .await;
}

#[tokio::test]
async fn append_with_literal_then_fetch() {
    bounded(async {
        let dc = Dovecot::start();
        let mut conn = Connection::connect(&dc.source(ImapSecurity::Tls), &dc.options()).await.unwrap();
        conn.execute_ok(&Command::Create { mailbox: "Entwürfe".into() }).await.unwrap();
        let message = b"From: a@example.com\r\nSubject: Gr\xc3\xbc\xc3\x9fe\r\nMessage-ID: <m1@example.com>\r\n\r\nHello\r\n".to_vec();
        conn.execute_ok(&Command::Append {
            mailbox: "Entwürfe".into(),
            flags: vec!["\\Seen".into()],
            date: Some(1_700_000_000_000),
            message: message.clone(),
        })
        .await
        .unwrap();
        let reply = conn.execute_ok(&Command::Select { mailbox: "Entwürfe".into() }).await.unwrap();
        assert!(reply.untagged.contains(&Untagged::Exists(1)));
        let reply = conn
            .execute_ok(&Command::UidFetch {
                set: UidSet::range(1, u32::MAX).unwrap(),
                items: vec![FetchAttr::Uid, FetchAttr::Flags, FetchAttr::InternalDate, FetchAttr::BodyPeek(String::new())],
            })
            .await
            .unwrap();
        let Some(Untagged::Fetch { items, .. }) = reply.untagged.first() else { panic!("{reply:?}") };
        assert!(items.contains(&FetchItem::Uid(1)));
        assert!(items.contains(&FetchItem::InternalDate(1_700_000_000_000)));
        assert!(items.iter().any(|i| matches!(i, FetchItem::Flags(f) if f.contains(&"\\Seen".to_string()))));
        assert!(items.iter().any(|i| matches!(i, FetchItem::Body { data: Some(d), .. } if *d == message)));
        // A mailbox that does not exist: NO, not an error of the connection.
        let reply = conn.execute(&Command::Select { mailbox: "Nope".into() }).await.unwrap();
        assert_eq!(reply.status, Status::No);
        conn.execute_ok(&Command::Noop).await.unwrap();
    })
    .await;
}

#[tokio::test]
async fn strict_proxy_refuses_extensions() {
    bounded(async {
        let dc = Dovecot::start();
        let proxy = StrictProxy::start(dc.port).await;
        let mut src = dc.source(ImapSecurity::None);
        src.port = proxy.port;
        let mut conn = Connection::connect(&src, &dc.options()).await.unwrap();
        conn.execute_ok(&Command::Select {
            mailbox: "INBOX".into(),
        })
        .await
        .unwrap();
        let reply = conn
            .execute(&Command::UidMove {
                set: UidSet::single(1).unwrap(),
                mailbox: "INBOX".into(),
            })
            .await
            .unwrap();
        assert_eq!(reply.status, Status::Bad);
        let reply = conn.execute(&Command::Idle).await.unwrap();
        assert_eq!(reply.status, Status::Bad);
        assert_eq!(proxy.rejected().len(), 2);
        conn.execute_ok(&Command::Append {
            mailbox: "INBOX".into(),
            flags: vec![],
            date: None,
            message: b"Subject: x\r\n\r\nbody\r\n".to_vec(),
        })
        .await
        .map(|r| assert!(r.code.is_none(), "APPENDUID must be stripped: {r:?}"))
        .unwrap();
    })
    .await;
}

#[tokio::test]
async fn verify_login_checks_credentials() {
    bounded(async {
        let dc = Dovecot::start();
        let src = dc.source(ImapSecurity::StartTls);
        verify_login_with(&src, &dc.options()).await.unwrap();
        let mut bad = src.clone();
        bad.password = "nope".into();
        let err = verify_login_with(&bad, &dc.options()).await.unwrap_err();
        assert!(matches!(err, DriverError::Auth(_)), "{err}");
    })
    .await;
}
