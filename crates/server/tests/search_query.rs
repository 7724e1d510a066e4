//! End-to-end over real HTTP, XML and JSON: SearchRequest queries with address fields (`from:`, `to:`,
//! `cc:`, `tocc:`), negation, `or`, parentheses, precedence, the default Trash exclusion and the query limits,
//! on mail seeded straight into the store.

mod support;

use inboxd_model::{AccountId, ItemId, Timestamp};
use inboxd_soap::{Element, Format, NS_MAIL};
use inboxd_store::{Address, ConversationSummary, NewMessage, folder_ids};
use support::{Answer, TestServer};

struct Seeded {
    t: TestServer,
    token: String,
    /// Message ids by seed index; message i is the only message of conversation `convs[i]`.
    msgs: Vec<ItemId>,
    convs: Vec<ItemId>,
}

fn addr(name: Option<&str>, email: &str) -> Address {
    Address {
        name: name.map(str::to_string),
        email: email.into(),
    }
}

/// Messages, oldest first:
/// 0 Inbox unread "Lunch plans", Ann Smith <ann@example.test> → reader;
/// 1 Inbox read "Budget", Bob <bob@corp.test> → Ann <ann@example.test>, cc Carol <carol@corp.test>;
/// 2 Inbox unread flagged "Budget v2", Carol <carol@corp.test> → reader, cc Bob <bob@corp.test>;
/// 3 Sent read "Re: Lunch plans", reader → ann@example.test;
/// 4 Trash unread "Old lunch", Ann <ann@example.test> → reader;
/// 5 Inbox read "Quotes", Dan "The Man" <dan@example.test> → reader.
async fn seeded() -> Seeded {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, token) = t.new_user(&admin, "reader@example.test").await;
    let account = AccountId::new(id);
    let reader = || vec![addr(None, "reader@example.test")];
    type Plan = (
        ItemId,
        &'static str,
        &'static [&'static str],
        Vec<Address>,
        Vec<Address>,
        Vec<Address>,
    );
    let plan: Vec<Plan> = vec![
        (
            folder_ids::INBOX,
            "Lunch plans",
            &[],
            vec![addr(Some("Ann Smith"), "ann@example.test")],
            reader(),
            vec![],
        ),
        (
            folder_ids::INBOX,
            "Budget",
            &["\\Seen"],
            vec![addr(Some("Bob"), "bob@corp.test")],
            vec![addr(Some("Ann"), "ann@example.test")],
            vec![addr(Some("Carol"), "carol@corp.test")],
        ),
        (
            folder_ids::INBOX,
            "Budget v2",
            &["\\Flagged"],
            vec![addr(Some("Carol"), "carol@corp.test")],
            reader(),
            vec![addr(Some("Bob"), "bob@corp.test")],
        ),
        (
            folder_ids::SENT,
            "Re: Lunch plans",
            &["\\Seen"],
            reader(),
            vec![addr(None, "ann@example.test")],
            vec![],
        ),
        (
            folder_ids::TRASH,
            "Old lunch",
            &[],
            vec![addr(Some("Ann"), "ann@example.test")],
            reader(),
            vec![],
        ),
        (
            folder_ids::INBOX,
            "Quotes",
            &["\\Seen"],
            vec![addr(Some("Dan \"The Man\""), "dan@example.test")],
            reader(),
            vec![],
        ),
    ];
    let (msgs, convs) = t
        .server
        .app
        .store
        .commit(&account, t.clock.now(), |txn| {
            let (mut msgs, mut convs) = (Vec::new(), Vec::new());
            for (i, (folder, subject, flags, from, to, cc)) in plan.into_iter().enumerate() {
                let conv = txn.put_conversation(ConversationSummary {
                    subject: subject.into(),
                    message_count: 1,
                    ..Default::default()
                })?;
                let date = Timestamp(1_700_000_000_000 + 60_000 * (i as u64 + 1));
                msgs.push(txn.insert_message(NewMessage {
                    folder,
                    conversation: Some(conv),
                    subject: subject.into(),
                    from,
                    to,
                    cc,
                    date,
                    internal_date: date,
                    flags: flags.iter().map(|f| f.to_string()).collect(),
                    ..Default::default()
                })?);
                convs.push(conv);
            }
            Ok((msgs, convs))
        })
        .unwrap()
        .value;
    Seeded {
        t,
        token,
        msgs,
        convs,
    }
}

fn search(query: &str, types: &str) -> Element {
    Element::ns("SearchRequest", NS_MAIL)
        .with_attr("types", types)
        .with_attr("limit", 100)
        .with_child(Element::text_child("query", query))
}

