//! Fast path == mail-parser-only path: hand-picked corner cases, and every header block of the real
//! list-mail corpus when it is present (`tests_generated` adds randomized blocks).
//!
//! Besides equality, the tests assert that ordinary values really take the fast parsers, so that a
//! regression to "everything falls back" (equal output, no speedup) fails too.

use std::io::Read;

use super::fast::{Field, Tally};
use super::{parse_header_block_tallied, parse_headers_tallied, select_fields, slow};

/// Asserts fast == slow for `block`, returning the tally of paths taken.
pub(super) fn assert_same(block: &[u8]) -> Tally {
    let mut tally = Tally::default();
    let fast = parse_headers_tallied(block, &mut tally);
    let slow = slow::parse_headers_slow(block);
    assert_eq!(fast, slow, "block: {:?}", String::from_utf8_lossy(block));
    tally
}

/// Asserts that a whole block parses in one pass exactly as its selected fields do, returning the tally
/// of the one-pass attempt (`blocks_refused` counts the blocks it left to the selecting path).
pub(super) fn assert_same_whole(block: &[u8]) -> Tally {
    let mut tally = Tally::default();
    let whole = parse_header_block_tallied(block, &mut tally);
    let selected = slow::parse_headers_slow(&select_fields(block));
    assert_eq!(
        whole,
        selected,
        "block: {:?}",
        String::from_utf8_lossy(block)
    );
    tally
}

fn fast_count(t: &Tally, f: Field) -> u64 {
    t.fast.get(f as usize).copied().unwrap_or_default()
}

#[test]
fn simple_blocks_take_the_fast_path_for_every_field() {
    let block =
        b"From: Ann Smith <ann@x.org>\r\nTo: bob@x.org, Cy <cy@x.org>,\r\n\tDee <d@x.org>\r\n\
Cc: <e@x.org>\r\nSubject: [PATCH v2 1/3] clk: fix\r\n  the thing\r\n\
Date: Mon, 2 Jun 2025 10:00:00 +0200 (CEST)\r\nMessage-ID: <1@x>\r\n\
References: <a@x>\r\n <b@x>\r\nIn-Reply-To: <b@x>\r\n\r\n";
    for b in [&block[..], &block.replace_crlf()[..]] {
        let t = assert_same(b);
        for f in Field::ALL {
            assert_eq!(
                fast_count(&t, f),
                1,
                "{f:?} in {:?}",
                String::from_utf8_lossy(b)
            );
        }
        assert_eq!(t.fallback, [0; 8]);
    }
}

/// LF-only copy of a CRLF block.
trait ReplaceCrlf {
    fn replace_crlf(&self) -> Vec<u8>;
}

impl ReplaceCrlf for [u8] {
    fn replace_crlf(&self) -> Vec<u8> {
        self.iter().copied().filter(|b| *b != b'\r').collect()
    }
}

/// CRLF copy of an LF block (as IMAP servers send it).
fn to_crlf(lf: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(lf.len() + lf.len() / 32);
    for &b in lf {
        if b == b'\n' {
            out.push(b'\r');
        }
        out.push(b);
    }
    out
}

const ADDRESS_VALUES: &[&str] = &[
    "Ann <a@x>",
    "<a@x>",
    "a@x",
    "",
    " ",
    "<>",
    "a",
    "Ann Smith",
    "a@",
    "@x",
    "Ann\t  Smith   <a@x>  ",
    "a@x <b@y>",
    "<a@x> tail",
    "Ann <a@x",
    "Ann > x",
    "x <a@x> <b@y>",
    "<a,b@x>",
    ",,a@x,, ,",
    "a@x b@y, c",
    "Ann <a@x>\r\n , Bob\r\n <b@y>",
    "Ann\r\n\r\n <a@x>",
    "caf\u{e9} <c@x>",
    "\"Doe, J\" <j@x>",
    "\"Ann\r\n Smith\" <a@x>",
    "\"a\r\n\t\tb\"<x@y>",
    "\"unclosed <a@x>",
    "John \"Q\" Smith <q@x>",
    "a@b\"x\" <c@d>",
    "<a\"b\"@x>",
    "\"\" <e@x>",
    "=?utf-8?q?J=C3=B6rg?= =?utf-8?q?_Sch?= <j@x>",
    "Dr =?utf-8?q?J=C3=B6rg?=Sch <j@x>",
    "x=?utf-8?q?a?= <j@x>",
    "\"=?utf-8?q?in_quotes?=\" <j@x>",
    "=?utf-8?q??= <j@x>",
    "=?utf-8?q??=",
    "=?utf-8?q?bro\r\n ken?= <j@x>",
    "<=?utf-8?q?a?=@x>",
    "=?utf-8?B?w6k=?= <e@x>, =?iso-8859-1?q?=E9?= <f@x>",
    "Ann (comment) <a@x>",
    "a@x (Ann)",
    "grp: a@x, b@y;",
    "undisclosed-recipients:;",
    "=?utf-8?q?J=C3=B6rg?= <j@x>",
    "x=?y <a@x>",
    "\\\"esc\" <e@x>",
    "a\rb <c@d>",
    // Comment, group and escape bytes where mail-parser reads them as text.
    "\"Ann (ACME)\" <a@x>",
    "\"Smith; Ann\" <a@x>, \"a:b\" <c@d>",
    "\"(x\" <a@x>, \"y)\" <b@x>",
    "Ann) <a@x>, a)b@x",
    "<a)b@x>, <a:b;c@x>",
    "Ann\\B <a@x>",
    "\"a\\\"b\" <c@d>",
    "<a\\b@x>",
    "<a(b)@x>",
    "\"x\" (c) <a@x>",
];

