//! Property test of client operations: random local flag changes, moves and deletions interleaved with
//! server-side flag changes and expunges, offline periods, restarts and dropped connections, on servers with
//! and without UIDPLUS/MOVE. After the final sync: the store mirrors the server, no client op is left, no
//! message exists twice upstream, nothing was lost that was not deleted, and a message the server side never
//! touched ends where and how the client last put it.

use std::collections::{BTreeMap, BTreeSet};

use inboxd_imap_sync::testing::{Harness, ToyServer, check_mirror, day_ms};
use inboxd_imap_sync::{FlagSet, Input, LocalOp};
use proptest::prelude::*;

use crate::common::{add, now};

const FOLDERS: [&str; 3] = ["INBOX", "B", "C"];
const MESSAGES: usize = 5;
const FLAGS: [&str; 3] = ["\\Seen", "\\Flagged", "$Work"];

#[derive(Clone, Debug)]
enum Op {
    LocalFlags { msg: usize, flags: u8 },
    LocalMove { msg: usize, folder: usize },
    LocalDelete { msg: usize },
    ServerFlags { msg: usize, flags: u8 },
    ServerExpunge { msg: usize },
    Offline,
    Online,
    Restart,
    DropSoon(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let msg = 0usize..MESSAGES;
    prop_oneof![
        6 => (msg.clone(), 0u8..8).prop_map(|(msg, flags)| Op::LocalFlags { msg, flags }),
        6 => (msg.clone(), 0usize..3).prop_map(|(msg, folder)| Op::LocalMove { msg, folder }),
        1 => msg.clone().prop_map(|msg| Op::LocalDelete { msg }),
        2 => (msg.clone(), 0u8..8).prop_map(|(msg, flags)| Op::ServerFlags { msg, flags }),
        1 => msg.prop_map(|msg| Op::ServerExpunge { msg }),
        2 => Just(Op::Offline),
        3 => Just(Op::Online),
        1 => Just(Op::Restart),
        1 => (0usize..8).prop_map(Op::DropSoon),
    ]
}

fn flag_list(bits: u8) -> Vec<&'static str> {
    FLAGS
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, f)| *f)
        .collect()
}

fn id(msg: usize) -> String {
    format!("m{msg}@x")
}

/// Where the server has a message: (mailbox, UID).
fn on_server(server: &ToyServer, msg: usize) -> Vec<(String, u32)> {
    let needle = format!("<{}>", id(msg));
    server
        .mailboxes
        .iter()
        .flat_map(|(path, mb)| {
            mb.messages
                .iter()
                .filter(|m| String::from_utf8_lossy(&m.raw).contains(&needle))
                .map(move |m| (path.clone(), m.uid))
        })
        .collect()
}

/// What the client last asked for a message (folder, flags) when the server side never touched it.
#[derive(Default)]
struct Intent {
    deleted: BTreeSet<usize>,
    touched: BTreeSet<usize>,
    folder: BTreeMap<usize, usize>,
    flags: BTreeMap<usize, Vec<&'static str>>,
}

