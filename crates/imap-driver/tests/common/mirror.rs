//! Helpers to build upstream mail over IMAP and to compare Dovecot's state with the store's.

use std::collections::BTreeMap;

use inboxd_imap_driver::{ConnectOptions, Connection};
use inboxd_imap_sync::wire::{Command, FetchAttr, FetchItem, UidSet, Untagged};
use inboxd_model::{AccountId, Timestamp};
use inboxd_store::{ImapSource, NewAccount, Store, StoreOptions};

/// Mailbox → UID → flags (sorted, without `\Recent`).
pub type MailState = BTreeMap<String, BTreeMap<u32, Vec<String>>>;

/// A small message; `parent` makes it a reply (In-Reply-To and References).
pub fn message(n: u32, parent: Option<u32>) -> Vec<u8> {
    let mut m = format!(
        "From: Sender {n} <s{n}@example.com>\r\nTo: alice@example.com\r\nSubject: {}Topic {}\r\n\
         Date: Mon, 2 Nov 2026 10:{:02}:00 +0000\r\nMessage-ID: <msg{n}@example.com>\r\n",
        if parent.is_some() { "Re: " } else { "" },
        parent.unwrap_or(n),
        n % 60
    );
    if let Some(p) = parent {
        m.push_str(&format!(
            "In-Reply-To: <msg{p}@example.com>\r\nReferences: <msg{p}@example.com>\r\n"
        ));
    }
    m.push_str(&format!("\r\nBody of message {n}.\r\n"));
    m.into_bytes()
}

/// APPENDs messages `ns` to `mailbox` (created if needed) with INTERNALDATEs one hour apart.
pub async fn append(
    src: &ImapSource,
    opts: &ConnectOptions,
    mailbox: &str,
    ns: &[(u32, Option<u32>)],
) {
    let mut conn = Connection::connect(src, opts).await.expect("connect");
    let _ = conn
        .execute(&Command::Create {
            mailbox: mailbox.into(),
        })
        .await;
    for (n, parent) in ns {
        conn.execute_ok(&Command::Append {
            mailbox: mailbox.into(),
            flags: if n % 3 == 0 {
                vec!["\\Seen".into()]
            } else {
                vec![]
            },
            date: Some(1_793_000_000_000 + i64::from(*n) * 3_600_000),
            message: message(*n, *parent),
        })
        .await
        .expect("append");
    }
    conn.logout().await;
}

/// What Dovecot holds, read over IMAP.
pub async fn upstream(src: &ImapSource, opts: &ConnectOptions) -> MailState {
    let mut conn = Connection::connect(src, opts).await.expect("connect");
    let list = conn
        .execute_ok(&Command::List {
            reference: String::new(),
            pattern: "*".into(),
        })
        .await
        .expect("list");
    let mut out = MailState::new();
    for u in list.untagged {
        let Untagged::List(e) = u else { continue };
        let sel = conn
            .execute_ok(&Command::Examine {
                mailbox: e.mailbox.clone(),
            })
            .await
            .expect("examine");
        let mut uids = BTreeMap::new();
        if !sel.untagged.contains(&Untagged::Exists(0)) {
            let r = conn
                .execute_ok(&Command::UidFetch {
                    set: UidSet::range(1, u32::MAX).expect("set"),
                    items: vec![FetchAttr::Uid, FetchAttr::Flags],
                })
                .await
                .expect("fetch");
            for u in r.untagged {
                let Untagged::Fetch { items, .. } = u else {
                    continue;
                };
                let uid = items.iter().find_map(|i| match i {
                    FetchItem::Uid(u) => Some(*u),
                    _ => None,
                });
                let flags = items.iter().find_map(|i| match i {
                    FetchItem::Flags(f) => Some(f.clone()),
                    _ => None,
                });
                if let (Some(uid), Some(flags)) = (uid, flags) {
                    uids.insert(uid, normalize(flags));
                }
            }
        }
        out.insert(e.mailbox, uids);
    }
    conn.logout().await;
    out
}

fn normalize(mut flags: Vec<String>) -> Vec<String> {
    flags.retain(|f| !f.eq_ignore_ascii_case("\\Recent"));
    flags.sort();
    flags
}

/// What the store holds for the account, in the same shape (folders with an IMAP path only).
pub fn stored(store: &Store, account: &AccountId) -> MailState {
    let mut out = MailState::new();
    for f in store.folders(account).expect("folders") {
        let Some(path) = f.imap_path.clone() else {
            continue;
        };
        let mut uids = BTreeMap::new();
        for m in store.messages_in_folder(account, f.id).expect("messages") {
            if let Some(uid) = m.imap_uid {
                uids.insert(uid, normalize(m.flags.clone()));
            }
        }
        out.insert(path, uids);
    }
    out
}

/// A fresh store in `dir` with one account mirroring `src`.
pub fn store_with_account(dir: &std::path::Path, src: ImapSource) -> (Store, AccountId) {
    let store = Store::open(dir, StoreOptions::default()).expect("open store");
    let acct = store
        .create_account(
            NewAccount {
                name: "alice@example.com".into(),
                password_hash: "x".into(),
                admin: false,
                imap: Some(src),
            },
            Timestamp(1),
        )
        .expect("account");
    (store, acct.id)
}
