//! Table tests for Message-ID normalization and References / In-Reply-To list parsing.

use inboxd_threading::{MAX_ID_BYTES, MAX_REFERENCES, normalize_message_id, parse_message_id_list};

#[test]
fn normalize_table() {
    let cases: &[(&str, Option<&str>)] = &[
        ("<foo@bar.example>", Some("foo@bar.example")),
        ("  <foo@bar.example>  ", Some("foo@bar.example")),
        ("foo@bar.example", Some("foo@bar.example")),
        ("<foo@bar.example", Some("foo@bar.example")),
        ("foo@bar.example>", Some("foo@bar.example")),
        ("<<foo@bar.example>>", Some("foo@bar.example")),
        // Local part keeps its case, the domain is lower-cased.
        (
            "<AbC.Def@Mail.EXAMPLE.org>",
            Some("AbC.Def@mail.example.org"),
        ),
        ("<x@[10.0.0.1]>", Some("x@[10.0.0.1]")),
        // Comments and folding whitespace, outside and inside the brackets.
        ("(c) < (c) foo (c) @ (c) bar (c) > (c)", Some("foo@bar")),
        ("<foo@\r\n bar.example>", Some("foo@bar.example")),
        ("(comment with <fake@id>) <real@id>", Some("real@id")),
        ("(unterminated <fake@id>", None),
        // Several ids: the first valid one.
        ("<a@x> <b@x>", Some("a@x")),
        ("<foo@bar>,skipped,<foo2@bar2>", Some("foo@bar")),
        ("junk words <a@x>", Some("a@x")),
        ("\"Joe's message\" <a@x>", Some("a@x")),
        // Quoted local parts keep their quotes.
        ("<\"foo bar\"@x>", Some("\"foobar\"@x")),
        // Garbage.
        ("", None),
        ("   ", None),
        ("<>", None),
        ("<unknown>", None),
        ("<@x>", None),
        ("<x@>", None),
        ("@", None),
        ("no id here", None),
        ("<a\u{1}b@x>", None),
        // 8-bit (RFC 6532 allows UTF-8).
        ("<tëst@exämple.ORG>", Some("tëst@exämple.org")),
        ("<\u{fffd}\u{fffd}@x>", Some("\u{fffd}\u{fffd}@x")),
    ];
    for (raw, want) in cases {
        assert_eq!(
            normalize_message_id(raw).as_deref(),
            *want,
            "normalize_message_id({raw:?})"
        );
    }
}

#[test]
fn normalize_rejects_oversized_and_survives_huge_input() {
    let long_local = "a".repeat(MAX_ID_BYTES);
    assert_eq!(normalize_message_id(&format!("<{long_local}@x>")), None);
    let fits = format!("<{}@x>", "a".repeat(MAX_ID_BYTES - 2));
    assert!(normalize_message_id(&fits).is_some());

    let huge = "(".repeat(200_000) + &"<".repeat(200_000) + &"\u{e9}".repeat(100_000);
    assert_eq!(normalize_message_id(&huge), None);
    let huge_ids = "<a@b> ".repeat(100_000);
    assert_eq!(normalize_message_id(&huge_ids).as_deref(), Some("a@b"));
}

#[test]
fn list_table() {
    let cases: &[(&str, &[&str])] = &[
        ("<a@x> <b@x>\r\n\t<c@x>", &["a@x", "b@x", "c@x"]),
        ("<a@x>,<b@x>, <c@x>", &["a@x", "b@x", "c@x"]),
        ("<a@x><b@x>", &["a@x", "b@x"]),
        ("a@x b@x", &["a@x", "b@x"]),
        ("<a@x> <a@X> <b@x> <a@x>", &["a@x", "b@x"]),
        ("", &[]),
        ("none", &[]),
        ("<>", &[]),
        // Legacy In-Reply-To prose.
        (
            "Your message of \"Mon, 1 Jan 2001 10:00:00 +0100\" <1234@host.example>",
            &["1234@host.example"],
        ),
        ("<a@x> (Joe's message of Monday)", &["a@x"]),
        ("<a@x> <broken <b@x>", &["a@x", "b@x"]),
        ("<a@x <b@x>", &["a@x", "b@x"]),
    ];
    for (raw, want) in cases {
        assert_eq!(
            parse_message_id_list(raw),
            want.to_vec(),
            "parse_message_id_list({raw:?})"
        );
    }
}

#[test]
fn list_caps_to_root_plus_last_references() {
    let raw: String = (0..1000).map(|i| format!("<m{i}@x> ")).collect();
    let ids = parse_message_id_list(&raw);
    assert_eq!(ids.len(), MAX_REFERENCES);
    assert_eq!(ids[0], "m0@x");
    assert_eq!(ids[1], format!("m{}@x", 1000 - (MAX_REFERENCES - 1)));
    assert_eq!(ids.last().map(String::as_str), Some("m999@x"));
}

#[test]
fn list_survives_junk_and_huge_input() {
    let junk = "<<<>>>(((\")))\\\\,,,;;;\u{0}\u{7f}\u{fffd}".repeat(50_000);
    assert!(parse_message_id_list(&junk).is_empty());
    let many = "<a@b>".repeat(200_000);
    assert_eq!(parse_message_id_list(&many), vec!["a@b".to_owned()]);
    let bytes: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    let lossy = String::from_utf8_lossy(&bytes);
    let _ = parse_message_id_list(&lossy);
    let _ = normalize_message_id(&lossy);
}