fn run(ops: &[Op], caps: &[&str]) -> Result<(), TestCaseError> {
    let mut server = ToyServer::new();
    server
        .capabilities
        .extend(caps.iter().map(|c| (*c).to_string()));
    server.add_mailbox("B", &[]);
    server.add_mailbox("C", &[]);
    for m in 0..MESSAGES {
        add(&mut server, "INBOX", &id(m), i64::try_from(m).unwrap_or(0));
    }
    let mut config = Harness::test_config();
    config.read_only = false;
    let mut h = Harness::new(server, config, now());
    h.sync();
    let mut intent = Intent::default();
    for op in ops {
        let umid = |h: &Harness, msg: usize| {
            h.store
                .messages
                .values()
                .find(|m| m.message_id == id(msg))
                .map(|m| m.umid)
        };
        let folder_id = |h: &Harness, i: usize| {
            h.store
                .folders
                .values()
                .find(|f| f.path == FOLDERS[i])
                .map(|f| f.id)
        };
        match op {
            Op::LocalFlags { msg, flags } => {
                if let Some(u) = umid(&h, *msg) {
                    intent.flags.insert(*msg, flag_list(*flags));
                    let flags = Some(FlagSet::new(flag_list(*flags)));
                    h.input(Input::Ops(vec![LocalOp {
                        umid: u,
                        flags,
                        folder: None,
                        delete: false,
                    }]));
                }
            }
            Op::LocalMove { msg, folder } => {
                if let (Some(u), Some(f)) = (umid(&h, *msg), folder_id(&h, *folder)) {
                    intent.folder.insert(*msg, *folder);
                    let op = LocalOp {
                        umid: u,
                        flags: None,
                        folder: Some(f),
                        delete: false,
                    };
                    h.input(Input::Ops(vec![op]));
                }
            }
            Op::LocalDelete { msg } => {
                if let Some(u) = umid(&h, *msg) {
                    intent.deleted.insert(*msg);
                    h.input(Input::Ops(vec![LocalOp {
                        umid: u,
                        flags: None,
                        folder: None,
                        delete: true,
                    }]));
                }
            }
            Op::ServerFlags { msg, flags } => {
                if let Some((path, uid)) = on_server(&h.server, *msg).first().cloned() {
                    intent.touched.insert(*msg);
                    h.server.set_flags(&path, uid, &flag_list(*flags));
                }
            }
            Op::ServerExpunge { msg } => {
                // Another client deletes the message: every copy (a move under way may have made one).
                for (path, uid) in on_server(&h.server, *msg) {
                    intent.deleted.insert(*msg);
                    h.server.expunge(&path, uid);
                }
            }
            Op::Offline => {
                h.online = false;
                h.input(Input::Disconnected);
            }
            Op::Online => {
                h.online = true;
                h.sync();
            }
            Op::Restart => h.restart(),
            Op::DropSoon(n) => h.drop_after = Some(*n),
        }
    }
    h.online = true;
    h.drop_after = None;
    h.now = h.now.plus(std::time::Duration::from_millis(
        u64::try_from(day_ms(0, 1)).unwrap_or(0),
    ));
    h.sync();
    h.sync();
    check_mirror(&h.server, &h.store).map_err(TestCaseError::fail)?;
    prop_assert_eq!(&h.store, &h.engine.snapshot());
    prop_assert!(
        h.store.tasks.values().all(|t| !t.is_local_op()),
        "client ops left: {:?}",
        h.store.tasks
    );
    for msg in 0..MESSAGES {
        let copies = on_server(&h.server, msg);
        if intent.deleted.contains(&msg) {
            prop_assert!(
                copies.is_empty(),
                "m{} deleted but still at {:?}",
                msg,
                copies
            );
            continue;
        }
        prop_assert_eq!(copies.len(), 1, "m{} copies: {:?}", msg, copies);
        if intent.touched.contains(&msg) {
            continue;
        }
        let (path, uid) = &copies[0];
        let want_folder = FOLDERS[intent.folder.get(&msg).copied().unwrap_or(0)];
        prop_assert_eq!(path.as_str(), want_folder, "m{} folder", msg);
        if let Some(flags) = intent.flags.get(&msg) {
            let got = h.server.mailboxes[path]
                .messages
                .iter()
                .find(|m| m.uid == *uid)
                .map(|m| FlagSet::new(&m.flags))
                .unwrap_or_default();
            prop_assert_eq!(got, FlagSet::new(flags), "m{} flags", msg);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn client_ops_converge_on_a_vanilla_server(ops in proptest::collection::vec(op(), 1..40)) {
        run(&ops, &[])?;
    }

    #[test]
    fn client_ops_converge_with_uidplus_and_move(ops in proptest::collection::vec(op(), 1..40)) {
        run(&ops, &["UIDPLUS", "MOVE"])?;
    }
}
