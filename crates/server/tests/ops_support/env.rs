//! The environment of the client-operation end-to-end tests: Dovecot (INBOX = messages 1..4, empty Archive,
//! Later, Trash), the recording proxy (vanilla: in front of the strict RFC 3501 proxy), inboxd with its worker,
//! an account mirrored, and helpers to act over SOAP and to compare upstream with the store.
#![allow(dead_code, clippy::disallowed_methods)]

use std::time::Duration;

use crate::common::dovecot::{Dovecot, PASSWORD, USER};
use crate::common::mirror::{MailState, append, stored};
use crate::common::proxy::StrictProxy;
use crate::support::TestServer;
use inboxd_model::{AccountId, ItemId};
use inboxd_server::ServerConfig;
use inboxd_soap::{Element, Format, NS_MAIL};
use inboxd_store::{ImapSecurity, Message};

use super::proxy::OpsProxy;
use super::upstream::upstream;

pub const ROUNDS: usize = 150;
pub const PAUSE: Duration = Duration::from_millis(200);

pub struct Env {
    pub dovecot: Dovecot,
    pub strict: Option<StrictProxy>,
    pub proxy: OpsProxy,
    pub t: TestServer,
    pub user: String,
    pub account: AccountId,
}

pub fn tweak(dovecot: &Dovecot) -> impl FnOnce(&mut ServerConfig) + use<> {
    let connect = dovecot.options();
    move |c| {
        c.sync = Some(inboxd_imap_driver::SyncConfig {
            connect,
            poll_interval: Duration::from_secs(3600),
            // Offline tests wait for the reconnect after the server comes back.
            retry_max: Duration::from_secs(2),
            ..Default::default()
        });
    }
}

/// Dovecot with INBOX = messages 1..4 (2 replies to 1; 3 is \Seen) and empty Archive, Later, Trash; inboxd in
/// front of it through `OpsProxy` (vanilla: plus the strict proxy; else advertising `caps`), mirrored.
pub async fn setup(vanilla: bool, caps: &[&str]) -> Env {
    let dovecot = Dovecot::start();
    let src = dovecot.source(ImapSecurity::None);
    let opts = dovecot.options();
    append(
        &src,
        &opts,
        "INBOX",
        &[(1, None), (2, Some(1)), (3, None), (4, None)],
    )
    .await;
    for folder in ["Archive", "Later", "Trash"] {
        append(&src, &opts, folder, &[]).await;
    }
    let (strict, proxy) = if vanilla {
        let strict = StrictProxy::start(dovecot.port).await;
        let proxy = OpsProxy::start(strict.port, &[]).await;
        (Some(strict), proxy)
    } else {
        (None, OpsProxy::start(dovecot.port, caps).await)
    };
    let t = TestServer::start_with(tweak(&dovecot)).await;
    let (id, user) = t.provision_imap_account(proxy.port, USER, PASSWORD).await;
    let env = Env {
        dovecot,
        strict,
        proxy,
        t,
        user,
        account: AccountId::new(id),
    };
    env.wait_mirrored().await;
    env
}

impl Env {
    pub fn up_src(&self) -> inboxd_store::ImapSource {
        self.dovecot.source(ImapSecurity::None)
    }

    pub async fn upstream(&self) -> MailState {
        upstream(&self.up_src(), &self.dovecot.options()).await
    }

    pub fn stored(&self) -> MailState {
        stored(&self.t.server.app.store, &self.account)
    }

    /// Waits (bounded) until the store mirrors Dovecot exactly, asking the worker to sync each round.
    pub async fn wait_mirrored(&self) {
        let mut last = (MailState::new(), MailState::new());
        for _ in 0..ROUNDS {
            let (up, st) = (self.upstream().await, self.stored());
            if up == st && st.get("INBOX").is_some_and(|m| !m.is_empty()) && self.tasks_done() {
                return;
            }
            last = (up, st);
            self.t.server.app.sync.sync_now(&self.account);
            tokio::time::sleep(PAUSE).await;
        }
        panic!(
            "store never mirrored dovecot:\n up {:?}\n st {:?}",
            last.0, last.1
        );
    }

