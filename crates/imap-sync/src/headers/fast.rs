//! The fast header path: splits a `HEADER.FIELDS` block into its fields itself and parses the simple
//! values without building a mail-parser `Message`.
//!
//! What belongs here: the field splitting (a replica of mail-parser 0.11's header loop for blocks made of
//! the eight wanted fields only), the Subject unfolding, and the per-field fallback to mail-parser's own
//! field parsers for values the fast parsers refuse. Blocks this module cannot split exactly like
//! mail-parser (junk lines, other fields, `Name :`, leading blanks, no field at all) are refused as a
//! whole (`None`), and the caller runs the mail-parser-only path. What does not: address and date
//! grammars (`address`, `date`) and the conversions to [`ParsedHeaders`] parts (`slow`).
//!
//! Why the output is identical: mail-parser finds the last occurrence of each field (`header_value`
//! searches from the end), so later occurrences overwrite earlier ones here. Every mail-parser field
//! parser ends a value at the first line feed not followed by a blank (or at the end of the block),
//! except the date scanner in corner cases, which is why a refused value is parsed by mail-parser on
//! the rest of the block and its end offset is taken from it.

use inboxd_threading::ThreadHeaders;
use mail_parser::parsers::MessageStream;

use super::scan::{skip_fields, value_end};
use super::{ParsedHeaders, address, date, slow};

/// The fields of [`super::HEADER_FIELDS`], in the order of [`Tally`]'s counters.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Field {
    From,
    To,
    Cc,
    Subject,
    Date,
    MessageId,
    References,
    InReplyTo,
}

impl Field {
    #[cfg(test)]
    pub(super) const ALL: [Field; 8] = [
        Field::From,
        Field::To,
        Field::Cc,
        Field::Subject,
        Field::Date,
        Field::MessageId,
        Field::References,
        Field::InReplyTo,
    ];

    fn name(self) -> &'static [u8] {
        match self {
            Field::From => b"From",
            Field::To => b"To",
            Field::Cc => b"Cc",
            Field::Subject => b"Subject",
            Field::Date => b"Date",
            Field::MessageId => b"Message-ID",
            Field::References => b"References",
            Field::InReplyTo => b"In-Reply-To",
        }
    }
}

/// How many field values took the fast parsers and how many went to mail-parser, per [`Field`]; only
/// read by tests and the benchmark, but cheap enough to count always (one add per field).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Tally {
    pub fast: [u64; 8],
    pub fallback: [u64; 8],
    /// Blocks refused as a whole (parsed by the mail-parser-only path).
    pub blocks_refused: u64,
}

impl Tally {
    fn count(&mut self, field: Field, fast: bool) {
        let counters = if fast {
            &mut self.fast
        } else {
            &mut self.fallback
        };
        if let Some(c) = counters.get_mut(field as usize) {
            *c += 1;
        }
    }
}

/// Parses `raw` (already cut to `MAX_HEADER_BYTES`), or `None` when the block must go through the
/// mail-parser-only path.
pub(super) fn parse(raw: &[u8], tally: &mut Tally) -> Option<ParsedHeaders> {
    parse_fields(raw, tally, Mode::Fields)
}

/// Parses a whole header block as `parse(select_fields(raw))` would, skipping the other fields in the
/// same pass instead of copying the wanted ones out first (the copy cost as much as the parse). `None`
/// whenever that equality is not certain, and the caller selects and parses as usual: a wanted field
/// spelled `Name :`, a value mail-parser's fallback did not end exactly at the value's end (it reads on
/// in corner cases, and what follows differs once other fields are left in), a Date the fast parser
/// refuses, or no wanted field.
pub(super) fn parse_whole(raw: &[u8], tally: &mut Tally) -> Option<ParsedHeaders> {
    parse_fields(raw, tally, Mode::Whole)
}

/// What [`parse_fields`] is given: a `HEADER.FIELDS` block, or a whole header block.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Fields,
    Whole,
}