#[test]
fn address_corner_cases_match() {
    for v in ADDRESS_VALUES {
        for name in ["From", "To", "cc"] {
            for end in ["\r\n\r\n", "\n", ""] {
                assert_same(format!("{name}: {v}{end}").as_bytes());
                assert_same(format!("Subject: s\r\n{name}:{v}{end}").as_bytes());
            }
        }
    }
    let t = assert_same(b"To: Ann <a@x>, b@y\r\n\r\n");
    assert_eq!(fast_count(&t, Field::To), 1);
    let t = assert_same(b"To: \"Ann (ACME)\" <a@x>, \"S; A\" <b@y>, <c)d:e@z>\r\n\r\n");
    assert_eq!(fast_count(&t, Field::To), 1);
    // Specials at every offset of runs up to three 16-byte steps of the run scanner, ending the
    // value too.
    for n in 0..50 {
        let a = "a".repeat(n);
        for v in [
            format!("{a} <{a}@x>, \"{a}\" <b@{a}>, {a}@y"),
            format!("<{a}>"),
            a.clone(),
            format!("\"{a}"),
        ] {
            for end in ["\r\n\r\n", "\n", ""] {
                assert_same(format!("Cc: {v}{end}").as_bytes());
                assert_same_whole(format!("Cc:{v}{end}X-A: b\r\n\r\n").as_bytes());
            }
        }
    }
}

const DATE_VALUES: &[&str] = &[
    "Mon, 2 Jan 2023 10:00:00 +0000",
    "2 Jan 2023 10:00:00 -0800",
    "Sun,  09 Dec 2029 23:59:59 +1400 (GMT+14:00)",
    "Tue, 30 Feb 0023 99:99:99 +9999",
    "Wed, 1 Jan 1970 00:00:00 +0100",
    "Thu, 1 Jan 0049 00:00:00 +0000",
    "Fri, 1 Jan 0050 00:00:00 -0000",
    "Sat, 1 Jan 2000 00:00:00 +0000   ",
    "Mon, 2 Jan 2023 10:00:00 +0000 (a (b))",
    "Mon, 2 Jan 2023 10:00:00 +0000 (\\))",
    "Mon, 2 Jan 2023 10:00:00 +0000 x",
    "Mon, 2 Jan 2023 10:00:00 GMT",
    "Mon, 2 Jan 2023 10:00:00 UT",
    "Mon, 2 Jan 2023 10:00:00 Z",
    "Mon, 2 Jan 2023 10:00:00 EST",
    "Mon, 2 Jan 23 10:00:00 +0000",
    "Mon, 2 Jan 2023 10:00 +0000",
    "Mon, 2 jan 2023 10:00:00 +0000",
    "Mon, 2 JAN 2023 10:00:00 +0000",
    "Mon, 2 Janu 2023 10:00:00 +0000",
    "Mon 2 Jan 2023 10:00:00 +0000",
    "Mon, 2 Jan 2023\r\n 10:00:00 +0000",
    "2023-01-02T10:00:00Z",
    "",
    "garbage",
    "Mon, 2 Jan 2023 10:00:00 +0000; x",
];

#[test]
fn date_corner_cases_match() {
    for v in DATE_VALUES {
        for end in [
            "\r\n\r\n",
            "\n",
            "\r\nSubject: after\r\n\r\n",
            "\nTo: a@b\n",
            "",
        ] {
            assert_same(format!("Date: {v}{end}").as_bytes());
        }
    }
    for month in [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ] {
        for day in ["1", "09", "31"] {
            let t =
                assert_same(format!("Date: {day} {month} 2025 12:34:56 -0130\r\n\r\n").as_bytes());
            assert_eq!(fast_count(&t, Field::Date), 1);
        }
    }
}

