//! What Dovecot holds, read over IMAP, tolerating mailboxes that vanish between LIST and EXAMINE (the worker
//! may be deleting or renaming one while a test polls).

use std::collections::BTreeMap;

use inboxd_imap_driver::{ConnectOptions, Connection};
use inboxd_imap_sync::wire::{Command, FetchAttr, UidSet, Untagged};
use inboxd_store::ImapSource;

use crate::common::mirror::MailState;

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
        let examine = Command::Examine {
            mailbox: e.mailbox.clone(),
        };
        let Ok(sel) = conn.execute(&examine).await else {
            continue;
        };
        if !sel.is_ok() {
            continue;
        }
        let mut uids = BTreeMap::new();
        if !sel.untagged.contains(&Untagged::Exists(0)) {
            let fetch = Command::UidFetch {
                set: UidSet::range(1, u32::MAX).expect("set"),
                items: vec![FetchAttr::Uid, FetchAttr::Flags],
            };
            let r = conn.execute_ok(&fetch).await.expect("fetch");
            for f in r.fetches() {
                if let (Some(uid), Some(flags)) = (f.uid(), f.flags()) {
                    let mut flags: Vec<String> = flags
                        .iter()
                        .filter(|f| !f.eq_ignore_ascii_case("\\Recent"))
                        .cloned()
                        .collect();
                    flags.sort();
                    uids.insert(uid, flags);
                }
            }
        }
        out.insert(e.mailbox, uids);
    }
    conn.logout().await;
    out
}