fn parse_fields(raw: &[u8], tally: &mut Tally, mode: Mode) -> Option<ParsedHeaders> {
    let mut any_field = false;
    let mut out = ParsedHeaders {
        parsed: true,
        ..ParsedHeaders::default()
    };
    // Message-ID, In-Reply-To, References: the raw value range of their last occurrence.
    let mut ids: [Option<(usize, usize)>; 3] = [None; 3];
    let mut pos = 0;
    loop {
        let rest = raw.get(pos..).unwrap_or_default();
        // mail-parser stops at the blank line (a lone `\r` before it is skipped as a blank).
        if rest.starts_with(b"\n") || rest.starts_with(b"\r\n") {
            break;
        }
        if rest.is_empty() {
            // A block without its blank line: `select_fields` adds one when it drops a field, which
            // completes a value cut by the end; only the fields path can tell.
            if mode == Mode::Whole {
                return None;
            }
            break;
        }
        let (field, name_len) = match (classify(rest), mode) {
            (Line::Field(field, name_len), _) => (field, name_len),
            (_, Mode::Fields) | (Line::Refuse, Mode::Whole) => return None,
            (Line::Other, Mode::Whole) => {
                pos = skip_fields(raw, pos);
                continue;
            }
        };
        any_field = true;
        let start = pos + name_len + 1;
        let end = match field {
            Field::MessageId | Field::InReplyTo | Field::References => {
                let end = value_end(raw, start);
                let slot = match field {
                    Field::MessageId => 0,
                    Field::InReplyTo => 1,
                    _ => 2,
                };
                if let Some(s) = ids.get_mut(slot) {
                    *s = Some((start, end));
                }
                tally.count(field, true);
                End::Value(end)
            }
            Field::Subject => subject(raw, start, &mut out, tally),
            Field::From | Field::To | Field::Cc => addresses(raw, start, field, &mut out, tally),
            Field::Date => sent_date(raw, start, &mut out, tally),
        };
        pos = match (end, mode) {
            (End::Value(next), _) | (End::Reader(next), Mode::Fields) => next,
            (End::Reader(_), Mode::Whole) => return None,
        };
    }
    if !any_field {
        // No field at all: mail-parser says "not parsed"; leave that verdict to it.
        tally.blocks_refused += 1;
        return None;
    }
    // `Message::header_raw` semantics: the bytes after the colon up to the value's end, line feeds of
    // folded lines included, `None` when not UTF-8.
    let raw_value = |r: Option<(usize, usize)>| {
        r.and_then(|(a, b)| raw.get(a..b))
            .and_then(|v| std::str::from_utf8(v).ok())
    };
    out.thread = ThreadHeaders::from_raw(raw_value(ids[0]), raw_value(ids[1]), raw_value(ids[2]));
    Some(out)
}

/// Where parsing goes on after a field value.
#[derive(Clone, Copy)]
enum End {
    /// At the value's end ([`value_end`]): the fast parsers, or mail-parser's field parser when it
    /// stopped right there. mail-parser's address and unstructured parsers stop at the first line
    /// feed not followed by a blank and look no further than whether the next byte is one (encoded
    /// words inside fail at such a line feed and are read again as text), so what follows the value
    /// (other fields in a whole block, the next wanted one after `select_fields`) cannot change the
    /// result.
    Value(usize),
    /// Where mail-parser's field parser stopped, elsewhere (it read past the value's end, or it is
    /// the date scanner, whose quirks are not worth proving safe): right for a `HEADER.FIELDS`
    /// block, not certain for a whole one.
    Reader(usize),
}

/// What a header line starting at `rest` is.
#[derive(Debug, PartialEq, Eq)]
enum Line {
    /// Exactly `Name:` for one of the eight names (any case): the field and the length of its name.
    Field(Field, usize),
    /// One `select_fields` keeps that the fast path refuses (`Name :`), or possibly one (refusing is
    /// always safe: the caller selects and parses as usual).
    Refuse,
    /// Anything `select_fields` drops: other fields, junk, continuation lines.
    Other,
}

