//! End-to-end over real HTTP: auth, provisioning, the first mail requests, SyncRequest tokens, and bad input.

mod support;

use std::time::Duration;

use inboxd_soap::{Element, Format, NS_ADMIN, NS_MAIL};
use support::TestServer;

fn create_contact(first: &str) -> Element {
    Element::ns("CreateContactRequest", NS_MAIL).with_child(
        Element::new("cn")
            .with_child(Element::text_child("a", first).with_attr("n", "firstName"))
            .with_child(Element::text_child("a", "x@example.test").with_attr("n", "email")),
    )
}

fn sync(token: Option<u64>) -> Element {
    let mut el = Element::ns("SyncRequest", NS_MAIL);
    if let Some(t) = token {
        el.set_attr("token", t.to_string());
    }
    el
}

fn token_of(a: &support::Answer) -> u64 {
    a.attr("token")
        .unwrap_or_else(|| panic!("no token: {}", a.raw))
        .parse()
        .unwrap()
}

async fn admin_user_contact_sync(format: Format) {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let id = t.create_account(&admin, "ann@example.test", "pw").await;
    let auth = t.user_token("ann@example.test", "pw").await;
    assert_eq!(auth.status, 200, "{}", auth.raw);
    let user = auth.body.scalar("authToken").unwrap();
    let url = t.user_url();

    let full = t.send(&url, format, Some(&user), sync(None)).await;
    assert_eq!(full.status, 200, "{}", full.raw);
    let before = token_of(&full);

    let created = t
        .send(&url, format, Some(&user), create_contact("Ann"))
        .await;
    assert_eq!(created.status, 200, "{}", created.raw);
    let cn = created.body.child("cn").expect("cn in response");
    let cn_id = cn.scalar("id").unwrap();

    let delta = t.send(&url, format, Some(&user), sync(Some(before))).await;
    assert_eq!(delta.status, 200, "{}", delta.raw);
    assert!(token_of(&delta) > before, "{}", delta.raw);
    let ids: Vec<_> = delta
        .body
        .children_named("cn")
        .filter_map(|c| c.scalar("id"))
        .collect();
    assert_eq!(ids, vec![cn_id.clone()], "{}", delta.raw);
    let names: Vec<_> = delta
        .body
        .children_named("cn")
        .flat_map(|c| c.children_named("a"))
        .collect();
    assert!(
        names.iter().any(|a| a.text_content() == Some("Ann")),
        "{}",
        delta.raw
    );

    // The account id the admin saw is the one the store uses for this user.
    assert!(
        t.server
            .app
            .store
            .account(&inboxd_model::AccountId::new(id))
            .unwrap()
            .is_some()
    );
    t.server.shutdown().await;
}

#[tokio::test]
async fn xml_round_trip_admin_user_contact_sync() {
    admin_user_contact_sync(Format::Soap12).await;
}

#[tokio::test]
async fn json_round_trip_admin_user_contact_sync() {
    admin_user_contact_sync(Format::Json).await;
}

#[tokio::test]
async fn delete_shows_in_delta_sync_and_modify_updates() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (_, user) = t.new_user(&admin, "bob@example.test").await;
    let created = t.user(&user, create_contact("Bob")).await;
    let cn_id = created.body.child("cn").unwrap().scalar("id").unwrap();
    let base = token_of(&t.user(&user, sync(None)).await);

    let modify = Element::ns("ModifyContactRequest", NS_MAIL).with_child(
        Element::new("cn")
            .with_attr("id", cn_id.as_str())
            .with_child(Element::text_child("a", "Robert").with_attr("n", "firstName")),
    );
    let m = t.user(&user, modify).await;
    assert_eq!(m.status, 200, "{}", m.raw);
    let mid = token_of(&t.user(&user, sync(Some(base))).await);
    assert_eq!(mid, base + 1);

    let del = Element::ns("ContactActionRequest", NS_MAIL).with_child(
        Element::new("action")
            .with_attr("op", "delete")
            .with_attr("id", cn_id.as_str()),
    );
    assert_eq!(t.user(&user, del).await.status, 200);
    let delta = t.user(&user, sync(Some(mid))).await;
    let deleted = delta.body.child("deleted").expect("deleted element");
    assert_eq!(
        deleted.scalar("ids").as_deref(),
        Some(cn_id.as_str()),
        "{}",
        delta.raw
    );
    assert_eq!(token_of(&delta), mid + 1);
}