#[test]
fn subject_id_and_block_corner_cases_match() {
    let blocks: &[&[u8]] = &[
        b"Subject: a\r\n\tb\r\n \r\n  c  \r\n\r\n",
        b"Subject:   \r\n\r\n",
        b"Subject: x\ry \r\r\n\r\n",
        b"Subject: =?utf-8?q?caf=C3=A9?= x\r\n\r\n",
        b"Subject: a=?b\r\n\r\n",
        b"Subject: caf\xe9\r\n\r\n",
        b"Subject: caf\xc3\xa9 \xc2\xa0\r\n\r\n",
        b"Subject: \x0bx\x0c\r\n\r\n",
        b"Subject: last at eof",
        b"Subject: one\r\nSubject: two\r\n\r\n",
        b"Subject: one\r\nSubject:\r\n\r\n",
        b"Message-ID: <a@b>\r\n\r\n",
        b"Message-ID:<a@b>\r\n <c@d>\r\n\r\n",
        b"message-id: caf\xe9@x\r\n\r\n",
        b"Message-ID: <a@b>\r\nMessage-ID: <c@d>\r\n\r\n",
        b"References: <a@b> <c@d>\n\t<e@f>\nIn-Reply-To: <c@d>",
        b"In-Reply-To:",
        b"",
        b"\r\n",
        b"\r\n\r\nSubject: after the end\r\n",
        b" Subject: leading blank\r\n\r\n",
        b"Subject : obsolete\r\n\r\n",
        b"junk\r\nSubject: x\r\n\r\n",
        b"X-Other: 1\r\nSubject: x\r\n\r\n",
        b"Subject: x\r\n\r\r\nFrom: a@b\r\n\r\n",
        b"Subject: x\r\n\r\nFrom: a@b\r\n",
        b"Subject: x\n\nFrom: a@b\n",
        b"Sub ject: x\r\n\r\n",
        b":\r\n\r\n",
        b"From\r\n: a@b\r\n\r\n",
    ];
    for b in blocks {
        assert_same(b);
    }
}

#[test]
fn oversized_blocks_are_cut_alike() {
    // Above MAX_HEADER_BYTES both paths see the same prefix, here cut inside a folded To value.
    let mut block = b"Subject: big\r\nTo: a@x".to_vec();
    while block.len() <= super::MAX_HEADER_BYTES {
        block.extend_from_slice(b",\r\n Some One <some.one@example.org>");
    }
    block.extend_from_slice(b"\r\nFrom: late@x\r\n\r\n");
    let t = assert_same(&block);
    assert_eq!(fast_count(&t, Field::To), 1);
    assert_eq!(fast_count(&t, Field::From), 0);
}

/// The corpus named in /work/shared/corpora/README.md; optional (the generated tests always run).
const CORPUS: &str = "/work/shared/corpora/linux-clk/linux-clk.2025-06_2026-01.mbox.gz";

/// The header blocks (blank line included) of an mboxrd file.
pub(super) fn mbox_header_blocks(mbox: &[u8]) -> Vec<&[u8]> {
    let mut blocks = Vec::new();
    for msg in mbox.split_inclusive_from_lines() {
        // Skip the `From ` separator line.
        let Some(nl) = memchr::memchr(b'\n', msg) else {
            continue;
        };
        let body = msg.get(nl + 1..).unwrap_or_default();
        let end = memchr::memmem::find(body, b"\n\n").map_or(body.len(), |i| i + 2);
        blocks.push(body.get(..end).unwrap_or_default());
    }
    blocks
}

trait SplitMbox {
    fn split_inclusive_from_lines(&self) -> Vec<&[u8]>;
}

impl SplitMbox for [u8] {
    /// Messages start at `From ` at the start of a line (mboxrd escapes such body lines as `>From `).
    fn split_inclusive_from_lines(&self) -> Vec<&[u8]> {
        let mut starts: Vec<usize> = memchr::memmem::find_iter(self, b"\nFrom ")
            .map(|i| i + 1)
            .collect();
        if self.starts_with(b"From ") {
            starts.insert(0, 0);
        }
        starts.push(self.len());
        starts
            .windows(2)
            .filter_map(|w| self.get(*w.first()?..*w.get(1)?))
            .collect()
    }
}

