//! End-to-end over real HTTP, XML and JSON: SearchRequest, GetConvRequest, GetMsgRequest and GetFolderRequest
//! counts on messages and conversations seeded straight into the store (as the sync engine would write them).

mod support;

use inboxd_model::{AccountId, ItemId, Timestamp};
use inboxd_soap::{Element, Format, NS_MAIL};
use inboxd_store::{Address, ConversationSummary, NewFolder, NewMessage, folder_ids};
use support::{Answer, TestServer};

/// A seeded mailbox. Messages, oldest first (date = index + 1 minutes):
/// 0 conv A Inbox unread "Alpha clk", 1 conv B Inbox read "Beta", 2 conv A Inbox read "Re: Alpha clk",
/// 3 conv C "Some Folder" unread "Gamma", 4 conv D Inbox/Sub read "Delta", 5 conv B Inbox unread+flagged
/// "Re: Beta", 6 conv A Trash unread "Re: Alpha clk (trashed)".
struct Seeded {
    t: TestServer,
    token: String,
    account: AccountId,
    convs: [ItemId; 4],
    msgs: Vec<ItemId>,
    some_folder: ItemId,
    sub: ItemId,
}

fn date(i: usize) -> Timestamp {
    Timestamp(1_700_000_000_000 + 60_000 * (i as u64 + 1))
}

async fn seeded() -> Seeded {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, token) = t.new_user(&admin, "reader@example.test").await;
    let account = AccountId::new(id);
    let store = &t.server.app.store;
    let (some_folder, sub, convs, msgs) = store
        .commit(&account, t.clock.now(), |txn| {
            let folder = |parent, name: &str| NewFolder {
                parent,
                name: name.into(),
                view: Some(inboxd_model::ItemType::Message),
                ..Default::default()
            };
            let some_folder = txn.create_folder(folder(folder_ids::ROOT, "Some Folder"))?;
            let sub = txn.create_folder(folder(folder_ids::INBOX, "Sub"))?;
            let mut convs = [ItemId(0); 4];
            for (slot, (subject, n, u)) in convs.iter_mut().zip([
                ("Alpha clk", 3, 2),
                ("Beta", 2, 1),
                ("Gamma", 1, 1),
                ("Delta", 1, 0),
            ]) {
                *slot = txn.put_conversation(ConversationSummary {
                    subject: subject.into(),
                    message_count: n,
                    unread_count: u,
                    snippet: Some(format!("{subject} snippet")),
                    ..Default::default()
                })?;
            }
            let [a, b, c, d] = convs;
            let plan: [(ItemId, ItemId, &str, &[&str]); 7] = [
                (a, folder_ids::INBOX, "Alpha clk", &[]),
                (b, folder_ids::INBOX, "Beta", &["\\Seen"]),
                (a, folder_ids::INBOX, "Re: Alpha clk", &["\\Seen"]),
                (c, some_folder, "Gamma", &[]),
                (d, sub, "Delta", &["\\Seen"]),
                (b, folder_ids::INBOX, "Re: Beta", &["\\Flagged"]),
                (a, folder_ids::TRASH, "Re: Alpha clk (trashed)", &[]),
            ];
            let mut msgs = Vec::new();
            for (i, (conv, folder, subject, flags)) in plan.into_iter().enumerate() {
                msgs.push(txn.insert_message(NewMessage {
                    folder,
                    conversation: Some(conv),
                    imap_uid: Some(100 + i as u32),
                    message_id: Some(format!("m{i}@example.test")),
                    in_reply_to: if i == 2 {
                        vec!["m0@example.test".into()]
                    } else {
                        vec![]
                    },
                    subject: subject.into(),
                    from: vec![Address {
                        name: Some("Bob".into()),
                        email: "bob@example.test".into(),
                    }],
                    to: vec![Address {
                        name: None,
                        email: "reader@example.test".into(),
                    }],
                    date: date(i),
                    internal_date: date(i),
                    size: 1000 + i as u64,
                    flags: flags.iter().map(|f| f.to_string()).collect(),
                    snippet: Some(format!("snippet {i}")),
                    ..Default::default()
                })?);
            }
            Ok((some_folder, sub, convs, msgs))
        })
        .unwrap()
        .value;
    Seeded {
        t,
        token,
        account,
        convs,
        msgs,
        some_folder,
        sub,
    }
}