#[tokio::test]
async fn appointments_tasks_documents_create_modify_delete() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (_, user) = t.new_user(&admin, "cal@example.test").await;
    let invite = |name: &str| {
        Element::new("m").with_child(
            Element::new("inv").with_child(
                Element::new("comp")
                    .with_attr("name", name)
                    .with_child(Element::new("s").with_attr("d", "20261124T100000Z"))
                    .with_child(Element::new("e").with_attr("d", "20261124T110000Z")),
            ),
        )
    };
    for (create, modify, cancel, resp) in [
        (
            "CreateAppointmentRequest",
            "ModifyAppointmentRequest",
            "CancelAppointmentRequest",
            "appt",
        ),
        (
            "CreateTaskRequest",
            "ModifyTaskRequest",
            "CancelTaskRequest",
            "task",
        ),
    ] {
        let base = token_of(&t.user(&user, sync(None)).await);
        let c = t
            .user(
                &user,
                Element::ns(create, NS_MAIL).with_child(invite("Standup")),
            )
            .await;
        assert_eq!(c.status, 200, "{}", c.raw);
        let id = c.attr("calItemId").unwrap();
        let m = Element::ns(modify, NS_MAIL)
            .with_attr("id", id.as_str())
            .with_child(invite("Retro"));
        assert_eq!(t.user(&user, m).await.status, 200);
        let delta = t.user(&user, sync(Some(base))).await;
        let item = delta
            .body
            .child(resp)
            .unwrap_or_else(|| panic!("{}", delta.raw));
        assert!(
            item.children_named("a")
                .any(|a| a.text_content() == Some("Retro")),
            "{}",
            delta.raw
        );
        let x = t
            .user(
                &user,
                Element::ns(cancel, NS_MAIL).with_attr("id", id.as_str()),
            )
            .await;
        assert_eq!(x.status, 200, "{}", x.raw);
        let after = t.user(&user, sync(Some(base))).await;
        assert!(after.body.child("deleted").is_some(), "{}", after.raw);
    }
    let doc = Element::ns("SaveDocumentRequest", NS_MAIL).with_child(
        Element::new("doc")
            .with_attr("name", "notes.txt")
            .with_child(Element::text_child("content", "hello")),
    );
    let d = t.user(&user, doc).await;
    assert_eq!(d.status, 200, "{}", d.raw);
    assert_eq!(
        d.body.child("doc").unwrap().scalar("ver").as_deref(),
        Some("1")
    );
}

#[tokio::test]
async fn get_folder_returns_the_system_tree() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (_, user) = t.new_user(&admin, "f@example.test").await;
    let a = t
        .user(&user, Element::ns("GetFolderRequest", NS_MAIL))
        .await;
    assert_eq!(a.status, 200, "{}", a.raw);
    let root = a.body.child("folder").unwrap();
    assert_eq!(root.scalar("id").as_deref(), Some("1"));
    let names: Vec<_> = root
        .children_named("folder")
        .filter_map(|f| f.scalar("name"))
        .collect();
    for want in ["Inbox", "Trash", "Sent", "Contacts"] {
        assert!(
            names.iter().any(|n| n == want),
            "{want} missing from {names:?}"
        );
    }
}

#[tokio::test]
async fn auth_failures() {
    let t = TestServer::start_with(|c| c.token_lifetime = Duration::from_secs(60)).await;
    let admin = t.admin_token().await;
    let (_, user) = t.new_user(&admin, "eve@example.test").await;

    let wrong = t.user_token("eve@example.test", "nope").await;
    assert_eq!(
        wrong.fault_code().as_deref(),
        Some("account.AUTH_FAILED"),
        "{}",
        wrong.raw
    );
    let unknown = t.user_token("nobody@example.test", "pw").await;
    assert_eq!(
        unknown.fault_code().as_deref(),
        Some("account.AUTH_FAILED"),
        "{}",
        unknown.raw
    );

    // No token, a forged token, and a non-admin token on the admin listener.
    let none = t
        .send(&t.user_url(), Format::Soap12, None, sync(None))
        .await;
    assert_eq!(none.fault_code().as_deref(), Some("service.AUTH_REQUIRED"));
    let mut forged = user.clone();
    forged.replace_range(forged.len() - 4.., "0000");
    let f = t.user(&forged, sync(None)).await;
    assert_eq!(
        f.fault_code().as_deref(),
        Some("service.AUTH_REQUIRED"),
        "{}",
        f.raw
    );
    let denied = t
        .admin(&user, Element::ns("GetAllAccountsRequest", NS_ADMIN))
        .await;
    assert_eq!(denied.fault_code().as_deref(), Some("service.PERM_DENIED"));
    // A user cannot get an admin token either.
    let req = Element::ns("AuthRequest", NS_ADMIN)
        .with_child(Element::text_child("name", "eve@example.test"))
        .with_child(Element::text_child("password", "pw"));
    let a = t.send(&t.admin_url(), Format::Soap12, None, req).await;
    assert!(a.is_fault(), "{}", a.raw);

    // The token works until it expires.
    assert_eq!(t.user(&user, sync(None)).await.status, 200);
    t.clock.advance(Duration::from_secs(61));
    let expired = t.user(&user, sync(None)).await;
    assert_eq!(
        expired.fault_code().as_deref(),
        Some("service.AUTH_EXPIRED"),
        "{}",
        expired.raw
    );
}

