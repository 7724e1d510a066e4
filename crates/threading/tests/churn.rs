//! Churn: conversation summaries are order independent and ignore deleted messages.

use inboxd_threading::{Addr, ConvMessage, MAX_PARTICIPANTS, churn};

fn addr(name: Option<&str>, email: &str) -> Addr {
    Addr {
        name: name.map(str::to_owned),
        email: email.to_owned(),
    }
}

fn msg(id: u64, date_ms: i64, subject: &str, from: Addr) -> ConvMessage {
    ConvMessage {
        id,
        date_ms,
        subject: subject.to_owned(),
        from: vec![from],
        ..ConvMessage::default()
    }
}

fn sample() -> Vec<ConvMessage> {
    let mut root = msg(1, 1_000, "[list] Plans", addr(None, "alice@x"));
    root.snippet = Some("first".into());
    let mut reply = msg(2, 2_000, "Re: [list] Plans", addr(Some("Bob"), "bob@x"));
    reply.unread = true;
    reply.has_attachments = true;
    reply.snippet = Some("second".into());
    let mut again = msg(3, 3_000, "Re: Plans", addr(Some("Alice"), "ALICE@x"));
    again.unread = true;
    again.flagged = true;
    let mut gone = msg(4, 4_000, "Re: Plans", addr(None, "mallory@x"));
    gone.deleted = true;
    gone.snippet = Some("deleted".into());
    vec![root, reply, again, gone]
}

#[test]
fn summary_fields() {
    let s = churn(&sample());
    assert_eq!(s.subject, "Plans");
    assert_eq!(
        s.participants,
        vec![addr(Some("Alice"), "alice@x"), addr(Some("Bob"), "bob@x")]
    );
    assert_eq!((s.first_date, s.last_date), (1_000, 3_000));
    assert_eq!((s.message_count, s.unread_count), (3, 2));
    assert!(s.flagged && s.has_attachments);
    // The latest live message has no snippet; the one before has.
    assert_eq!(s.snippet.as_deref(), Some("second"));
    assert!(!s.is_empty());
}

#[test]
fn summary_is_order_independent() {
    let forward = churn(&sample());
    let mut reversed = sample();
    reversed.reverse();
    assert_eq!(churn(&reversed), forward);
    let mut rotated = sample();
    rotated.rotate_left(2);
    assert_eq!(churn(&rotated), forward);
}

#[test]
fn subject_falls_back_to_first_non_empty() {
    let messages = vec![
        msg(1, 1_000, "", addr(None, "a@x")),
        msg(2, 2_000, "Re:", addr(None, "b@x")),
        msg(3, 3_000, "Re: Topic", addr(None, "c@x")),
    ];
    assert_eq!(churn(&messages).subject, "Topic");
}

#[test]
fn equal_dates_break_ties_by_id() {
    let messages = vec![
        msg(9, 1_000, "Second", addr(None, "b@x")),
        msg(2, 1_000, "First", addr(None, "a@x")),
    ];
    let s = churn(&messages);
    assert_eq!(s.subject, "First");
    assert_eq!(s.participants[0].email, "a@x");
}

#[test]
fn participants_are_capped() {
    let messages: Vec<ConvMessage> = (0..50)
        .map(|i| msg(i, i as i64, "x", addr(None, &format!("p{i}@x"))))
        .collect();
    let s = churn(&messages);
    assert_eq!(s.participants.len(), MAX_PARTICIPANTS);
    assert_eq!(s.participants[0].email, "p0@x");
}

#[test]
fn empty_and_all_deleted_give_empty_summary() {
    assert!(churn(&[]).is_empty());
    let mut only = msg(1, 5, "x", addr(None, "a@x"));
    only.deleted = true;
    let s = churn(&[only]);
    assert!(s.is_empty());
    assert_eq!(s.subject, "");
    assert_eq!(s.unread_count, 0);
}