/// Classifies the line at `rest`. Most lines of a whole block (Received, DKIM, ARC, List-, X-) are told
/// apart by their first letter; the rest by comparing the line's start with the one name of that
/// letter, with no search for the colon (a memchr call per line, dispatch included, cost more than
/// the compare). Same answers as taking the name before the first colon: `Field` when a name is
/// followed by the colon; `Refuse` when only ASCII whitespace (line feeds included, as
/// `trim_ascii_end` trims them) stands between a name and the first colon; `Other` otherwise, as no
/// name is a prefix of another and a line without a colon is dropped by `select_fields` too.
fn classify(rest: &[u8]) -> Line {
    let field = match rest.first().map(u8::to_ascii_uppercase) {
        Some(b'F') => Field::From,
        Some(b'T') => Field::To,
        Some(b'C') => Field::Cc,
        Some(b'S') => Field::Subject,
        Some(b'D') => Field::Date,
        Some(b'M') => Field::MessageId,
        Some(b'R') => Field::References,
        Some(b'I') => Field::InReplyTo,
        _ => return Line::Other,
    };
    let name = field.name();
    match rest.split_at_checked(name.len()) {
        Some((head, after)) if head.eq_ignore_ascii_case(name) => {
            match after.iter().find(|b| !b.is_ascii_whitespace()) {
                Some(b':') if after.first() == Some(&b':') => Line::Field(field, name.len()),
                Some(b':') => Line::Refuse,
                _ => Line::Other,
            }
        }
        _ => Line::Other,
    }
}

/// The value bytes from `start` up to [`value_end`], and that end.
fn value_at(raw: &[u8], start: usize) -> (&[u8], usize) {
    let end = value_end(raw, start);
    (raw.get(start..end).unwrap_or_default(), end)
}

/// A mail-parser stream over the rest of the block from `start`, for the per-field fallback: its field
/// parsers read only from their start on, so a suffix gives the same value and a relative end offset.
fn stream_at(raw: &[u8], start: usize) -> MessageStream<'_> {
    MessageStream::new(raw.get(start..).unwrap_or_default())
}

fn subject(raw: &[u8], start: usize, out: &mut ParsedHeaders, tally: &mut Tally) -> End {
    let (value, end) = value_at(raw, start);
    if let Some(text) = unfold(value) {
        // Lines are already trimmed of SP, HT and CR; `trim` can still find other Unicode blanks.
        out.subject = if text.trim().len() == text.len() {
            text
        } else {
            slow::subject_text(&text)
        };
        tally.count(Field::Subject, true);
        return End::Value(end);
    }
    tally.count(Field::Subject, false);
    let mut stream = stream_at(raw, start);
    out.subject = slow::subject_of(&stream.parse_unstructured());
    reader_end(start + stream.offset(), end)
}

/// Where mail-parser's address or unstructured parser stopped (`next`), given the value's `end`.
fn reader_end(next: usize, end: usize) -> End {
    if next == end {
        End::Value(next)
    } else {
        End::Reader(next)
    }
}

/// mail-parser's unstructured text for values without encoded words: each line from its first to its
/// last byte that is not SP, HT or CR, empty lines dropped, joined by one space. A value cut by the end
/// of the block (no final line feed) is empty in mail-parser, so here too. `None` when the value holds
/// `=?` or is not UTF-8 (mail-parser would decode or replace bytes).
fn unfold(value: &[u8]) -> Option<String> {
    if has_encoded_word_start(value) {
        return None;
    }
    let text = std::str::from_utf8(value).ok()?;
    let Some(text) = text.strip_suffix('\n') else {
        return Some(String::new());
    };
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        let line = line.trim_matches([' ', '\t', '\r']);
        if line.is_empty() {
            continue;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(line);
    }
    Some(out)
}

/// Whether `=?` occurs (where mail-parser tries to decode an encoded word). Not `memmem::find`: building
/// its searcher costs more than scanning a short value for `=`.
fn has_encoded_word_start(value: &[u8]) -> bool {
    memchr::memchr_iter(b'=', value).any(|i| value.get(i + 1) == Some(&b'?'))
}

