//! MsgActionRequest / ConvActionRequest / CreateFolderRequest / FolderActionRequest on an account without an
//! IMAP source (no Dovecot): the store changes at once, conversation summaries follow, nothing is queued for
//! a worker that does not exist, waitsets fire, and bad requests get the right faults. XML and JSON.

mod support;

use inboxd_model::{AccountId, ItemId};
use inboxd_soap::{Element, Format, NS_MAIL};
use inboxd_store::{ConversationSummary, Item, NewMessage, folder_ids};
use support::{Answer, TestServer};

struct Seeded {
    t: TestServer,
    token: String,
    account: AccountId,
    conv: ItemId,
    msgs: Vec<ItemId>,
}

async fn seed() -> Seeded {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, token) = t.new_user(&admin, "local@example.test").await;
    let account = AccountId::new(id);
    let (conv, msgs) = t
        .server
        .app
        .store
        .commit(&account, t.clock.now(), |txn| {
            let conv = txn.put_conversation(ConversationSummary {
                subject: "Topic".into(),
                message_count: 2,
                unread_count: 2,
                ..Default::default()
            })?;
            let mut msgs = Vec::new();
            for i in 0..2u64 {
                msgs.push(txn.insert_message(NewMessage {
                    folder: folder_ids::INBOX,
                    conversation: Some(conv),
                    message_id: Some(format!("l{i}@example.test")),
                    subject: "Topic".into(),
                    size: 10 + i,
                    ..Default::default()
                })?);
            }
            Ok((conv, msgs))
        })
        .unwrap()
        .value;
    Seeded {
        t,
        token,
        account,
        conv,
        msgs,
    }
}

impl Seeded {
    async fn send(&self, format: Format, body: Element) -> Answer {
        let url = self.t.user_url();
        self.t.send(&url, format, Some(&self.token), body).await
    }

    async fn act(
        &self,
        format: Format,
        req: &str,
        op: &str,
        id: ItemId,
        l: Option<&str>,
    ) -> Answer {
        let mut action = Element::new("action")
            .with_attr("op", op)
            .with_attr("id", id.to_string());
        if let Some(l) = l {
            action = action.with_attr("l", l);
        }
        self.send(format, Element::ns(req, NS_MAIL).with_child(action))
            .await
    }

    fn message(&self, id: ItemId) -> Option<inboxd_store::Message> {
        match self.t.server.app.store.item(&self.account, id).unwrap() {
            Some(Item::Message(m)) => Some(m),
            _ => None,
        }
    }

    fn unread_in_conv(&self) -> Option<u32> {
        match self
            .t
            .server
            .app
            .store
            .item(&self.account, self.conv)
            .unwrap()
        {
            Some(Item::Conversation(c)) => Some(c.unread_count),
            _ => None,
        }
    }
}

