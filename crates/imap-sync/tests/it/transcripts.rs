//! Byte-level transcripts: the engine's commands are encoded with `wire::encode`, the server lines are
//! parsed with `wire::parse_response`, and the batches are checked afterwards.

use inboxd_imap_sync::testing::run_transcript;
use inboxd_imap_sync::{AccountSync, Input, MessageWrite, ProblemKind, Snapshot};

use crate::common::now;

/// `S:` lines of a literal holding `lines` (each followed by CRLF), after a header line ending in `{n}`.
fn literal(prefix: &str, lines: &[&str]) -> String {
    let n: usize = lines.iter().map(|l| l.len() + 2).sum();
    let mut out = format!("S: {prefix} {{{n}}}\n");
    for l in lines {
        out.push_str(&format!("S: {l}\n"));
    }
    out
}

fn engine() -> AccountSync {
    AccountSync::new(inboxd_imap_sync::testing::Harness::test_config())
}

fn restored(snap: Snapshot) -> AccountSync {
    let mut e = engine();
    e.handle(Input::Restored(snap), now());
    e
}

const ENVELOPE: &str = "(UID INTERNALDATE FLAGS RFC822.SIZE BODY.PEEK[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID REFERENCES IN-REPLY-TO)])";
const HDR: &str = "BODY[HEADER.FIELDS (FROM TO CC SUBJECT DATE MESSAGE-ID REFERENCES IN-REPLY-TO)]";

fn initial_sync_script() -> String {
    let mut s = String::from(
        r#"
        C: A1 LOGIN user pass
        S: A1 OK LOGIN completed
        C: A2 CAPABILITY
        S: * CAPABILITY IMAP4rev1
        S: A2 OK done
        C: A3 LIST "" *
        S: * LIST (\HasNoChildren) "/" INBOX
        S: A3 OK done
        C: A4 EXAMINE INBOX
        S: * 2 EXISTS
        S: * 0 RECENT
        S: * OK [UIDVALIDITY 7] ok
        S: * OK [UIDNEXT 3] ok
        S: A4 OK [READ-ONLY] done
        # Fewer than 40 unknown: the whole folder, no date criteria.
        C: A5 UID SEARCH ALL
        S: * SEARCH 1 2
        S: A5 OK done
        "#,
    );
    // The window's envelopes straight away: messages are registered as they arrive.
    s.push_str(&format!("C: A6 UID FETCH 1:2 {ENVELOPE}\n"));
    s.push_str(&literal(
        &format!("* 1 FETCH (UID 1 INTERNALDATE \"01-Apr-2020 10:00:00 +0000\" FLAGS (\\Seen) RFC822.SIZE 90 {HDR}"),
        &["Message-ID: <a@x>", "Subject: hello", "From: Ann <ann@x>", ""],
    ));
    s.push_str("S: )\n");
    s.push_str(&literal(
        &format!("* 2 FETCH (UID 2 INTERNALDATE \"02-Apr-2020 10:00:00 +0000\" FLAGS () RFC822.SIZE 95 {HDR}"),
        &["Message-ID: <b@x>", "Subject: Re: hello", "In-Reply-To: <a@x>", ""],
    ));
    s.push_str("S: )\nS: A6 OK done\n");
    s
}

fn apply_all(batches: &[inboxd_imap_sync::Batch]) -> Snapshot {
    let mut snap = Snapshot::default();
    for b in batches {
        snap.apply(b);
    }
    snap
}

#[test]
fn initial_sync_of_a_small_folder() {
    let out =
        run_transcript(engine(), &initial_sync_script(), now()).unwrap_or_else(|e| panic!("{e}"));
    let store = apply_all(&out.batches);
    assert_eq!(store, out.engine.snapshot());
    assert_eq!(store.messages.len(), 2);
    let convs: Vec<_> = store.messages.values().map(|m| m.conv).collect();
    assert_eq!(
        convs[0], convs[1],
        "In-Reply-To-only reply threads with its parent"
    );
    let summary = &store.conversations[&convs[0]];
    assert_eq!(
        (
            summary.subject.as_str(),
            summary.message_count,
            summary.unread_count
        ),
        ("hello", 2, 1)
    );
    let st = store.sync_states.values().next().unwrap();
    assert_eq!(
        (st.uid_validity, st.last_high_uid, st.fully_synced),
        (Some(7), 2, true)
    );
    // A grow queues no per-message task: the batch that allocates the umids and locations also writes the
    // threaded messages.
    let grow = out
        .batches
        .iter()
        .find(|b| !b.locations.is_empty())
        .unwrap();
    assert_eq!((grow.locations.len(), grow.messages.len()), (2, 2));
    assert!(out.batches.iter().all(|b| b.tasks.is_empty()));
    assert!(store.tasks.is_empty());
}

