//! The id parsing against the straightforward implementation it replaced (kept here as the
//! reference): one copy per candidate through `strip_cfws`, dedup through a set of cloned ids. The
//! faster code (plain candidates checked in place, dedup without hashing for short lists) must give
//! the same ids for any input.

use std::collections::HashSet;

use proptest::prelude::*;

use super::{
    Candidates, MAX_ID_BYTES, MAX_REFERENCES, clean_general, normalize_message_id,
    parse_message_id_list,
};

/// The old path for every candidate: one copy through `strip_cfws`, then the checks.
fn reference_clean(raw: &str) -> Option<String> {
    clean_general(raw)
}

fn reference_list(raw: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    let mut ids: Vec<String> = Candidates::new(raw)
        .filter_map(|c| reference_clean(c.text))
        .filter(|id| seen.insert(id.clone()))
        .collect();
    if ids.len() > MAX_REFERENCES {
        let cut_end = ids.len() - (MAX_REFERENCES - 1);
        ids.drain(1..cut_end);
    }
    ids
}

fn reference_normalize(raw: &str) -> Option<String> {
    Candidates::new(raw).find_map(|c| reference_clean(c.text))
}

fn assert_same(raw: &str) {
    assert_eq!(parse_message_id_list(raw), reference_list(raw), "{raw:?}");
    assert_eq!(
        normalize_message_id(raw),
        reference_normalize(raw),
        "{raw:?}"
    );
}

#[test]
fn corner_cases_match_the_reference() {
    let long_left = "a".repeat(MAX_ID_BYTES - 2);
    let cases = [
        "",
        "<a@X.Org>",
        "<a@b> <a@b> <A@b> <a@B>",
        "<<a@b>>",
        "<a<b@c>",
        "<a>b@c>",
        "@b a@ @ <@> <a@>",
        "<a@b@C.D>",
        "<a@b\u{7f}>",
        "<a\u{7f}@b>",
        "<a@b\u{e9}>",
        "<\u{e9}@B>",
        "<a (c) @ b>",
        "<a@b)>",
        "<a)@b>",
        "a@b,c@d;e@f",
        "<a@b\r\n c>",
        "<a@b\u{a0}c>",
        "<a@b\tc>",
        "\"q@q\" <a@b> (x@y) z@W",
        &format!("<{long_left}@b>"),
        &format!("<{long_left}x@b>"),
        &format!("<{long_left}@bc>"),
    ];
    for raw in cases {
        assert_same(raw);
    }
}

#[test]
fn long_lists_dedup_and_cap_like_the_reference() {
    for n in [31, 32, 33, 34, 99, 100, 101, 250] {
        // Every id twice, in two passes, one with another case of the domain.
        let mut raw = String::new();
        for i in 0..n {
            raw.push_str(&format!("<m{i}@x.org>\r\n "));
        }
        for i in (0..n).rev() {
            raw.push_str(&format!("<m{i}@X.ORG> <k{i}@x>"));
        }
        let ids = parse_message_id_list(&raw);
        assert_eq!(ids, reference_list(&raw), "n = {n}");
        assert!(ids.len() <= MAX_REFERENCES);
    }
}

#[test]
fn stray_bytes_at_every_offset_of_long_ids_match_the_reference() {
    // The plain-id check clears 16 bytes at a time: a stray byte before, on and after each
    // chunk boundary, in ids of every length up to three chunks.
    for len in 1..50 {
        for at in 0..=len {
            for stray in [" ", "(", ")", "<", ">", "\u{7f}", "\u{e9}", "@", "\t", "\""] {
                let id = format!("{}{stray}{}", "a".repeat(at), "b".repeat(len - at));
                assert_same(&format!("<{id}@X.y> <{id}>"));
                assert_same(&format!("<{id}"));
            }
        }
    }
}

/// Strings dense in the bytes the candidate scanner and the plain check care about.
fn tricky() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<"),
        Just(">"),
        Just("@"),
        Just("("),
        Just(")"),
        Just("\""),
        Just("\\"),
        Just(" "),
        Just(","),
        Just(";"),
        Just("\r\n\t"),
        Just("\u{7f}"),
        Just("\u{a0}"),
        Just("\u{e9}"),
        Just("a"),
        Just("B.c"),
        Just("X"),
        Just("<a@b>"),
        Just("<a@B>"),
    ]
    .prop_map(str::to_owned);
    let piece = prop_oneof![8 => piece, 1 => any::<char>().prop_map(String::from)];
    prop::collection::vec(piece, 0..60).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3000))]

    #[test]
    fn any_value_parses_like_the_reference(raw in tricky()) {
        prop_assert_eq!(parse_message_id_list(&raw), reference_list(&raw));
        prop_assert_eq!(normalize_message_id(&raw), reference_normalize(&raw));
    }
}