#[tokio::test]
async fn users_reach_only_their_own_account() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (_, alice) = t.new_user(&admin, "alice@example.test").await;
    let (bob_id, _) = t.new_user(&admin, "bob2@example.test").await;
    let mut context = Element::ns("context", inboxd_soap::NS_ZIMBRA);
    context.push(Element::text_child("authToken", alice.as_str()));
    context.push(Element::text_child("account", bob_id.as_str()).with_attr("by", "id"));
    let bytes = support::encode_request(Format::Soap12, &context, &sync(None));
    let a = t.post_raw(&t.user_url(), bytes).await;
    assert_eq!(
        a.fault_code().as_deref(),
        Some("service.PERM_DENIED"),
        "{}",
        a.raw
    );
}

#[tokio::test]
async fn provisioning_lifecycle() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let create = Element::ns("CreateAccountRequest", NS_ADMIN)
        .with_attr("name", "imap@example.test")
        .with_attr("password", "pw")
        .with_child(Element::text_child("a", "imap.example.test").with_attr("n", "imapHost"))
        .with_child(Element::text_child("a", "imapuser").with_attr("n", "imapUser"))
        .with_child(Element::text_child("a", "secret").with_attr("n", "imapPassword"))
        .with_child(Element::text_child("a", "starttls").with_attr("n", "imapSecurity"));
    let c = t.admin(&admin, create.clone()).await;
    assert_eq!(c.status, 200, "{}", c.raw);
    assert!(
        !c.raw.contains("secret"),
        "IMAP password must not be echoed: {}",
        c.raw
    );
    let account = c.body.child("account").unwrap();
    let id = account.scalar("id").unwrap();
    let attr = |el: &Element, n: &str| {
        el.children_named("a")
            .find(|a| a.scalar("n").as_deref() == Some(n))
            .and_then(|a| a.text_content().map(str::to_string))
    };
    assert_eq!(attr(account, "imapPort").as_deref(), Some("143"));

    let dup = t.admin(&admin, create).await;
    assert_eq!(dup.fault_code().as_deref(), Some("account.ACCOUNT_EXISTS"));

    let modify = Element::ns("ModifyAccountRequest", NS_ADMIN)
        .with_attr("id", id.as_str())
        .with_child(Element::text_child("a", "maintenance").with_attr("n", "zimbraAccountStatus"));
    let m = t.admin(&admin, modify).await;
    assert_eq!(
        attr(m.body.child("account").unwrap(), "zimbraAccountStatus").as_deref(),
        Some("maintenance")
    );
    let login = t.user_token("imap@example.test", "pw").await;
    assert_eq!(
        login.fault_code().as_deref(),
        Some("account.MAINTENANCE_MODE"),
        "{}",
        login.raw
    );

    let all = t
        .admin(&admin, Element::ns("GetAllAccountsRequest", NS_ADMIN))
        .await;
    assert_eq!(all.body.children_named("account").count(), 2, "{}", all.raw);

    let del = t
        .admin(
            &admin,
            Element::ns("DeleteAccountRequest", NS_ADMIN).with_attr("id", id.as_str()),
        )
        .await;
    assert_eq!(del.status, 200, "{}", del.raw);
    let get = Element::ns("GetAccountRequest", NS_ADMIN)
        .with_child(Element::text_child("account", id.as_str()).with_attr("by", "id"));
    assert_eq!(
        t.admin(&admin, get).await.fault_code().as_deref(),
        Some("account.NO_SUCH_ACCOUNT")
    );
}