impl Seeded {
    async fn send(&self, format: Format, body: Element) -> Answer {
        self.t
            .send(&self.t.user_url(), format, Some(&self.token), body)
            .await
    }

    async fn ok(&self, format: Format, body: Element) -> Answer {
        let a = self.send(format, body).await;
        assert_eq!(a.status, 200, "{}", a.raw);
        a
    }

    /// Indexes (into `msgs`) of the `<m>` hits.
    fn msg_indexes(&self, a: &Answer) -> Vec<usize> {
        a.body
            .children_named("m")
            .map(|m| self.msg_index(m))
            .collect()
    }

    fn msg_index(&self, m: &Element) -> usize {
        let id: i64 = m.scalar("id").unwrap().parse().unwrap();
        self.msgs.iter().position(|x| x.0 == id).unwrap()
    }

    /// (conversation index, matching message indexes) of the `<c>` hits.
    fn conv_hits(&self, a: &Answer) -> Vec<(usize, Vec<usize>)> {
        a.body
            .children_named("c")
            .map(|c| {
                let id: i64 = c.scalar("id").unwrap().parse().unwrap();
                let conv = self.convs.iter().position(|x| x.0 == id).unwrap();
                let ms = c.children_named("m").map(|m| self.msg_index(m)).collect();
                (conv, ms)
            })
            .collect()
    }
}

fn search(query: Option<&str>, types: Option<&str>, extra: &[(&str, &str)]) -> Element {
    let mut el = Element::ns("SearchRequest", NS_MAIL);
    if let Some(t) = types {
        el.set_attr("types", t);
    }
    for (k, v) in extra {
        el.set_attr(*k, *v);
    }
    if let Some(q) = query {
        el.push(Element::text_child("query", q));
    }
    el
}

/// `more` as a bool whether it came as XML `1`/`0` or JSON `true`/`false`.
fn more(a: &Answer) -> bool {
    match a.attr("more").as_deref() {
        Some("1" | "true") => true,
        Some("0" | "false") => false,
        other => panic!("bad more {other:?}: {}", a.raw),
    }
}

