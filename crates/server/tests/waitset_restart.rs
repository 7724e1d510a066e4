//! All-accounts waitsets survive a server restart: the client's seq (a commit seq) and the change log are
//! enough to resume under the same id.

mod support;

use inboxd_soap::{Element, NS_ADMIN, NS_MAIL};
use support::TestServer;

fn create_contact(first: &str) -> Element {
    Element::ns("CreateContactRequest", NS_MAIL).with_child(
        Element::new("cn").with_child(Element::text_child("a", first).with_attr("n", "firstName")),
    )
}

fn admin_wait(id: &str, seq: &str) -> Element {
    Element::ns("AdminWaitSetRequest", NS_ADMIN)
        .with_attr("waitSet", id)
        .with_attr("seq", seq)
        .with_attr("defTypes", "c")
        // Blocking: the commit's event reaches the engine asynchronously; data answers at once.
        .with_attr("block", "1")
}

#[tokio::test]
async fn all_accounts_waitset_resumes_after_restart() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (ann, ann_tok) = t.new_user(&admin, "ann@example.test").await;
    let (bob, bob_tok) = t.new_user(&admin, "bob@example.test").await;
    let create = Element::ns("AdminCreateWaitSetRequest", NS_ADMIN)
        .with_attr("defTypes", "c")
        .with_attr("allAccounts", "1");
    let created = t.admin(&admin, create).await;
    assert_eq!(created.status, 200, "{}", created.raw);
    let ws = created.attr("waitSet").unwrap();
    assert!(ws.starts_with("AllWaitSet-"));

    t.user(&ann_tok, create_contact("A")).await;
    let first = t.admin(&admin, admin_wait(&ws, "0")).await;
    let ids: Vec<_> = first
        .body
        .children_named("a")
        .filter_map(|a| a.scalar("id"))
        .collect();
    assert_eq!(ids, [ann.as_str()]);
    let seq = first.attr("seq").unwrap();
    assert!(
        seq.parse::<u64>().unwrap() > 0,
        "seq is a commit seq: {seq}"
    );

    // Bob changes after the client's seq; then the server restarts.
    t.user(&bob_tok, create_contact("B")).await;
    let dir = t.stop().await;
    let t = TestServer::start_in(dir, |_| {}).await;
    let admin = t.admin_token().await;

    let resumed = t.admin(&admin, admin_wait(&ws, &seq)).await;
    assert_eq!(resumed.status, 200, "{}", resumed.raw);
    assert_eq!(resumed.attr("waitSet").as_deref(), Some(ws.as_str()));
    let ids: Vec<_> = resumed
        .body
        .children_named("a")
        .filter_map(|a| a.scalar("id"))
        .collect();
    assert_eq!(ids, [bob.as_str()]);
    let next = resumed.attr("seq").unwrap();
    assert!(next.parse::<u64>().unwrap() > seq.parse::<u64>().unwrap());

    // Live changes keep flowing to the resumed waitset.
    let relogin = t.user_token("bob@example.test", "pw").await;
    let bob_tok = relogin.body.scalar("authToken").unwrap();
    t.user(&bob_tok, create_contact("B2")).await;
    let live = t.admin(&admin, admin_wait(&ws, &next)).await;
    assert_eq!(live.body.children_named("a").count(), 1, "{}", live.raw);

    // Seq 0 cannot be resumed (Zimbra: service.PARSE_ERROR); a seq from the future must resync.
    let zero = t.admin(&admin, admin_wait("AllWaitSet-other", "0")).await;
    assert_eq!(zero.fault_code().as_deref(), Some("service.PARSE_ERROR"));
    let future = t
        .admin(&admin, admin_wait("AllWaitSet-other2", "999999"))
        .await;
    assert_eq!(future.fault_code().as_deref(), Some("mail.MUST_RESYNC"));
}
