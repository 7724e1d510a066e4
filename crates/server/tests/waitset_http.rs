//! WaitSet requests over real HTTP on loopback: parked requests answered by commits, cancel, timeout,
//! destroy, query, faults, and the XML/JSON wire shapes (zimbra-waitset.md §2.3). Tests assert the order
//! of events (parked → commit → answer), never elapsed time.

mod support;

use std::time::Duration;

use inboxd_model::AccountId;
use inboxd_soap::{Element, Format, NS_ADMIN, NS_MAIL};
use inboxd_store::AccountStatus;
use support::{Answer, TestServer};

fn create_contact(first: &str) -> Element {
    Element::ns("CreateContactRequest", NS_MAIL).with_child(
        Element::new("cn").with_child(Element::text_child("a", first).with_attr("n", "firstName")),
    )
}

fn create_ws(ns: &str, def: &str, add: &[&str]) -> Element {
    let name = if ns == NS_ADMIN {
        "AdminCreateWaitSetRequest"
    } else {
        "CreateWaitSetRequest"
    };
    let mut el = Element::ns(name, ns).with_attr("defTypes", def);
    if !add.is_empty() {
        let mut list = Element::new("add");
        for id in add {
            list.push(Element::new("a").with_attr("id", *id));
        }
        el.push(list);
    }
    el
}

fn wait_ws(ns: &str, id: &str, seq: &str, block: bool) -> Element {
    let name = if ns == NS_ADMIN {
        "AdminWaitSetRequest"
    } else {
        "WaitSetRequest"
    };
    Element::ns(name, ns)
        .with_attr("waitSet", id)
        .with_attr("seq", seq)
        .with_attr("block", if block { "1" } else { "0" })
}

fn signalled(a: &Answer) -> Vec<String> {
    a.body
        .children_named("a")
        .filter_map(|e| e.scalar("id"))
        .collect()
}

/// Waits (bounded) until the server holds `n` parked requests.
async fn until_parked(t: &TestServer, n: usize) {
    let shell = t.server.app.waitsets.clone();
    for _ in 0..2000 {
        if shell.stats().parked == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("never reached {n} parked requests");
}

#[tokio::test]
async fn blocking_wait_is_answered_by_a_commit() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, user) = t.new_user(&admin, "ann@example.test").await;
    let created = t.user(&user, create_ws(NS_MAIL, "c", &[&id])).await;
    assert_eq!(created.status, 200, "{}", created.raw);
    assert_eq!(created.attr("seq").as_deref(), Some("0"));
    let ws = created.attr("waitSet").unwrap();
    assert!(ws.starts_with("WaitSet-"));

    let mut order = Vec::new();
    let waiter = t.user(&user, wait_ws(NS_MAIL, &ws, "0", true));
    let committer = async {
        until_parked(&t, 1).await;
        order.push("parked");
        let c = t.user(&user, create_contact("Ann")).await;
        assert_eq!(c.status, 200, "{}", c.raw);
        order.push("committed");
    };
    let (answer, ()) = tokio::join!(waiter, committer);
    order.push("answered");
    assert_eq!(order, ["parked", "committed", "answered"]);
    assert_eq!(answer.status, 200, "{}", answer.raw);
    assert_eq!(answer.attr("seq").as_deref(), Some("2"));
    assert_eq!(signalled(&answer), [id.as_str()]);
    let changeid: u64 = answer
        .body
        .child("a")
        .unwrap()
        .scalar("changeid")
        .unwrap()
        .parse()
        .unwrap();
    assert!(changeid > 0);

    // Acknowledge with seq 2: nothing new, the client's seq is echoed.
    let again = t.user(&user, wait_ws(NS_MAIL, &ws, "2", false)).await;
    assert_eq!(
        (again.attr("seq").as_deref(), signalled(&again).len()),
        (Some("2"), 0)
    );
}

