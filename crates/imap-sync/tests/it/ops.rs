//! Client operations (flags, moves, deletions) planned offline or online and carried out against the toy
//! server: grouping, collapsing, vanilla vs UIDPLUS+MOVE servers, restarts and failures.

use inboxd_imap_sync::testing::{Harness, ToyServer};
use inboxd_imap_sync::wire::Command;
use inboxd_imap_sync::{FlagSet, FolderId, FolderOp, Input, LocalOp, Task, Umid};

use crate::common::{add, assert_mirror, now};

/// A server with INBOX holding `a@x`, `b@x`, `c@x` and empty folders `B` and `C`.
fn server(caps: &[&str]) -> ToyServer {
    let mut s = ToyServer::new();
    s.capabilities.extend(caps.iter().map(|c| (*c).to_string()));
    s.add_mailbox("B", &[]);
    s.add_mailbox("C", &[]);
    for (i, id) in ["a@x", "b@x", "c@x"].iter().enumerate() {
        add(&mut s, "INBOX", id, i64::try_from(i).unwrap());
    }
    s
}

/// A synced harness whose ops SELECT read-write.
fn synced(caps: &[&str]) -> Harness {
    let mut config = Harness::test_config();
    config.read_only = false;
    let mut h = Harness::new(server(caps), config, now());
    h.sync();
    assert_mirror(&h);
    h
}

/// The connection drops and cannot come back until `online` is set again.
fn go_offline(h: &mut Harness) {
    h.online = false;
    h.input(Input::Disconnected);
}

fn umid(h: &Harness, message_id: &str) -> Umid {
    h.store
        .messages
        .values()
        .find(|m| m.message_id == message_id)
        .map(|m| m.umid)
        .unwrap()
}

fn folder(h: &Harness, path: &str) -> FolderId {
    h.store
        .folders
        .values()
        .find(|f| f.path == path)
        .unwrap()
        .id
}

fn flags_op(umid: Umid, flags: &[&str]) -> LocalOp {
    LocalOp {
        umid,
        flags: Some(FlagSet::new(flags)),
        folder: None,
        delete: false,
    }
}

fn move_op(umid: Umid, to: FolderId) -> LocalOp {
    LocalOp {
        umid,
        flags: None,
        folder: Some(to),
        delete: false,
    }
}

fn server_flags(h: &Harness, path: &str) -> Vec<Vec<String>> {
    h.server.mailboxes[path]
        .messages
        .iter()
        .map(|m| FlagSet::new(&m.flags).as_slice().to_vec())
        .collect()
}

fn stores(h: &Harness, from: usize) -> Vec<Command> {
    h.sent
        .iter()
        .skip(from)
        .filter(|c| matches!(c, Command::UidStore { .. }))
        .cloned()
        .collect()
}

fn message_ids(h: &Harness, path: &str) -> Vec<String> {
    h.server.mailboxes[path]
        .messages
        .iter()
        .map(|m| {
            let text = String::from_utf8_lossy(&m.raw).to_string();
            let line = text.lines().find(|l| l.starts_with("Message-ID")).unwrap();
            line.trim_start_matches("Message-ID: ").to_string()
        })
        .collect()
}

#[test]
fn flag_changes_are_grouped_per_folder_and_change() {
    let mut h = synced(&[]);
    let (a, b, c) = (umid(&h, "a@x"), umid(&h, "b@x"), umid(&h, "c@x"));
    let before = h.sent.len();
    h.input(Input::Ops(vec![
        flags_op(a, &["\\Seen"]),
        flags_op(b, &["\\Seen"]),
        flags_op(c, &["\\Flagged"]),
    ]));
    // Local effect at once, in the batch the op produced.
    assert!(h.store.messages[&a].flags.is_seen());
    let s = stores(&h, before);
    assert_eq!(s.len(), 2, "one STORE per (folder, change): {s:?}");
    assert_eq!(
        server_flags(&h, "INBOX"),
        [vec!["\\Seen"], vec!["\\Seen"], vec!["\\Flagged"]]
    );
    assert!(h.store.tasks.is_empty());
    h.sync();
    assert_mirror(&h);
    assert!(h.store.messages[&a].flags.is_seen());
}

#[test]
fn flag_then_unflag_offline_sends_nothing() {
    let mut h = synced(&[]);
    let a = umid(&h, "a@x");
    go_offline(&mut h);
    h.input(Input::Ops(vec![flags_op(a, &["\\Flagged"])]));
    assert!(h.store.messages[&a].flags.is_flagged());
    assert_eq!(h.store.tasks.len(), 1);
    h.input(Input::Ops(vec![flags_op(a, &[])]));
    assert!(h.store.tasks.is_empty(), "the net change is nothing");
    h.online = true;
    let before = h.sent.len();
    h.sync();
    assert!(stores(&h, before).is_empty());
    assert_mirror(&h);
}