#[test]
fn corpus_blocks_match_and_mostly_take_the_fast_path() {
    let Ok(file) = std::fs::File::open(CORPUS) else {
        eprintln!("corpus {CORPUS} absent: only the generated equivalence tests ran");
        return;
    };
    let mut mbox = Vec::new();
    flate2::read::GzDecoder::new(file)
        .read_to_end(&mut mbox)
        .unwrap();
    let blocks = mbox_header_blocks(&mbox);
    assert!(blocks.len() > 10_000, "{} messages", blocks.len());
    let mut total = Tally::default();
    for block in &blocks {
        let lf = select_fields(block);
        // IMAP servers send CRLF; the mbox has LF: check both.
        let crlf = to_crlf(&lf);
        for b in [&lf[..], &crlf[..]] {
            let t = assert_same(b);
            for i in 0..8 {
                total.fast[i] += t.fast[i];
                total.fallback[i] += t.fallback[i];
            }
            total.blocks_refused += t.blocks_refused;
        }
    }
    for (i, f) in Field::ALL.iter().enumerate() {
        let (fast, slow) = (total.fast[i], total.fallback[i]);
        eprintln!(
            "{f:?}: {fast} fast, {slow} mail-parser ({:.1} % fast)",
            100.0 * fast as f64 / (fast + slow).max(1) as f64
        );
        // Equality alone would not catch a fast path that always declines.
        assert!(fast >= 3 * slow, "{f:?}: {fast} fast vs {slow} fallback");
    }
    eprintln!("blocks refused as a whole: {}", total.blocks_refused);
    assert!(total.blocks_refused * 100 < blocks.len() as u64);
    whole_corpus_blocks_match(&blocks);
    mangled_corpus_blocks_match(&blocks);
    mangled_whole_corpus_blocks_match(&blocks);
}

/// Whole blocks (Received, DKIM, List-… and all) parse in one pass exactly as their selected fields,
/// and most really take the one pass.
fn whole_corpus_blocks_match(blocks: &[&[u8]]) {
    let mut selected_instead = 0;
    for block in blocks {
        let crlf = to_crlf(block);
        for b in [&block[..], &crlf[..]] {
            if assert_same_whole(b).blocks_refused > 0 || parse_whole_declines(b) {
                selected_instead += 1;
            }
        }
    }
    eprintln!(
        "whole blocks left to select_fields: {selected_instead} of {}",
        2 * blocks.len()
    );
    assert!(
        selected_instead * 20 < 2 * blocks.len(),
        "{selected_instead}"
    );
}

fn parse_whole_declines(block: &[u8]) -> bool {
    super::fast::parse_whole(block, &mut Tally::default()).is_none()
}

/// Real blocks with one byte in every `STRIDE` replaced by a troublesome one (quote, parenthesis,
/// encoded-word start, bare LF, colon, 8-bit…): realistic structure with breakage in every field.
fn mangled_corpus_blocks_match(blocks: &[&[u8]]) {
    const NASTY: &[u8] = b"\"()<>,;:\\=?@\n\r \t\xe9";
    const STRIDE: usize = 97;
    for (n, block) in blocks.iter().enumerate() {
        let lf = select_fields(block);
        let mut b = lf.to_vec();
        for (k, i) in (n % STRIDE..b.len()).step_by(STRIDE).enumerate() {
            b[i] = NASTY[(n + k) % NASTY.len()];
        }
        assert_same(&b);
    }
}

/// Whole real blocks mangled like [`mangled_corpus_blocks_match`]: values mail-parser's fallback
/// parses, with other fields after them (what a fallback that read past its value would see).
fn mangled_whole_corpus_blocks_match(blocks: &[&[u8]]) {
    const NASTY: &[u8] = b"\"()<>,;:\\=?@\n\r \t\xe9";
    const STRIDE: usize = 61;
    let mut one_pass = 0;
    for (n, block) in blocks.iter().enumerate() {
        let mut b = block.to_vec();
        for (k, i) in (n % STRIDE..b.len()).step_by(STRIDE).enumerate() {
            b[i] = NASTY[(n + k) % NASTY.len()];
        }
        let fallbacks = assert_same_whole(&b).fallback.iter().sum::<u64>();
        if fallbacks > 0 && !parse_whole_declines(&b) {
            one_pass += 1;
        }
    }
    // The fallback-in-one-pass case must really occur, or this test proves nothing.
    eprintln!("mangled whole blocks parsed in one pass with a fallback: {one_pass}");
    assert!(one_pass > 100, "{one_pass}");
}

/// notmuch's test mail (see /work/shared/corpora/README.md), optional like the list corpus: small, but
/// with deliberately broken messages.
const NOTMUCH: &str = "/work/shared/corpora/notmuch";

#[test]
fn notmuch_corpus_blocks_match() {
    let mut dirs = vec![std::path::PathBuf::from(NOTMUCH)];
    let mut seen = 0;
    // Bounded walk: the corpus holds a few hundred files.
    while let Some(dir) = dirs.pop().filter(|_| seen < 10_000) {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                dirs.push(path);
            } else if let Ok(raw) = std::fs::read(&path) {
                seen += 1;
                let end = memchr::memmem::find(&raw, b"\n\n").map_or(raw.len(), |i| i + 2);
                let block = raw.get(..end).unwrap_or_default();
                assert_same(&select_fields(block));
                // Whole blocks (other fields too) go through the mail-parser-only path.
                assert_same(block);
            }
        }
    }
    if seen == 0 {
        eprintln!("corpus {NOTMUCH} absent: only the generated equivalence tests ran");
    }
}