async fn search_scenarios(format: Format) {
    let s = seeded().await;
    // No query: in:inbox, conversations, newest first; each hit lists its matching Inbox messages.
    let a = s.ok(format, search(None, None, &[])).await;
    assert_eq!(a.attr("sortBy").as_deref(), Some("dateDesc"));
    assert_eq!(a.attr("offset").as_deref(), Some("0"));
    assert!(!more(&a));
    assert_eq!(
        s.conv_hits(&a),
        vec![(1, vec![5, 1]), (0, vec![2, 0])],
        "{}",
        a.raw
    );
    let c = a.body.child("c").unwrap();
    assert_eq!(c.scalar("su").as_deref(), Some("Beta"), "{}", a.raw);
    assert_eq!(c.scalar("d"), Some(date(5).as_millis().to_string()));
    let m = c.child("m").unwrap();
    assert_eq!(m.scalar("l"), Some(folder_ids::INBOX.0.to_string()));
    assert_eq!(m.scalar("f").as_deref(), Some("uf"));

    // Messages, oldest first.
    let asc = [("sortBy", "dateAsc")];
    let a = s
        .ok(format, search(Some("in:inbox"), Some("message"), &asc))
        .await;
    assert_eq!(s.msg_indexes(&a), vec![0, 1, 2, 5]);
    let m = a.body.child("m").unwrap();
    assert_eq!(m.scalar("su").as_deref(), Some("Alpha clk"));
    assert_eq!(m.scalar("fr").as_deref(), Some("snippet 0"));

    // Folder names: quoted, paths, case-insensitive system names, ids.
    for (query, want) in [
        (r#"in:"Some Folder""#, vec![3]),
        ("in:/Inbox/Sub", vec![4]),
        ("in:inbox/sub", vec![4]),
        ("in:TRASH", vec![6]),
        (&format!("inid:{}", s.some_folder.0), vec![3]),
        (&format!("inid:{}", s.sub.0), vec![4]),
    ] {
        let a = s
            .ok(format, search(Some(query), Some("message"), &[]))
            .await;
        assert_eq!(s.msg_indexes(&a), want, "{query}: {}", a.raw);
    }

    // Flags and words; without in: Trash and Junk are left out.
    for (query, want) in [
        ("is:unread", vec![5, 3, 0]),
        ("is:unread in:trash", vec![6]),
        ("is:read", vec![4, 2, 1]),
        ("is:flagged", vec![5]),
        ("alpha CLK", vec![2, 0]),
        (r#""re: alpha""#, vec![2]),
        ("is:read is:unread", vec![]),
    ] {
        let a = s
            .ok(format, search(Some(query), Some("message"), &[]))
            .await;
        assert_eq!(s.msg_indexes(&a), want, "{query}: {}", a.raw);
    }
    let a = s.ok(format, search(Some("is:unread"), None, &[])).await;
    assert_eq!(
        s.conv_hits(&a),
        vec![(1, vec![5]), (2, vec![3]), (0, vec![0])]
    );

    // Paging: more is exact, later pages continue the order.
    let page = |offset: &'static str| search(Some("is:read OR"), None, &[("offset", offset)]);
    let bad = s.send(format, page("0")).await;
    assert_eq!(bad.fault_code().as_deref(), Some("service.INVALID_REQUEST"));
    let paged = |offset: &'static str| {
        search(
            Some("in:inbox"),
            Some("message"),
            &[("limit", "3"), ("offset", offset)],
        )
    };
    let a = s.ok(format, paged("0")).await;
    assert_eq!((s.msg_indexes(&a), more(&a)), (vec![5, 2, 1], true));
    let a = s.ok(format, paged("3")).await;
    assert_eq!((s.msg_indexes(&a), more(&a)), (vec![0], false));
    assert_eq!(a.attr("offset").as_deref(), Some("3"));
    let a = s.ok(format, paged("9")).await;
    assert_eq!((s.msg_indexes(&a), more(&a)), (vec![], false));
    let convs = |offset: &'static str| search(None, None, &[("limit", "1"), ("offset", offset)]);
    let a = s.ok(format, convs("0")).await;
    assert_eq!((s.conv_hits(&a), more(&a)), (vec![(1, vec![5, 1])], true));
    let a = s.ok(format, convs("1")).await;
    assert_eq!((s.conv_hits(&a), more(&a)), (vec![(0, vec![2, 0])], false));

    // Faults.
    for (req, code) in [
        (
            search(Some("has:attachment"), None, &[]),
            "service.INVALID_REQUEST",
        ),
        (search(Some("Re: x"), None, &[]), "service.INVALID_REQUEST"),
        (search(Some("(beta"), None, &[]), "service.INVALID_REQUEST"),
        (search(Some("in:nowhere"), None, &[]), "mail.NO_SUCH_FOLDER"),
        (
            search(Some(r#"in:"Some""#), None, &[]),
            "mail.NO_SUCH_FOLDER",
        ),
        (
            search(None, Some("contact"), &[]),
            "service.INVALID_REQUEST",
        ),
        (
            search(None, None, &[("sortBy", "subjAsc")]),
            "service.INVALID_REQUEST",
        ),
        (
            search(None, None, &[("limit", "-1")]),
            "service.INVALID_REQUEST",
        ),
    ] {
        let a = s.send(format, req).await;
        assert_eq!(a.fault_code().as_deref(), Some(code), "{}", a.raw);
    }
    s.t.server.shutdown().await;
}

#[tokio::test]
async fn search_xml() {
    search_scenarios(Format::Soap12).await;
}

#[tokio::test]
async fn search_json() {
    search_scenarios(Format::Json).await;
}

fn get_conv(id: ItemId) -> Element {
    Element::ns("GetConvRequest", NS_MAIL).with_child(
        Element::new("c")
            .with_attr("id", id.0.to_string())
            .with_attr("fetch", "all"),
    )
}

fn get_msg(id: ItemId) -> Element {
    Element::ns("GetMsgRequest", NS_MAIL).with_child(
        Element::new("m")
            .with_attr("id", id.0.to_string())
            .with_attr("read", "1"),
    )
}

async fn get_scenarios(format: Format) {
    let s = seeded().await;
    let a = s.ok(format, get_conv(s.convs[0])).await;
    let c = a.body.child("c").expect("c");
    assert_eq!(c.scalar("n").as_deref(), Some("3"), "{}", a.raw);
    assert_eq!(c.scalar("u").as_deref(), Some("2"));
    assert_eq!(c.scalar("su").as_deref(), Some("Alpha clk"));
    assert_eq!(c.scalar("fr").as_deref(), Some("Alpha clk snippet"));
    let ms: Vec<usize> = c.children_named("m").map(|m| s.msg_index(m)).collect();
    assert_eq!(ms, vec![0, 2, 6], "all messages, oldest first: {}", a.raw);
    let m = c.child("m").unwrap();
    assert_eq!(m.scalar("f").as_deref(), Some("u"));
    assert_eq!(m.scalar("fr").as_deref(), Some("snippet 0"));

    let a = s.ok(format, get_msg(s.msgs[2])).await;
    let m = a.body.child("m").expect("m");
    assert_eq!(
        m.scalar("l"),
        Some(folder_ids::INBOX.0.to_string()),
        "{}",
        a.raw
    );
    assert_eq!(m.scalar("cid"), Some(s.convs[0].0.to_string()));
    assert_eq!(m.scalar("f").as_deref(), Some(""));
    assert_eq!(m.scalar("s").as_deref(), Some("1002"));
    assert_eq!(m.scalar("d"), Some(date(2).as_millis().to_string()));
    assert_eq!(m.scalar("su").as_deref(), Some("Re: Alpha clk"));
    assert_eq!(m.scalar("fr").as_deref(), Some("snippet 2"));
    assert_eq!(m.scalar("mid").as_deref(), Some("<m2@example.test>"));
    assert_eq!(m.scalar("irt").as_deref(), Some("<m0@example.test>"));
    let addrs: Vec<(String, String)> = m
        .children_named("e")
        .map(|e| (e.scalar("t").unwrap(), e.scalar("a").unwrap()))
        .collect();
    assert_eq!(
        addrs,
        vec![
            ("f".into(), "bob@example.test".into()),
            ("t".into(), "reader@example.test".into())
        ]
    );
    assert_eq!(
        m.children_named("e").next().unwrap().scalar("p").as_deref(),
        Some("Bob")
    );
    // No body is stored: no parts are made up.
    assert!(m.child("mp").is_none(), "{}", a.raw);
    // Zimbra's shapes: `<su>` an element in XML; su, fr, mid plain keys in JSON.
    let shape = match format {
        Format::Json => r#""su":"Re: Alpha clk","fr":"snippet 2","mid":"<m2@example.test>""#,
        _ => "<su>Re: Alpha clk</su><fr>snippet 2</fr>",
    };
    assert!(a.raw.contains(shape), "{}", a.raw);

    // Wrong kinds and unknown ids.
    for (req, code) in [
        (get_msg(s.convs[0]), "mail.NO_SUCH_MSG"),
        (get_msg(ItemId(99_999)), "mail.NO_SUCH_MSG"),
        (get_conv(s.msgs[0]), "mail.NO_SUCH_CONV"),
        (get_conv(folder_ids::INBOX), "mail.NO_SUCH_CONV"),
        (
            Element::ns("GetMsgRequest", NS_MAIL)
                .with_child(Element::new("m").with_attr("id", "x")),
            "service.INVALID_REQUEST",
        ),
        (
            Element::ns("GetConvRequest", NS_MAIL),
            "service.INVALID_REQUEST",
        ),
    ] {
        let a = s.send(format, req).await;
        assert_eq!(a.fault_code().as_deref(), Some(code), "{}", a.raw);
    }
    s.t.server.shutdown().await;
}

#[tokio::test]
async fn get_conv_and_msg_xml() {
    get_scenarios(Format::Soap12).await;
}

#[tokio::test]
async fn get_conv_and_msg_json() {
    get_scenarios(Format::Json).await;
}

/// Finds a folder element by id anywhere in a GetFolder tree.
fn find_folder(el: &Element, id: ItemId) -> Option<&Element> {
    if el.name == "folder" && el.scalar("id") == Some(id.0.to_string()) {
        return Some(el);
    }
    el.children.iter().find_map(|c| find_folder(c, id))
}

#[tokio::test]
async fn get_folder_counts() {
    let s = seeded().await;
    for format in [Format::Soap12, Format::Json] {
        let a = s.ok(format, Element::ns("GetFolderRequest", NS_MAIL)).await;
        let counts = |id| {
            let f = find_folder(&a.body, id).unwrap_or_else(|| panic!("{id:?}: {}", a.raw));
            (f.scalar("n"), f.scalar("u"))
        };
        let nu = |n: &str, u: &str| (Some(n.to_string()), Some(u.to_string()));
        assert_eq!(counts(folder_ids::INBOX), nu("4", "2"), "{}", a.raw);
        assert_eq!(counts(s.sub), nu("1", "0"));
        assert_eq!(counts(s.some_folder), nu("1", "1"));
        assert_eq!(counts(folder_ids::TRASH), nu("1", "1"));
        assert_eq!(counts(folder_ids::SENT), nu("0", "0"));
        // Only message folders have counts.
        assert_eq!(counts(folder_ids::CONTACTS), (None, None));
    }
    s.t.server.shutdown().await;
}

#[tokio::test]
async fn other_accounts_items_stay_invisible_unless_admin() {
    let s = seeded().await;
    let admin = s.t.admin_token().await;
    let (_, other) = s.t.new_user(&admin, "other@example.test").await;
    let url = s.t.user_url();
    let as_other = |body| s.t.send(&url, Format::Soap12, Some(&other), body);
    let a = as_other(get_msg(s.msgs[0])).await;
    assert_eq!(
        a.fault_code().as_deref(),
        Some("mail.NO_SUCH_MSG"),
        "{}",
        a.raw
    );
    let a = as_other(get_conv(s.convs[0])).await;
    assert_eq!(
        a.fault_code().as_deref(),
        Some("mail.NO_SUCH_CONV"),
        "{}",
        a.raw
    );
    let a = as_other(search(Some("in:inbox"), Some("message"), &[])).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    assert!(a.body.children.is_empty(), "{}", a.raw);
    let a = as_other(search(Some(r#"in:"Some Folder""#), None, &[])).await;
    assert_eq!(
        a.fault_code().as_deref(),
        Some("mail.NO_SUCH_FOLDER"),
        "{}",
        a.raw
    );

    // An admin may name the account in the context and read it.
    let mut context = Element::ns("context", inboxd_soap::NS_ZIMBRA);
    context.push(Element::text_child("authToken", admin.as_str()));
    context.push(Element::text_child("account", s.account.as_str()).with_attr("by", "id"));
    let bytes = support::encode_request(Format::Soap12, &context, &get_msg(s.msgs[0]));
    let a = s.t.post_raw(&url, bytes).await;
    assert_eq!(a.status, 200, "{}", a.raw);
    assert_eq!(
        a.body.child("m").and_then(|m| m.scalar("su")).as_deref(),
        Some("Alpha clk")
    );
    // A user naming another account is refused.
    let mut context = Element::ns("context", inboxd_soap::NS_ZIMBRA);
    context.push(Element::text_child("authToken", other.as_str()));
    context.push(Element::text_child("account", s.account.as_str()).with_attr("by", "id"));
    let bytes = support::encode_request(Format::Soap12, &context, &get_msg(s.msgs[0]));
    let a = s.t.post_raw(&url, bytes).await;
    assert_eq!(
        a.fault_code().as_deref(),
        Some("service.PERM_DENIED"),
        "{}",
        a.raw
    );
    s.t.server.shutdown().await;
}