#[test]
fn pending_flags_survive_a_refresh_and_a_restart_then_upstream_wins() {
    let mut h = synced(&[]);
    let a = umid(&h, "a@x");
    go_offline(&mut h);
    h.input(Input::Ops(vec![flags_op(a, &["\\Seen"])]));
    // Another client answers the message meanwhile.
    h.server.set_flags("INBOX", 1, &["\\Answered"]);
    h.restart();
    assert!(h.store.messages[&a].flags.is_seen());
    h.online = true;
    h.sync();
    assert_eq!(server_flags(&h, "INBOX")[0], ["\\Answered", "\\Seen"]);
    assert_eq!(
        h.store.messages[&a].flags.as_slice(),
        ["\\Answered", "\\Seen"]
    );
    assert_mirror(&h);
    // Executed: a later upstream change wins.
    h.server.set_flags("INBOX", 1, &[]);
    h.sync();
    assert!(h.store.messages[&a].flags.as_slice().is_empty());
    assert_mirror(&h);
}

#[test]
fn a_lost_connection_keeps_the_task_for_the_next_session() {
    let mut h = synced(&[]);
    let a = umid(&h, "a@x");
    h.drop_after = Some(1); // SELECT answered, STORE lost
    h.input(Input::Ops(vec![flags_op(a, &["\\Seen"])]));
    assert_eq!(h.store.tasks.len(), 1);
    assert!(h.store.messages[&a].flags.is_seen());
    h.advance_to_timeout();
    assert!(h.store.tasks.is_empty());
    assert_eq!(server_flags(&h, "INBOX")[0], ["\\Seen"]);
    assert_mirror(&h);
}

#[test]
fn vanilla_move_copies_deletes_expunges_and_searches_the_new_uid() {
    let mut h = synced(&[]);
    let (a, b) = (umid(&h, "a@x"), folder(&h, "B"));
    let before = h.sent.len();
    h.input(Input::Ops(vec![move_op(a, b)]));
    assert_eq!(
        h.command_names(before),
        [
            "SELECT",
            "UID COPY",
            "UID STORE",
            "EXPUNGE",
            "SELECT",
            "UID SEARCH"
        ]
    );
    assert_eq!(message_ids(&h, "B"), ["<a@x>"]);
    assert_eq!(message_ids(&h, "INBOX"), ["<b@x>", "<c@x>"]);
    let loc = h.store.locations[&a];
    assert_eq!((loc.folder, loc.uid), (b, 1));
    assert_eq!(h.store.messages[&a].folder, b);
    let before = h.sent.len();
    h.sync();
    assert_mirror(&h);
    assert!(
        !h.command_names(before).contains(&"UID FETCH") || h.store.messages.len() == 3,
        "the moved message is not fetched as new"
    );
    assert_eq!(h.store.messages.len(), 3);
}

#[test]
fn move_on_a_server_with_uidplus_and_move_is_one_command() {
    let mut h = synced(&["UIDPLUS", "MOVE"]);
    let (a, b) = (umid(&h, "a@x"), folder(&h, "B"));
    let before = h.sent.len();
    h.input(Input::Ops(vec![move_op(a, b)]));
    assert_eq!(h.command_names(before), ["SELECT", "UID MOVE"]);
    assert_eq!(h.store.locations[&a].folder, b);
    h.sync();
    assert_mirror(&h);
}

#[test]
fn copy_with_uidplus_takes_the_uid_from_copyuid_and_uid_expunges() {
    let mut h = synced(&["UIDPLUS"]);
    let (a, b) = (umid(&h, "a@x"), folder(&h, "B"));
    let before = h.sent.len();
    h.input(Input::Ops(vec![move_op(a, b)]));
    assert_eq!(
        h.command_names(before),
        ["SELECT", "UID COPY", "UID STORE", "UID EXPUNGE"]
    );
    h.sync();
    assert_mirror(&h);
}