fn addresses(
    raw: &[u8],
    start: usize,
    field: Field,
    out: &mut ParsedHeaders,
    tally: &mut Tally,
) -> End {
    let (value, end) = value_at(raw, start);
    if let Some(list) = address::parse_list(value) {
        tally.count(field, true);
        match field {
            Field::From => out.from = list.into_iter().next(),
            Field::To => out.to = list,
            _ => out.cc = list,
        }
        return End::Value(end);
    }
    tally.count(field, false);
    let mut stream = stream_at(raw, start);
    let value = stream.parse_address();
    let parsed = value.as_address();
    match field {
        Field::From => out.from = parsed.and_then(slow::first_address),
        Field::To => out.to = parsed.map(slow::address_list).unwrap_or_default(),
        _ => out.cc = parsed.map(slow::address_list).unwrap_or_default(),
    }
    reader_end(start + stream.offset(), end)
}

fn sent_date(raw: &[u8], start: usize, out: &mut ParsedHeaders, tally: &mut Tally) -> End {
    let (value, end) = value_at(raw, start);
    if let Some(d) = date::parse(value) {
        tally.count(Field::Date, true);
        out.sent_date = slow::timestamp_ms(&d);
        return End::Value(end);
    }
    tally.count(Field::Date, false);
    let mut stream = stream_at(raw, start);
    out.sent_date = stream
        .parse_date()
        .as_datetime()
        .and_then(slow::timestamp_ms);
    End::Reader(start + stream.offset())
}

#[cfg(test)]
mod tests {
    use super::{Field, Line, classify};

    /// The definition `classify` replaced: the name before the first colon, exact or trimmed of
    /// trailing ASCII whitespace.
    fn reference(rest: &[u8]) -> Line {
        let Some(colon) = rest.iter().position(|&b| b == b':') else {
            return Line::Other;
        };
        let name = &rest[..colon];
        let named = |n: &[u8]| {
            Field::ALL
                .into_iter()
                .find(|f| f.name().eq_ignore_ascii_case(n))
        };
        if let Some(field) = named(name) {
            return Line::Field(field, colon);
        }
        if named(name.trim_ascii_end()).is_some() {
            return Line::Refuse;
        }
        Line::Other
    }

    fn check(rest: &[u8]) {
        assert_eq!(
            classify(rest),
            reference(rest),
            "{:?}",
            String::from_utf8_lossy(rest)
        );
    }

    #[test]
    fn names_of_every_case_and_spacing() {
        for field in Field::ALL {
            let name = String::from_utf8_lossy(field.name()).into_owned();
            for spelled in [name.clone(), name.to_lowercase(), name.to_uppercase()] {
                for tail in [
                    ": v\r\n",
                    ":",
                    " : v\r\n",
                    "\t:v",
                    "\r\n :v",
                    " x: v",
                    "x: v",
                    "-x: v",
                    "",
                    " ",
                    "\r\n",
                    " \r\n\r\n",
                ] {
                    check(format!("{spelled}{tail}").as_bytes());
                }
                // Cut short: a prefix of the name, with or without a colon.
                for cut in 0..spelled.len() {
                    check(&spelled.as_bytes()[..cut]);
                    check(format!("{}:", &spelled[..cut]).as_bytes());
                }
            }
        }
    }

    #[test]
    fn other_lines_of_a_whole_block() {
        for line in [
            &b"Received: from x\r\n"[..],
            b"Return-Path: <a@b>\r\n",
            b"References-X: a\r\n",
            b"DKIM-Signature: v=1\r\n",
            b"Content-Type: text/plain\r\n",
            b"MIME-Version: 1.0\r\n",
            b"In-Reply-To : <a@b>\r\n",
            b"Sender: a\r\n",
            b"Ccc: a\r\n",
            b"To\r\nCc: a\r\n",
            b" To: a\r\n",
            b"\tCc: a\r\n",
            b"X-To: a\r\n",
            b"\r\n",
            b"",
        ] {
            check(line);
        }
    }

    #[test]
    fn every_byte_after_a_name() {
        for field in Field::ALL {
            for b in 0..=255u8 {
                let mut line = field.name().to_vec();
                line.push(b);
                check(&line);
                line.extend_from_slice(b": v");
                check(&line);
            }
        }
    }
}