#[tokio::test]
async fn bad_input_faults_and_server_keeps_serving() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let url = t.user_url();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("truncated xml", b"<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\"><soap:Body><SyncRe".to_vec(), "service.PARSE_ERROR"),
        ("doctype", br#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><a>&lol2;</a></soap:Body></soap:Envelope>"#.to_vec(), "service.PARSE_ERROR"),
        ("deep json", format!("{}{}", "{\"a\":".repeat(100_000), "}".repeat(100_000)).into_bytes(), "service.PARSE_ERROR"),
        ("huge body", vec![b'<'; 10 * 1024 * 1024], "service.INVALID_REQUEST"),
        ("wrong namespace", br#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><SyncRequest xmlns="urn:nope"/></soap:Body></soap:Envelope>"#.to_vec(), "service.UNKNOWN_DOCUMENT"),
        ("unknown request", br#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body><FrobRequest xmlns="urn:zimbraMail"/></soap:Body></soap:Envelope>"#.to_vec(), "service.UNKNOWN_DOCUMENT"),
        ("json garbage", b"{\"Body\": [1,2".to_vec(), "service.PARSE_ERROR"),
    ];
    for (what, body, code) in cases {
        let a = t.post_raw(&url, body).await;
        assert_eq!(a.status, 500, "{what}: {}", a.raw);
        assert_eq!(a.fault_code().as_deref(), Some(code), "{what}: {}", a.raw);
    }
    // Still serving.
    let ok = t
        .admin(&admin, Element::ns("GetAllAccountsRequest", NS_ADMIN))
        .await;
    assert_eq!(ok.status, 200);
}

#[tokio::test]
async fn metrics_are_exposed_on_the_admin_listener() {
    let t = TestServer::start().await;
    let _ = t.admin_token().await;
    let text = t
        .http
        .get(format!("http://{}/metrics", t.server.admin_addr))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("inboxd_soap_requests_total"), "{text}");
}

#[tokio::test]
async fn batch_request_answers_each_child_with_its_request_id() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (_, user) = t.new_user(&admin, "batch@example.test").await;
    for format in [Format::Soap12, Format::Json, Format::Soap11] {
        let batch = Element::ns("BatchRequest", inboxd_soap::NS_ZIMBRA)
            .with_child(sync(None).with_attr("requestId", "0"))
            .with_child(Element::ns("FrobRequest", NS_MAIL).with_attr("requestId", "1"))
            .with_child(create_contact("Batch").with_attr("requestId", "2"));
        let a = t.send(&t.user_url(), format, Some(&user), batch).await;
        assert_eq!(a.status, 200, "{format:?}: {}", a.raw);
        assert_eq!(a.body.name, "BatchResponse", "{}", a.raw);
        let names: Vec<_> = a
            .body
            .children
            .iter()
            .map(|c| (c.name.clone(), c.scalar("requestId")))
            .collect();
        assert_eq!(
            names,
            vec![
                ("SyncResponse".to_string(), Some("0".to_string())),
                ("Fault".to_string(), Some("1".to_string())),
                ("CreateContactResponse".to_string(), Some("2".to_string())),
            ],
            "{format:?}: {}",
            a.raw
        );
    }
    // onerror="stop" ends at the first fault.
    let batch = Element::ns("BatchRequest", inboxd_soap::NS_ZIMBRA)
        .with_attr("onerror", "stop")
        .with_child(Element::ns("FrobRequest", NS_MAIL).with_attr("requestId", "a"))
        .with_child(sync(None).with_attr("requestId", "b"));
    let a = t.user(&user, batch).await;
    assert_eq!(a.body.children.len(), 1, "{}", a.raw);
}

#[tokio::test]
async fn get_info_names_the_token_owner() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, user) = t.new_user(&admin, "info@example.test").await;
    for format in [Format::Soap12, Format::Json] {
        let a = t
            .send(
                &t.user_url(),
                format,
                Some(&user),
                Element::ns("GetInfoRequest", inboxd_soap::NS_ACCOUNT),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.raw);
        assert_eq!(
            a.body.scalar("id").as_deref(),
            Some(id.as_str()),
            "{}",
            a.raw
        );
        assert_eq!(a.body.scalar("name").as_deref(), Some("info@example.test"));
        let lifetime: u64 = a.body.scalar("lifetime").unwrap().parse().unwrap();
        assert!(lifetime > 0 && lifetime <= 12 * 3600 * 1000, "{lifetime}");
    }
    let none = t
        .send(
            &t.user_url(),
            Format::Soap12,
            None,
            Element::ns("GetInfoRequest", inboxd_soap::NS_ACCOUNT),
        )
        .await;
    assert_eq!(none.fault_code().as_deref(), Some("service.AUTH_REQUIRED"));
}