#[tokio::test]
async fn a_second_wait_cancels_the_parked_one() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, user) = t.new_user(&admin, "bob@example.test").await;
    let ws = t
        .user(&user, create_ws(NS_MAIL, "c", &[&id]))
        .await
        .attr("waitSet")
        .unwrap();
    let first = t.user(&user, wait_ws(NS_MAIL, &ws, "0", true));
    let second = async {
        until_parked(&t, 1).await;
        t.user(&user, wait_ws(NS_MAIL, &ws, "0", false)).await
    };
    let (first, second) = tokio::join!(first, second);
    assert_eq!(first.status, 200, "{}", first.raw);
    assert_eq!(first.attr("canceled").as_deref(), Some("1"));
    assert_eq!(first.attr("seq"), None);
    assert_eq!(second.attr("seq").as_deref(), Some("0"));
}

#[tokio::test]
async fn a_timed_out_wait_echoes_the_client_seq() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, user) = t.new_user(&admin, "cy@example.test").await;
    let ws = t
        .user(&user, create_ws(NS_MAIL, "m", &[&id]))
        .await
        .attr("waitSet")
        .unwrap();
    let waiter = t.user(
        &user,
        wait_ws(NS_MAIL, &ws, "0", true).with_attr("timeout", "30"),
    );
    let clock = async {
        until_parked(&t, 1).await;
        t.clock.advance(Duration::from_secs(31));
        t.server.app.waitsets.tick();
    };
    let (answer, ()) = tokio::join!(waiter, clock);
    assert_eq!(answer.status, 200, "{}", answer.raw);
    assert_eq!(answer.attr("seq").as_deref(), Some("0"));
    assert!(signalled(&answer).is_empty());
}

#[tokio::test]
async fn destroy_cancels_the_parked_request_and_query_shows_state() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, _user) = t.new_user(&admin, "dee@example.test").await;
    let ws = t
        .admin(&admin, create_ws(NS_ADMIN, "c,m", &[&id]))
        .await
        .attr("waitSet")
        .unwrap();
    let q = t
        .admin(
            &admin,
            Element::ns("QueryWaitSetRequest", NS_ADMIN).with_attr("waitSet", ws.as_str()),
        )
        .await;
    assert_eq!(q.status, 200, "{}", q.raw);
    let info = q.body.child("waitSet").unwrap();
    assert_eq!(info.scalar("defTypes").as_deref(), Some("mc"));
    let session = info.child("session").unwrap();
    assert_eq!(session.scalar("account").as_deref(), Some(id.as_str()));

    let waiter = t.admin(&admin, wait_ws(NS_ADMIN, &ws, "0", true));
    let destroyer = async {
        until_parked(&t, 1).await;
        let d =
            Element::ns("AdminDestroyWaitSetRequest", NS_ADMIN).with_attr("waitSet", ws.as_str());
        t.admin(&admin, d).await
    };
    let (waited, destroyed) = tokio::join!(waiter, destroyer);
    assert_eq!(destroyed.attr("waitSet").as_deref(), Some(ws.as_str()));
    assert_eq!(waited.attr("canceled").as_deref(), Some("1"));
    let q = t
        .admin(
            &admin,
            Element::ns("QueryWaitSetRequest", NS_ADMIN).with_attr("waitSet", ws.as_str()),
        )
        .await;
    assert_eq!(
        (q.status, q.fault_code().as_deref()),
        (500, Some("admin.NO_SUCH_WAITSET"))
    );
}