async fn scenario(format: Format) {
    let s = seed().await;
    let [m0, m1] = [s.msgs[0], s.msgs[1]];
    // A waitset on the account, caught up with its current state, fires for the action's commit.
    let token = s.t.server.app.store.change_id(&s.account).unwrap().0;
    let add = Element::new("a")
        .with_attr("id", s.account.as_str())
        .with_attr("token", token.to_string());
    let cws = Element::ns("CreateWaitSetRequest", NS_MAIL)
        .with_attr("defTypes", "m")
        .with_child(Element::new("add").with_child(add));
    let ws = s.send(format, cws).await;
    assert_eq!(ws.status, 200, "{}", ws.raw);
    let ws = ws.attr("waitSet").unwrap();
    let r = s.act(format, "MsgActionRequest", "read", m0, None).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let wait = Element::ns("WaitSetRequest", NS_MAIL)
        .with_attr("waitSet", ws)
        .with_attr("seq", "0")
        .with_attr("block", "1")
        .with_attr("timeout", "30");
    let w = s.send(format, wait).await;
    assert_eq!(w.status, 200, "{}", w.raw);
    let signalled: Vec<String> = w
        .body
        .children_named("a")
        .filter_map(|a| a.scalar("id"))
        .collect();
    assert_eq!(signalled, [s.account.to_string()], "{}", w.raw);
    assert_eq!(r.body.name, "MsgActionResponse");
    assert!(s.message(m0).unwrap().flags.contains(&"\\Seen".to_string()));
    assert_eq!(s.unread_in_conv(), Some(1), "conversation re-churned");

    let r = s
        .act(format, "ConvActionRequest", "flag", s.conv, None)
        .await;
    assert_eq!(r.status, 200, "{}", r.raw);
    assert_eq!(r.body.name, "ConvActionResponse");
    for m in [m0, m1] {
        assert!(
            s.message(m)
                .unwrap()
                .flags
                .contains(&"\\Flagged".to_string())
        );
    }

    let r = s
        .act(format, "MsgActionRequest", "move", m1, Some("6"))
        .await;
    assert_eq!(r.status, 200, "{}", r.raw);
    assert_eq!(s.message(m1).unwrap().folder, folder_ids::DRAFTS);
    s.act(format, "MsgActionRequest", "trash", m1, None).await;
    assert_eq!(s.message(m1).unwrap().folder, folder_ids::TRASH);
    s.act(format, "MsgActionRequest", "!read", m0, None).await;
    s.act(format, "MsgActionRequest", "!flag", m0, None).await;
    let m = s.message(m0).unwrap();
    assert!(!m.flags.iter().any(|f| f == "\\Seen" || f == "\\Flagged"));

    let r = s.act(format, "MsgActionRequest", "delete", m0, None).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    assert!(s.message(m0).is_none());
    s.act(format, "MsgActionRequest", "delete", m1, None).await;
    assert_eq!(s.unread_in_conv(), None, "the emptied conversation is gone");

    // Faults: not a message, unknown op, move without a target, a conversation id that is a folder.
    let r = s
        .act(format, "MsgActionRequest", "read", ItemId(2), None)
        .await;
    assert_eq!(
        r.fault_code().as_deref(),
        Some("mail.NO_SUCH_MSG"),
        "{}",
        r.raw
    );
    let r = s.act(format, "MsgActionRequest", "explode", m0, None).await;
    assert!(r.is_fault());
    let r = s
        .act(format, "ConvActionRequest", "read", ItemId(2), None)
        .await;
    assert_eq!(
        r.fault_code().as_deref(),
        Some("mail.NO_SUCH_CONV"),
        "{}",
        r.raw
    );

    // Folders: create, rename, delete.
    let create = Element::ns("CreateFolderRequest", NS_MAIL).with_child(
        Element::new("folder")
            .with_attr("name", "Local")
            .with_attr("l", "1"),
    );
    let r = s.send(format, create).await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let id = ItemId(
        r.body
            .child("folder")
            .unwrap()
            .scalar("id")
            .unwrap()
            .parse()
            .unwrap(),
    );
    let rename = Element::new("action")
        .with_attr("op", "rename")
        .with_attr("id", id.to_string())
        .with_attr("name", "Renamed");
    let r = s
        .send(
            format,
            Element::ns("FolderActionRequest", NS_MAIL).with_child(rename),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let folders = s.t.server.app.store.folders(&s.account).unwrap();
    assert!(folders.iter().any(|f| f.id == id && f.name == "Renamed"));
    let delete = Element::new("action")
        .with_attr("op", "delete")
        .with_attr("id", id.to_string());
    let r = s
        .send(
            format,
            Element::ns("FolderActionRequest", NS_MAIL).with_child(delete),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.raw);
    let folders = s.t.server.app.store.folders(&s.account).unwrap();
    assert!(!folders.iter().any(|f| f.id == id));

    let queued = s.t.server.app.store.sync_load(&s.account, "ops").unwrap();
    assert!(
        queued.is_empty(),
        "no IMAP source, nothing queued: {queued:?}"
    );
    s.t.server.shutdown().await;
}

#[tokio::test]
async fn message_and_folder_actions_in_xml() {
    scenario(Format::Soap12).await;
}

#[tokio::test]
async fn message_and_folder_actions_in_json() {
    scenario(Format::Json).await;
}
