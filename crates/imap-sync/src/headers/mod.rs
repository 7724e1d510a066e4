//! Header parsing of fetched header blocks, tolerant of broken input: mail-parser 0.11's results, mostly
//! without mail-parser's cost.
//!
//! What belongs here: turning the bytes of `BODY.PEEK[HEADER.FIELDS (…)]` into the fields a `Message` record
//! and threading need, and the stable synthesized id for messages without a usable Message-ID. What does not:
//! Message-ID normalization and the threading rules (`inboxd-threading`), bodies (`tasks::sync_body`).
//!
//! Layout: this file holds the public API and field selection; `fast` splits blocks and parses simple
//! values (with `address` and `date`; `scan` finds where values end), falling back per field or per
//! block to `slow`, the mail-parser-only path that defines the expected output. `tests` covers the API; `tests_equivalence` (corner cases, the
//! real list-mail corpus when present) and `tests_generated` (randomized blocks) check fast == slow.

mod address;
mod date;
mod fast;
mod scan;
mod slow;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_equivalence;
#[cfg(test)]
mod tests_generated;

use std::borrow::Cow;

use inboxd_threading::ThreadHeaders;

use crate::Address;
use fast::Tally;

/// Header fields fetched for every new message (RFC 3501 `HEADER.FIELDS`).
pub const HEADER_FIELDS: [&str; 8] = [
    "FROM",
    "TO",
    "CC",
    "SUBJECT",
    "DATE",
    "MESSAGE-ID",
    "REFERENCES",
    "IN-REPLY-TO",
];

/// The lines of `raw` (a header block) whose field is one of [`HEADER_FIELDS`], continuation lines
/// included, in their original order and bytes, then the blank line: what the server answers to
/// `BODY.PEEK[HEADER.FIELDS (…)]`. A block that holds only those fields (a HEADER.FIELDS answer) comes back
/// as is, without a copy.
pub fn select_fields(raw: &[u8]) -> Cow<'_, [u8]> {
    // Kept byte ranges, adjacent lines merged: a HEADER.FIELDS answer is one range, borrowed as is.
    let mut kept: Vec<(usize, usize)> = Vec::new();
    let mut dropped = false;
    let mut keeping = false;
    let mut pos = 0;
    while pos < raw.len() {
        let rest = raw.get(pos..).unwrap_or_default();
        let end = memchr::memchr(b'\n', rest).map_or(raw.len(), |i| pos + i + 1);
        let line = raw.get(pos..end).unwrap_or_default();
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        if !matches!(line.first(), Some(b' ' | b'\t')) {
            keeping = is_wanted(line);
        }
        if !keeping {
            dropped = true;
        } else if let Some(last) = kept.last_mut().filter(|l| l.1 == pos) {
            last.1 = end;
        } else {
            kept.push((pos, end));
        }
        pos = end;
    }
    if !dropped {
        return Cow::Borrowed(raw);
    }
    let mut out = Vec::with_capacity(kept.iter().map(|(a, b)| b - a).sum::<usize>() + 2);
    for (a, b) in kept {
        out.extend_from_slice(raw.get(a..b).unwrap_or_default());
    }
    out.extend_from_slice(b"\r\n");
    Cow::Owned(out)
}

/// Whether a header line starts one of [`HEADER_FIELDS`] (`Name:`, or the obsolete `Name :`).
fn is_wanted(line: &[u8]) -> bool {
    // Most lines of a real header block (Received, DKIM, ARC, X-…) fail on the first letter.
    let Some(first) = line.first().map(u8::to_ascii_uppercase) else {
        return false;
    };
    if !HEADER_FIELDS
        .iter()
        .any(|f| f.as_bytes().first() == Some(&first))
    {
        return false;
    }
    let Some(colon) = memchr::memchr(b':', line) else {
        return false;
    };
    let name = line.get(..colon).unwrap_or_default().trim_ascii_end();
    HEADER_FIELDS
        .iter()
        .any(|f| f.as_bytes().eq_ignore_ascii_case(name))
}

/// Header blocks above this size are cut before parsing (hostile or broken generators).
pub const MAX_HEADER_BYTES: usize = 256 * 1024;

/// What the engine keeps from a message's headers.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct ParsedHeaders {
    pub thread: ThreadHeaders,
    pub subject: String,
    pub from: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// Date header in ms since the epoch.
    pub sent_date: Option<u64>,
    /// False when mail-parser found no header at all (the block was junk or empty).
    pub parsed: bool,
}

impl ParsedHeaders {
    /// [`parse_header_block`], reachable from outside the crate for the `headers_bench` example (the
    /// `headers` module is private and the crate root re-exports only the field-block API).
    #[doc(hidden)]
    pub fn from_block(block: &[u8]) -> Self {
        parse_header_block(block)
    }
}

/// Parses a whole header block (`BODY[HEADER]`) exactly as `parse_headers(&select_fields(block))`, in one
/// pass over the block when it can (most blocks), which saves the copy of the wanted fields.
pub fn parse_header_block(block: &[u8]) -> ParsedHeaders {
    parse_header_block_tallied(block, &mut Tally::default())
}

fn parse_header_block_tallied(block: &[u8], tally: &mut Tally) -> ParsedHeaders {
    // Blocks over the limit are cut after selection: the whole block's cut would be somewhere else.
    if block.len() <= MAX_HEADER_BYTES
        && let Some(parsed) = fast::parse_whole(block, tally)
    {
        return parsed;
    }
    parse_headers_tallied(&select_fields(block), tally)
}

/// Parses a header block. Never fails: unparsable parts are left empty and `parsed` says whether anything
/// was understood.
///
/// Same output as mail-parser alone (`slow`), but simple blocks and values skip building a mail-parser
/// `Message` (`fast`): that was most of the cost of an initial sync of list mail.
pub fn parse_headers(raw: &[u8]) -> ParsedHeaders {
    parse_headers_tallied(raw, &mut Tally::default())
}

/// [`parse_headers`], counting which path each field took.
fn parse_headers_tallied(raw: &[u8], tally: &mut Tally) -> ParsedHeaders {
    let raw = raw.get(..MAX_HEADER_BYTES).unwrap_or(raw);
    fast::parse(raw, tally).unwrap_or_else(|| slow::parse_headers_slow(raw))
}

/// A stable Message-ID for a message without a usable one: a hash of its raw header block, so the same
/// message seen again (another folder, a re-sync after UIDVALIDITY change) gets the same id, and copies
/// thread together like real duplicates do. FNV-1a: small, and stable across Rust releases (unlike
/// `DefaultHasher`).
pub fn synthesize_message_id(raw_header: &[u8], fallback: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let input: &[u8] = if raw_header.iter().all(u8::is_ascii_whitespace) {
        fallback.as_bytes()
    } else {
        raw_header
    };
    for b in input {
        hash ^= u64::from(*b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{hash:016x}@synthesized.inboxd")
}