#[tokio::test]
async fn faults_match_zimbra() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, user) = t.new_user(&admin, "eve@example.test").await;
    let (other, _) = t.new_user(&admin, "fay@example.test").await;
    let w = t
        .user(&user, wait_ws(NS_MAIL, "WaitSet-nope", "0", false))
        .await;
    assert_eq!(
        (w.status, w.fault_code().as_deref()),
        (500, Some("admin.NO_SUCH_WAITSET"))
    );
    let d = t
        .user(
            &user,
            Element::ns("DestroyWaitSetRequest", NS_MAIL).with_attr("waitSet", "WaitSet-nope"),
        )
        .await;
    assert_eq!(d.fault_code().as_deref(), Some("mail.NO_SUCH_WAITSET"));
    let p = t.user(&user, create_ws(NS_MAIL, "m", &[&other])).await;
    assert_eq!(p.fault_code().as_deref(), Some("service.PERM_DENIED"));
    let bad = t.user(&user, create_ws(NS_MAIL, "m,x", &[&id])).await;
    assert_eq!(bad.fault_code().as_deref(), Some("service.INVALID_REQUEST"));
    let all = t
        .user(
            &user,
            create_ws(NS_MAIL, "m", &[]).with_attr("allAccounts", "1"),
        )
        .await;
    assert_eq!(all.fault_code().as_deref(), Some("service.PERM_DENIED"));
    // Someone else's waitset.
    let ws = t
        .admin(&admin, create_ws(NS_ADMIN, "m", &[]))
        .await
        .attr("waitSet")
        .unwrap();
    let w = t.user(&user, wait_ws(NS_MAIL, &ws, "0", false)).await;
    assert_eq!(w.fault_code().as_deref(), Some("service.PERM_DENIED"));
}

#[tokio::test]
async fn json_wire_shapes() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, user) = t.new_user(&admin, "gus@example.test").await;
    let url = t.admin_url();
    let created = t
        .send(
            &url,
            Format::Json,
            Some(&admin),
            create_ws(NS_ADMIN, "all", &[&id, "nobody"]),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.raw);
    assert!(created.raw.contains("\"seq\":0"), "{}", created.raw);
    assert!(
        created.raw.contains("\"defTypes\":\"f,m,c,a,t,d\""),
        "{}",
        created.raw
    );
    assert!(
        created
            .raw
            .contains("\"error\":[{\"id\":\"nobody\",\"type\":\"NO_SUCH_ACCOUNT\"}]"),
        "{}",
        created.raw
    );
    let ws = created.attr("waitSet").unwrap();
    t.user(&user, create_contact("Gus")).await;
    let answer = t
        .send(
            &url,
            Format::Json,
            Some(&admin),
            wait_ws(NS_ADMIN, &ws, "0", true),
        )
        .await;
    assert!(answer.raw.contains("\"seq\":\"2\""), "{}", answer.raw);
    assert!(
        answer
            .raw
            .contains(&format!("\"a\":[{{\"id\":\"{id}\",\"changeid\":")),
        "{}",
        answer.raw
    );
    let xml = t.admin(&admin, wait_ws(NS_ADMIN, &ws, "0", false)).await;
    assert!(
        xml.raw.contains(&format!("<a id=\"{id}\" changeid=\"")),
        "{}",
        xml.raw
    );
    assert!(xml.raw.contains("seq=\"3\""), "{}", xml.raw);
}

#[tokio::test]
async fn deleted_account_is_reported_as_mailbox_deleted() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, _user) = t.new_user(&admin, "hal@example.test").await;
    let ws = t
        .admin(&admin, create_ws(NS_ADMIN, "all", &[&id]))
        .await
        .attr("waitSet")
        .unwrap();
    let d = t
        .admin(
            &admin,
            Element::ns("DeleteAccountRequest", NS_ADMIN).with_attr("id", id.as_str()),
        )
        .await;
    assert_eq!(d.status, 200, "{}", d.raw);
    // The app forwards status changes to the shell; calling it again is harmless.
    let shell = t.server.app.waitsets.clone();
    shell.account_changed(&AccountId::new(id.clone()), AccountStatus::Deleted);
    let answer = t.admin(&admin, wait_ws(NS_ADMIN, &ws, "0", false)).await;
    let errors: Vec<_> = answer
        .body
        .children_named("error")
        .map(|e| (e.scalar("id"), e.scalar("type")))
        .collect();
    assert_eq!(
        errors,
        [(Some(id), Some("MAILBOX_DELETED".to_string()))],
        "{}",
        answer.raw
    );
}