    /// No queued hand-off rows and no pending engine tasks.
    pub fn tasks_done(&self) -> bool {
        let store = &self.t.server.app.store;
        store.sync_load(&self.account, "ops").unwrap().is_empty()
            && store
                .sync_load(&self.account, "task")
                .unwrap()
                .iter()
                .all(|(_, v)| v.contains("\"body\"") || v.contains("\"message\""))
    }

    /// Waits until Dovecot's state satisfies `pred`.
    pub async fn wait_upstream(&self, what: &str, pred: impl Fn(&MailState) -> bool) -> MailState {
        for _ in 0..ROUNDS {
            let up = self.upstream().await;
            if pred(&up) {
                return up;
            }
            tokio::time::sleep(PAUSE).await;
        }
        panic!(
            "upstream never reached: {what}; is {:?}",
            self.upstream().await
        );
    }

    /// Waits until the worker noticed that the server is gone.
    pub async fn wait_offline(&self) {
        for _ in 0..ROUNDS {
            let status = self
                .t
                .server
                .app
                .sync
                .status(&self.account)
                .expect("worker");
            if !status.connected {
                return;
            }
            tokio::time::sleep(PAUSE).await;
        }
        panic!("the worker stayed connected");
    }

    pub fn folder_id(&self, path: &str) -> ItemId {
        self.t
            .server
            .app
            .store
            .folders(&self.account)
            .unwrap()
            .into_iter()
            .find(|f| f.imap_path.as_deref() == Some(path))
            .unwrap_or_else(|| panic!("no folder {path}"))
            .id
    }

    /// The store's messages with Message-ID `msg{n}@example.com`.
    pub fn messages(&self, n: u32) -> Vec<Message> {
        let store = &self.t.server.app.store;
        let mid = format!("msg{n}@example.com");
        store
            .folders(&self.account)
            .unwrap()
            .iter()
            .flat_map(|f| store.messages_in_folder(&self.account, f.id).unwrap())
            .filter(|m| m.message_id.as_deref() == Some(mid.as_str()))
            .collect()
    }

    pub fn msg(&self, n: u32) -> Message {
        let mut all = self.messages(n);
        assert_eq!(all.len(), 1, "exactly one msg{n}: {all:?}");
        all.remove(0)
    }

    pub async fn action(
        &self,
        format: Format,
        request: &str,
        op: &str,
        id: ItemId,
        l: Option<ItemId>,
    ) {
        let mut action = Element::new("action")
            .with_attr("op", op)
            .with_attr("id", id.to_string());
        if let Some(l) = l {
            action = action.with_attr("l", l.to_string());
        }
        let req = Element::ns(request, NS_MAIL).with_child(action);
        let url = self.t.user_url();
        let r = self.t.send(&url, format, Some(&self.user), req).await;
        assert_eq!(r.status, 200, "{request} {op}: {}", r.raw);
        let done = r.body.child("action").expect("action echoed");
        assert_eq!(done.scalar("op").as_deref(), Some(op));
    }

    pub async fn msg_action(&self, format: Format, op: &str, n: u32, l: Option<ItemId>) {
        let id = self.msg(n).id;
        self.action(format, "MsgActionRequest", op, id, l).await;
    }
}

pub fn flags(up: &MailState, folder: &str, uid: u32) -> Vec<String> {
    up.get(folder)
        .and_then(|m| m.get(&uid))
        .cloned()
        .unwrap_or_default()
}

pub fn count(up: &MailState, folder: &str) -> usize {
    up.get(folder).map_or(0, |m| m.len())
}

pub fn has(flags: &[String], f: &str) -> bool {
    flags.iter().any(|x| x == f)
}
