//! Unit tests of the header module's public behaviour (field selection, parsing, synthesized ids).

use super::*;

#[test]
fn parses_threading_and_envelope_fields() {
    let raw = b"Message-ID: <b@x.org>\r\nIn-Reply-To: <a@x.org>\r\nReferences: <r@x.org>\r\n <a@x.org>\r\n\
Subject: Re: hello\r\nFrom: Ann <ann@x.org>\r\nTo: bob@x.org, Cy <cy@x.org>\r\n\
Date: Mon, 2 Jan 2023 10:00:00 +0000\r\n\r\n";
    let h = parse_headers(raw);
    assert!(h.parsed);
    assert_eq!(h.thread.message_id.as_deref(), Some("b@x.org"));
    assert_eq!(h.thread.references, ["r@x.org", "a@x.org"]);
    assert_eq!(h.thread.in_reply_to, ["a@x.org"]);
    assert_eq!(h.subject, "Re: hello");
    assert_eq!(h.from.and_then(|a| a.email).as_deref(), Some("ann@x.org"));
    assert_eq!(h.to.len(), 2);
    assert_eq!(h.sent_date, Some(1_672_653_600_000));
}

#[test]
fn tolerates_junk_and_eight_bit() {
    let h = parse_headers(b"Subject: caf\xe9 \xff\r\nMessage-ID: not an id\r\n\r\n");
    assert!(h.parsed);
    assert_eq!(h.thread.message_id, None);
    assert!(!h.subject.is_empty());
    let h = parse_headers(b"");
    assert!(!h.parsed);
}

#[test]
fn selects_the_header_fields_answer_from_a_whole_block() {
    let whole =
        b"Received: from a\r\n\tby b\r\nMessage-ID: <m@x>\r\nDKIM-Signature: v=1;\r\n b=xyz\r\n\
subject : Hi\r\n there\r\nX-Subject: no\r\nFrom: A <a@x>\r\n\r\n";
    let fields = b"Message-ID: <m@x>\r\nsubject : Hi\r\n there\r\nFrom: A <a@x>\r\n\r\n";
    assert_eq!(&*select_fields(whole), fields);
    assert!(matches!(select_fields(fields), Cow::Borrowed(_)));
    assert_eq!(parse_headers(&select_fields(whole)), parse_headers(fields));
    assert_eq!(
        synthesize_message_id(&select_fields(whole), "f"),
        synthesize_message_id(fields, "f")
    );
    // Junk lines and an unterminated block.
    assert_eq!(
        &*select_fields(b"junk\r\nTo: b@x\r\nCc: c@x"),
        b"To: b@x\r\nCc: c@x\r\n"
    );
    assert_eq!(&*select_fields(b"X-A: 1\r\n\r\n"), b"\r\n");
}

#[test]
fn synthesized_ids_are_stable_and_distinct() {
    let a = synthesize_message_id(b"Subject: x\r\n\r\n", "f1.7.3");
    assert_eq!(a, synthesize_message_id(b"Subject: x\r\n\r\n", "other"));
    assert_ne!(a, synthesize_message_id(b"Subject: y\r\n\r\n", "f1.7.3"));
    assert_ne!(
        synthesize_message_id(b"", "f1.7.3"),
        synthesize_message_id(b"", "f1.7.4")
    );
}