fn spec(id_or_name: (&str, &str), extra: &[(&str, &str)]) -> Element {
    let mut a = Element::new("a").with_attr(id_or_name.0, id_or_name.1);
    for (k, v) in extra {
        a.set_attr(*k, *v);
    }
    a
}

#[tokio::test]
async fn wait_applies_add_update_remove_with_per_account_errors() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (ivy, _) = t.new_user(&admin, "ivy@example.test").await;
    let (jo, jo_tok) = t.new_user(&admin, "jo@example.test").await;
    let ws = t
        .admin(&admin, create_ws(NS_ADMIN, "c", &[&ivy]))
        .await
        .attr("waitSet")
        .unwrap();
    let req = wait_ws(NS_ADMIN, &ws, "0", false)
        .with_child(
            Element::new("add")
                .with_child(spec(("name", "jo@example.test"), &[("token", "0")]))
                .with_child(spec(("id", &ivy), &[])),
        )
        .with_child(Element::new("update").with_child(spec(("id", "ghost"), &[])))
        .with_child(Element::new("remove").with_child(spec(("id", "ghost2"), &[])));
    let r = t.admin(&admin, req).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let errors: Vec<_> = r
        .body
        .children_named("error")
        .map(|e| (e.scalar("id").unwrap(), e.scalar("type").unwrap()))
        .collect();
    let want = [
        ("ghost2", "NOT_IN_SET_DURING_REMOVE"),
        (ivy.as_str(), "ALREADY_IN_SET_DURING_ADD"),
        ("ghost", "NOT_IN_SET_DURING_UPDATE"),
    ];
    let want: Vec<_> = want
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(errors, want);
    // Jo was added by name with a stale token (0 < Jo's change id): signalled at once.
    let again = t.admin(&admin, wait_ws(NS_ADMIN, &ws, "0", false)).await;
    assert_eq!(signalled(&again), [jo.as_str()], "{}", again.raw);
    let seq = again.attr("seq").unwrap();
    // A commit to Jo after an update with a fresh token signals again.
    let cid = again.body.child("a").unwrap().scalar("changeid").unwrap();
    let upd = wait_ws(NS_ADMIN, &ws, &seq, false)
        .with_child(Element::new("update").with_child(spec(("id", &jo), &[("token", &cid)])));
    let r = t.admin(&admin, upd).await;
    assert!(signalled(&r).is_empty(), "{}", r.raw);
    t.user(&jo_tok, create_contact("Jo")).await;
    let r = t.admin(&admin, wait_ws(NS_ADMIN, &ws, &seq, true)).await;
    assert_eq!(signalled(&r), [jo.as_str()], "{}", r.raw);
    // A malformed token refuses the whole request.
    let bad = wait_ws(NS_ADMIN, &ws, "0", false)
        .with_child(Element::new("update").with_child(spec(("id", &jo), &[("token", "x")])));
    let bad = t.admin(&admin, bad).await;
    assert_eq!(bad.fault_code().as_deref(), Some("service.INVALID_REQUEST"));
}

#[tokio::test]
async fn release_all_answers_parked_requests_for_shutdown() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, user) = t.new_user(&admin, "kim@example.test").await;
    let ws = t
        .user(&user, create_ws(NS_MAIL, "c", &[&id]))
        .await
        .attr("waitSet")
        .unwrap();
    let waiter = t.user(&user, wait_ws(NS_MAIL, &ws, "0", true));
    let release = async {
        until_parked(&t, 1).await;
        t.server.app.waitsets.release_all();
    };
    let (answer, ()) = tokio::join!(waiter, release);
    assert_eq!(answer.attr("seq").as_deref(), Some("0"), "{}", answer.raw);
    assert_eq!(answer.attr("canceled"), None);
}
