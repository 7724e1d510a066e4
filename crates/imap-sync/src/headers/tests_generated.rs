//! Randomized fast == slow checks: header blocks built from a grammar of nasty but realistic pieces
//! (quoted names, comments, groups, encoded words, 8-bit bytes, folding, duplicate fields, missing
//! colons, empty values, odd dates), and plain random bytes. Neither path may panic.

use proptest::prelude::*;

use super::tests_equivalence::{assert_same, assert_same_whole};

/// Pieces of address field values, mixing the fast grammar with everything it must refuse.
const ADDRESS_PIECES: &[&str] = &[
    "Ann <a@x.org>",
    "<b@x.org>",
    "c@x.org",
    "Ann Smith",
    "\"Doe, J\" <j@x>",
    "\"q\"",
    "\"",
    "\"Last, First",
    "\"a@b\"",
    "(comment)",
    "a@x (Ann)",
    "grp:",
    ";",
    ":",
    "=?utf-8?q?J=C3=B6rg?=",
    "=?iso-8859-1?b?Sm9yZw==?=",
    "=?utf-8?q??=",
    "=?x-unknown?q?a_b?=",
    "=?utf-8?B?w6k?=",
    "=?",
    "<>",
    "<",
    ">",
    "@",
    ",",
    ", ",
    " ",
    "\t",
    "\\",
    "caf\u{e9}",
    "\r",
];

const SUBJECT_PIECES: &[&str] = &[
    "Re:",
    "[PATCH v3 2/7]",
    "clk: qcom: fix",
    " ",
    "  ",
    "\t",
    "=?utf-8?q?caf=C3=A9?=",
    "=?UTF-8?B?w6k=?=",
    "=?",
    "=",
    "?",
    "caf\u{e9}",
    "\r",
    "\u{a0}",
];

const ID_PIECES: &[&str] = &["<a@b>", "<c.d@e>", " ", "junk", "<", ">", "caf\u{e9}", "\t"];

const DATE_PIECES: &[&str] = &[
    "Mon,",
    "Sun",
    " ",
    "  ",
    "\t",
    "2",
    "09",
    "31",
    "0",
    "Jan",
    "may",
    "DEC",
    "Foo",
    "2025",
    "25",
    "0049",
    "10:00:00",
    "23:59",
    "99:99:99",
    "+0000",
    "-0800",
    "+9999",
    "+00",
    "GMT",
    "UT",
    "Z",
    "EST",
    "(CEST)",
    "(GMT+02:00)",
    "(a (b))",
    "(",
    ")",
    ";",
    ",",
];

/// Bytes that are not UTF-8 (or start a sequence that the next piece may not finish).
const EIGHT_BIT: &[&[u8]] = &[b"\xe9", b"\xff\xfe", b"\xc3"];

/// What follows the last field: the blank line (CRLF, LF, with a stray CR), nothing, more fields.
const BLOCK_ENDS: &[&[u8]] = &[b"\r\n", b"\n", b"", b"\r\r\n", b"\r\nSubject: after\r\n"];

/// One piece list plus, occasionally, raw 8-bit bytes and folds.
fn value(pieces: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let piece = prop_oneof![
        8 => proptest::sample::select(pieces).prop_map(|s| s.as_bytes().to_vec()),
        1 => Just(b"\r\n ".to_vec()),
        1 => Just(b"\n\t".to_vec()),
        1 => proptest::sample::select(EIGHT_BIT).prop_map(<[u8]>::to_vec),
    ];
    proptest::collection::vec(piece, 0..8).prop_map(|v| v.concat())
}

/// A well-formed date from random parts (the fast grammar and its near misses).
fn structured_date() -> impl Strategy<Value = Vec<u8>> {
    (
        proptest::sample::select(&["", "Mon, ", "Fri,  ", "Xyz, "][..]),
        0u32..40,
        proptest::sample::select(&["Jan", "Feb", "Sep", "Dec", "jan", "Jun"][..]),
        proptest::sample::select(&["2025", "1969", "0023", "0077", "23", "12345"][..]),
        (0u32..30, 0u32..70, 0u32..70),
        proptest::sample::select(&["+", "-"][..]),
        0u32..10_000,
        proptest::sample::select(&["", " (CEST)", "  (x y)  ", " GMT", " (a"][..]),
    )
        .prop_map(|(dow, day, mon, year, (h, m, s), sign, zone, tail)| {
            format!("{dow}{day} {mon} {year} {h:02}:{m:02}:{s:02} {sign}{zone:04}{tail}")
                .into_bytes()
        })
}

/// Field names: the eight (any case), near misses and junk.
fn name() -> impl Strategy<Value = (&'static str, u8)> {
    // The tag selects the value grammar: 0 address, 1 subject, 2 id, 3 date.
    proptest::sample::select(
        &[
            ("From:", 0),
            ("To:", 0),
            ("CC:", 0),
            ("cc:", 0),
            ("Subject:", 1),
            ("SUBJECT:", 1),
            ("Message-ID:", 2),
            ("Message-Id:", 2),
            ("References:", 2),
            ("In-Reply-To:", 2),
            ("Date:", 3),
            ("date:", 3),
            ("Subject :", 1),
            (" From:", 0),
            ("X-Other:", 1),
            ("no colon ", 1),
            (":", 1),
        ][..],
    )
}

fn field() -> impl Strategy<Value = Vec<u8>> {
    (name(), any::<bool>()).prop_flat_map(|((name, kind), crlf)| {
        let value = match kind {
            0 => value(ADDRESS_PIECES).boxed(),
            1 => value(SUBJECT_PIECES).boxed(),
            2 => value(ID_PIECES).boxed(),
            _ => prop_oneof![value(DATE_PIECES), structured_date()].boxed(),
        };
        value.prop_map(move |v| {
            let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
            [name.as_bytes(), b" ", &v, eol].concat()
        })
    })
}

fn block() -> impl Strategy<Value = Vec<u8>> {
    let end = proptest::sample::select(BLOCK_ENDS);
    (proptest::collection::vec(field(), 0..9), end).prop_map(|(fields, end)| {
        let mut b = fields.concat();
        b.extend_from_slice(end);
        b
    })
}

proptest! {
    // Well under a second each in a debug build (200,000 cases passed once, locally).
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    #[test]
    fn generated_blocks_parse_the_same(b in block()) {
        assert_same(&b);
        assert_same_whole(&b);
    }

    #[test]
    fn cut_generated_blocks_parse_the_same(b in block(), cut in any::<prop::sample::Index>()) {
        // Blocks ending anywhere, e.g. inside a value or between CR and LF.
        let at = cut.index(b.len() + 1);
        assert_same(b.get(..at).unwrap_or_default());
        assert_same_whole(b.get(..at).unwrap_or_default());
    }

    #[test]
    fn random_bytes_parse_the_same(b in proptest::collection::vec(any::<u8>(), 0..120)) {
        assert_same(&b);
        assert_same_whole(&b);
    }
}