impl Seeded {
    async fn send(&self, format: Format, body: Element) -> Answer {
        self.t
            .send(&self.t.user_url(), format, Some(&self.token), body)
            .await
    }

    /// Seed indexes of the message hits of `query`, newest first.
    async fn messages(&self, format: Format, query: &str) -> Vec<usize> {
        let a = self.send(format, search(query, "message")).await;
        assert_eq!(a.status, 200, "{query}: {}", a.raw);
        a.body
            .children_named("m")
            .map(|m| index_of(&self.msgs, m))
            .collect()
    }

    /// Seed indexes of the conversation hits of `query`, newest first.
    async fn conversations(&self, format: Format, query: &str) -> Vec<usize> {
        let a = self.send(format, search(query, "conversation")).await;
        assert_eq!(a.status, 200, "{query}: {}", a.raw);
        a.body
            .children_named("c")
            .map(|c| index_of(&self.convs, c))
            .collect()
    }
}

fn index_of(ids: &[ItemId], el: &Element) -> usize {
    let id: i64 = el.scalar("id").unwrap().parse().unwrap();
    ids.iter().position(|x| x.0 == id).unwrap()
}

async fn scenarios(format: Format) {
    let s = seeded().await;
    for (query, want) in [
        // Address fields: names and emails, case-insensitive; Trash left out without in:.
        ("from:ann", vec![0]),
        ("from:ann in:trash", vec![4]),
        (r#"from:"ann smith""#, vec![0]),
        ("from:CORP.TEST", vec![2, 1]),
        ("to:ann", vec![3, 1]),
        ("cc:bob", vec![2]),
        ("tocc:ann", vec![3, 1]),
        ("tocc:carol", vec![1]),
        ("tocc:bob", vec![2]),
        ("to:carol", vec![]),
        // JSON syntax is never matched; a quote in a name is.
        ("from:email", vec![]),
        ("tocc:name", vec![]),
        (r#"from:"\"""#, vec![5]),
        (r#"from:"\"the man\"""#, vec![5]),
        // Negation.
        ("-from:ann", vec![5, 3, 2, 1]),
        ("not is:unread", vec![5, 3, 1]),
        ("-in:inbox", vec![3]),
        ("budget -v2", vec![1]),
        ("-(budget or lunch)", vec![5]),
        // OR, parentheses and precedence: AND binds tighter than OR, as in Zimbra.
        ("(from:ann or from:bob) is:unread", vec![0]),
        ("from:bob or from:ann is:unread", vec![1, 0]),
        ("(from:bob or from:ann) is:unread", vec![0]),
        ("from:carol budget or lunch", vec![3, 2, 0]),
        ("from:carol (budget or lunch)", vec![2]),
        ("lunch or is:flagged", vec![3, 2, 0]),
        // Trash joins only when a folder term names it.
        ("lunch or in:sent", vec![3, 0]),
        ("lunch or in:trash", vec![4, 3, 0]),
        ("in:sent or in:trash", vec![4, 3]),
        ("-(in:trash or in:sent)", vec![5, 2, 1, 0]),
        // The plain cases keep working.
        ("in:inbox is:unread", vec![2, 0]),
        ("in:inbox", vec![5, 2, 1, 0]),
    ] {
        assert_eq!(s.messages(format, query).await, want, "{query}");
    }
    assert_eq!(
        s.conversations(format, "from:ann or from:bob").await,
        vec![1, 0]
    );
    assert_eq!(
        s.conversations(format, "-in:inbox or is:flagged").await,
        vec![3, 2]
    );

    let many = vec!["x"; 65].join(" or ");
    let deep = format!("{}x{}", "(".repeat(17), ")".repeat(17));
    for (query, says) in [
        ("date:today", "date:"),
        ("(from:ann", "parenthes"),
        ("from:ann)", "parenthes"),
        (many.as_str(), "65 terms"),
        (deep.as_str(), "deeper than 16"),
        ("from:ann or", "term"),
    ] {
        let a = s.send(format, search(query, "message")).await;
        assert_eq!(
            a.fault_code().as_deref(),
            Some("service.INVALID_REQUEST"),
            "{query}: {}",
            a.raw
        );
        assert!(a.raw.contains(says), "{query}: {}", a.raw);
    }
    s.t.server.shutdown().await;
}

#[tokio::test]
async fn search_queries_xml() {
    scenarios(Format::Soap12).await;
}

#[tokio::test]
async fn search_queries_json() {
    scenarios(Format::Json).await;
}