#[test]
fn offline_moves_collapse_to_one() {
    let mut h = synced(&[]);
    let (a, b, c) = (umid(&h, "a@x"), folder(&h, "B"), folder(&h, "C"));
    let inbox = folder(&h, "INBOX");
    go_offline(&mut h);
    h.input(Input::Ops(vec![move_op(a, b)]));
    h.input(Input::Ops(vec![move_op(a, c)]));
    assert_eq!(h.store.tasks.len(), 1);
    assert_eq!(h.store.messages[&a].folder, c);
    // A second message goes away and comes back: nothing upstream.
    let bb = umid(&h, "b@x");
    h.input(Input::Ops(vec![move_op(bb, b)]));
    h.input(Input::Ops(vec![move_op(bb, inbox)]));
    assert_eq!(h.store.tasks.len(), 1);
    h.online = true;
    let before = h.sent.len();
    h.restart();
    h.sync();
    let copies: Vec<&Command> = h.sent[before..]
        .iter()
        .filter(|c| matches!(c, Command::UidCopy { .. }))
        .collect();
    assert_eq!(copies.len(), 1);
    assert!(matches!(copies[0], Command::UidCopy { mailbox, .. } if mailbox == "C"));
    assert!(message_ids(&h, "B").is_empty());
    assert_eq!(message_ids(&h, "C"), ["<a@x>"]);
    assert_mirror(&h);
}

#[test]
fn a_move_interrupted_after_the_copy_finishes_without_a_second_copy() {
    let mut h = synced(&[]);
    let (a, b) = (umid(&h, "a@x"), folder(&h, "B"));
    h.drop_after = Some(2); // SELECT and COPY answered, the STORE +\Deleted lost
    h.input(Input::Ops(vec![move_op(a, b)]));
    assert_eq!(message_ids(&h, "B"), ["<a@x>"]);
    assert_eq!(message_ids(&h, "INBOX").len(), 3, "not expunged yet");
    assert!(matches!(
        h.store.tasks.values().next(),
        Some(Task::Move { copied: true, .. })
    ));
    // Crash: a new engine from what the store holds.
    h.restart();
    let before = h.sent.len();
    h.sync();
    assert!(
        !h.command_names(before).contains(&"UID COPY"),
        "{:?}",
        h.command_names(before)
    );
    assert_eq!(message_ids(&h, "B"), ["<a@x>"]);
    assert_eq!(message_ids(&h, "INBOX"), ["<b@x>", "<c@x>"]);
    assert_eq!(h.store.messages.len(), 3);
    assert_mirror(&h);
}

#[test]
fn delete_removes_upstream() {
    let mut h = synced(&["UIDPLUS"]);
    let a = umid(&h, "a@x");
    h.input(Input::Ops(vec![LocalOp {
        umid: a,
        flags: None,
        folder: None,
        delete: true,
    }]));
    assert_eq!(message_ids(&h, "INBOX"), ["<b@x>", "<c@x>"]);
    assert!(!h.store.messages.contains_key(&a));
    h.sync();
    assert_mirror(&h);
}

#[test]
fn a_move_of_a_message_gone_upstream_is_dropped_and_reconciled() {
    let mut h = synced(&["UIDPLUS"]);
    let (a, b) = (umid(&h, "a@x"), folder(&h, "B"));
    go_offline(&mut h);
    h.input(Input::Ops(vec![move_op(a, b)]));
    h.server.expunge("INBOX", 1);
    h.online = true;
    h.sync();
    assert!(h.store.tasks.is_empty());
    assert!(!h.problems.is_empty());
    assert!(message_ids(&h, "B").is_empty());
    assert!(!h.store.messages.contains_key(&a));
    assert_mirror(&h);
}

#[test]
fn folder_create_rename_delete_reach_the_server() {
    let mut h = synced(&[]);
    let b = folder(&h, "B");
    h.input(Input::FolderOps(vec![FolderOp::Create {
        parent: Some(b),
        name: "Sub".into(),
    }]));
    assert!(h.server.mailboxes.contains_key("B/Sub"));
    assert!(h.store.folders.values().any(|f| f.path == "B/Sub"));
    let before = h.sent.len();
    h.input(Input::FolderOps(vec![FolderOp::Rename {
        folder: b,
        name: "Bee".into(),
    }]));
    assert_eq!(h.command_names(before), ["RENAME"]);
    assert!(h.server.mailboxes.contains_key("Bee/Sub"));
    // Same folder ids under the new paths: nothing re-synced.
    assert_eq!(h.store.folders[&b].path, "Bee");
    assert!(h.store.folders.values().any(|f| f.path == "Bee/Sub"));
    let c = folder(&h, "C");
    h.input(Input::FolderOps(vec![FolderOp::Delete { folder: c }]));
    assert!(!h.server.mailboxes.contains_key("C"));
    assert!(!h.store.folders.contains_key(&c));
    h.sync();
    assert_mirror(&h);
    assert!(h.store.folders.contains_key(&b));
}