#[test]
fn refresh_sees_new_deleted_and_flag_changed_messages() {
    let first =
        run_transcript(engine(), &initial_sync_script(), now()).unwrap_or_else(|e| panic!("{e}"));
    let mut s = String::from(
        r#"
        C: A1 LOGIN user pass
        S: A1 OK [CAPABILITY IMAP4rev1] LOGIN completed
        C: A2 LIST "" *
        S: * LIST () "/" INBOX
        S: A2 OK done
        C: A3 EXAMINE INBOX
        S: * 2 EXISTS
        S: * OK [UIDVALIDITY 7] ok
        S: * OK [UIDNEXT 4] ok
        S: A3 OK done
        C: A4 UID FETCH 3:* (UID INTERNALDATE FLAGS)
        S: * 2 FETCH (UID 3 INTERNALDATE "03-Apr-2020 10:00:00 +0000" FLAGS ())
        S: A4 OK done
        C: A5 UID SEARCH UID 1:2
        S: * SEARCH 2
        S: A5 OK done
        C: A6 UID FETCH 2 (UID FLAGS)
        S: * 1 FETCH (UID 2 FLAGS (\Seen \Flagged))
        S: A6 OK done
        "#,
    );
    s.push_str(&format!("C: A7 UID FETCH 3 {ENVELOPE}\n"));
    s.push_str(&literal(
        &format!("* 2 FETCH (UID 3 INTERNALDATE \"03-Apr-2020 10:00:00 +0000\" FLAGS () RFC822.SIZE 10 {HDR}"),
        &["Subject: no id here", ""],
    ));
    s.push_str("S: )\nS: A7 OK done\n");
    let out = run_transcript(restored(first.engine.snapshot()), &s, now())
        .unwrap_or_else(|e| panic!("{e}"));
    let refresh = out
        .batches
        .iter()
        .find(|b| !b.locations.is_empty())
        .unwrap();
    let writes: Vec<_> = refresh.messages.values().collect();
    assert!(writes.iter().any(|w| matches!(w, MessageWrite::Delete)));
    assert!(
        writes
            .iter()
            .any(|w| matches!(w, MessageWrite::Flags(f) if f.is_flagged()))
    );
    let mut store = first.engine.snapshot();
    for b in &out.batches {
        store.apply(b);
    }
    assert_eq!(store, out.engine.snapshot());
    assert_eq!(store.messages.len(), 2);
    assert!(
        out.batches
            .iter()
            .flat_map(|b| &b.problems)
            .any(|p| p.kind == ProblemKind::MissingMessageId)
    );
}

#[test]
fn uidvalidity_change_drops_and_regrows_the_folder() {
    let first =
        run_transcript(engine(), &initial_sync_script(), now()).unwrap_or_else(|e| panic!("{e}"));
    let mut s = String::from(
        r#"
        C: A1 LOGIN user pass
        S: A1 OK [CAPABILITY IMAP4rev1] done
        C: A2 LIST "" *
        S: * LIST () "/" INBOX
        S: A2 OK done
        C: A3 EXAMINE INBOX
        S: * 1 EXISTS
        S: * OK [UIDVALIDITY 8] ok
        S: * OK [UIDNEXT 2] ok
        S: A3 OK done
        # The refresh hands over to a grow, which selects again.
        C: A4 EXAMINE INBOX
        S: * 1 EXISTS
        S: * OK [UIDVALIDITY 8] ok
        S: * OK [UIDNEXT 2] ok
        S: A4 OK done
        C: A5 UID SEARCH ALL
        S: * SEARCH 1
        S: A5 OK done
        "#,
    );
    s.push_str(&format!("C: A6 UID FETCH 1 {ENVELOPE}\n"));
    s.push_str(&literal(
        &format!("* 1 FETCH (UID 1 INTERNALDATE \"02-Apr-2020 10:00:00 +0000\" FLAGS () RFC822.SIZE 95 {HDR}"),
        &["Message-ID: <b@x>", "Subject: Re: hello", "In-Reply-To: <a@x>", ""],
    ));
    s.push_str("S: )\nS: A6 OK done\n");
    let out = run_transcript(restored(first.engine.snapshot()), &s, now())
        .unwrap_or_else(|e| panic!("{e}"));
    let store = out.engine.snapshot();
    assert_eq!(store.messages.len(), 1);
    assert_eq!(store.conversations.len(), 1);
    assert_eq!(
        store.sync_states.values().next().unwrap().uid_validity,
        Some(8)
    );
    let reset = &out.batches[0];
    assert_eq!(
        reset
            .messages
            .values()
            .filter(|w| matches!(w, MessageWrite::Delete))
            .count(),
        2
    );
    assert!(
        reset
            .problems
            .iter()
            .any(|p| p.kind == ProblemKind::UidValidityChanged)
    );
}

#[test]
fn failed_select_is_reported_and_the_sync_goes_on() {
    let script = r#"
        C: A1 LOGIN user pass
        S: A1 OK [CAPABILITY IMAP4rev1] done
        C: A2 LIST "" *
        S: * LIST () "/" INBOX
        S: * LIST () "/" Broken
        S: A2 OK done
        C: A3 EXAMINE INBOX
        S: * 0 EXISTS
        S: * OK [UIDVALIDITY 1] ok
        S: A3 OK done
        C: A4 UID SEARCH ALL
        S: * SEARCH
        S: A4 OK done
        C: A5 EXAMINE Broken
        S: A5 NO [SERVERBUG] cannot open
        "#;
    let out = run_transcript(engine(), script, now()).unwrap_or_else(|e| panic!("{e}"));
    let problems: Vec<_> = out.batches.iter().flat_map(|b| &b.problems).collect();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].kind, ProblemKind::CommandFailed);
}

#[test]
fn login_disabled_uses_authenticate_plain() {
    let mut e = engine();
    e.handle(Input::SyncNow, now());
    assert_eq!(e.poll_action(), Some(inboxd_imap_sync::Action::Connect));
    e.handle(
        Input::Connected {
            capabilities: vec![
                "IMAP4rev1".into(),
                "LOGINDISABLED".into(),
                "AUTH=PLAIN".into(),
            ],
            preauthenticated: false,
        },
        now(),
    );
    assert!(matches!(
        e.poll_action(),
        Some(inboxd_imap_sync::Action::Send(
            inboxd_imap_sync::wire::Command::AuthenticatePlain { .. }
        ))
    ));
}