/// Drives the engine by hand until it sends a command matching `stop`, answering everything else with the toy
/// server; returns that command (not yet answered).
fn run_until(h: &mut Harness, stop: impl Fn(&Command) -> bool) -> Command {
    use inboxd_imap_sync::Action;
    for _ in 0..1000 {
        match h.engine.poll_action() {
            Some(Action::Send(cmd)) if stop(&cmd) => return cmd,
            Some(Action::Send(cmd)) => {
                for r in h.server.answer(&cmd) {
                    h.engine.handle(Input::Response(r), h.now);
                }
            }
            Some(Action::Store(batch)) => {
                h.store.apply(&batch);
                h.engine
                    .handle(Input::BatchApplied { seq: batch.seq }, h.now);
            }
            Some(other) => panic!("unexpected {other:?}"),
            None => panic!("the engine went quiet"),
        }
    }
    panic!("no matching command");
}

#[test]
fn a_flag_change_while_its_store_is_in_flight_is_replanned() {
    let mut h = synced(&[]);
    let a = umid(&h, "a@x");
    h.engine
        .handle(Input::Ops(vec![flags_op(a, &["\\Flagged"])]), h.now);
    let store = run_until(&mut h, |c| matches!(c, Command::UidStore { .. }));
    // The user unflags while the +FLAGS is on the wire; then the server answers it.
    h.engine.handle(Input::Ops(vec![flags_op(a, &[])]), h.now);
    for r in h.server.answer(&store) {
        h.engine.handle(Input::Response(r), h.now);
    }
    let remove = run_until(&mut h, |c| matches!(c, Command::UidStore { .. }));
    assert!(
        matches!(
            &remove,
            Command::UidStore {
                op: inboxd_imap_sync::wire::StoreOp::Remove,
                ..
            }
        ),
        "{remove:?}"
    );
    for r in h.server.answer(&remove) {
        h.engine.handle(Input::Response(r), h.now);
    }
    h.input(Input::Timer);
    assert!(server_flags(&h, "INBOX")[0].is_empty());
    assert!(h.store.messages[&a].flags.as_slice().is_empty());
    h.sync();
    assert_mirror(&h);
}

#[test]
fn a_temporary_refusal_keeps_the_task_and_a_final_one_reverts_the_flags() {
    use inboxd_imap_sync::wire::Code;
    let mut h = synced(&[]);
    let (a, b) = (umid(&h, "a@x"), umid(&h, "b@x"));
    h.server.fail_once = Some(("UID STORE", Code::Other("UNAVAILABLE".into(), None)));
    h.input(Input::Ops(vec![flags_op(a, &["\\Seen"])]));
    assert_eq!(h.store.tasks.len(), 1, "kept for the next cycle");
    assert!(h.store.messages[&a].flags.is_seen());
    h.sync();
    assert!(h.store.tasks.is_empty());
    assert_eq!(server_flags(&h, "INBOX")[0], ["\\Seen"]);
    // A refusal without a temporary code is final: dropped, and the local flags follow the server again.
    h.server.fail_once = Some(("UID STORE", Code::ReadOnly));
    h.input(Input::Ops(vec![flags_op(b, &["\\Flagged"])]));
    assert!(h.store.tasks.is_empty());
    assert!(!h.store.messages[&b].flags.is_flagged());
    assert!(!h.problems.is_empty());
    h.sync();
    assert_mirror(&h);
}

#[test]
fn a_vanilla_move_of_a_message_gone_upstream_is_dropped_and_reconciled() {
    let mut h = synced(&[]);
    let (a, b) = (umid(&h, "a@x"), folder(&h, "B"));
    go_offline(&mut h);
    h.input(Input::Ops(vec![move_op(a, b)]));
    h.server.expunge("INBOX", 1);
    h.online = true;
    h.sync();
    assert!(h.store.tasks.is_empty());
    assert!(message_ids(&h, "B").is_empty());
    assert!(!h.store.messages.contains_key(&a));
    assert_mirror(&h);
}

#[test]
fn flags_set_while_a_move_is_half_done_land_on_the_copy() {
    let mut h = synced(&[]);
    let (m, b) = (umid(&h, "b@x"), folder(&h, "B"));
    let inbox = folder(&h, "INBOX");
    h.input(Input::Ops(vec![move_op(m, b)]));
    h.drop_after = Some(1); // the way back: COPY answered, STORE +\Deleted lost
    h.input(Input::Ops(vec![move_op(m, inbox)]));
    h.input(Input::Ops(vec![flags_op(m, &["\\Seen"])]));
    h.sync();
    h.sync();
    assert_eq!(message_ids(&h, "INBOX"), ["<a@x>", "<c@x>", "<b@x>"]);
    assert!(message_ids(&h, "B").is_empty());
    assert!(
        h.store.messages[&m].flags.is_seen(),
        "the local change survived"
    );
    assert_eq!(server_flags(&h, "INBOX")[2], ["\\Seen"]);
    assert_mirror(&h);
}
