//! Header parsing of fetched header blocks with mail-parser 0.11, tolerant of broken input.
//!
//! What belongs here: turning the bytes of `BODY.PEEK[HEADER.FIELDS (…)]` into the fields a `Message` record
//! and threading need, and the stable synthesized id for messages without a usable Message-ID. What does not:
//! Message-ID normalization and the threading rules (`inboxd-threading`), bodies (`tasks::sync_body`).

use std::borrow::Cow;

use inboxd_threading::ThreadHeaders;
use mail_parser::MessageParser;

use crate::Address;

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

/// Parses a header block. Never fails: unparsable parts are left empty and `parsed` says whether anything
/// was understood.
pub fn parse_headers(raw: &[u8]) -> ParsedHeaders {
    let raw = raw.get(..MAX_HEADER_BYTES).unwrap_or(raw);
    let Some(msg) = MessageParser::default().parse_headers(raw) else {
        return ParsedHeaders::default();
    };
    if msg.headers().is_empty() {
        return ParsedHeaders::default();
    }
    ParsedHeaders {
        thread: ThreadHeaders::from_raw(
            msg.header_raw("Message-ID"),
            msg.header_raw("In-Reply-To"),
            msg.header_raw("References"),
        ),
        subject: msg.subject().unwrap_or_default().trim().to_owned(),
        from: msg.from().and_then(|a| a.first()).map(address),
        to: msg.to().map(address_list).unwrap_or_default(),
        cc: msg.cc().map(address_list).unwrap_or_default(),
        sent_date: msg
            .date()
            .and_then(|d| u64::try_from(d.to_timestamp()).ok())
            .map(|s| s.saturating_mul(1000)),
        parsed: true,
    }
}

fn address(a: &mail_parser::Addr<'_>) -> Address {
    Address {
        name: a.name.as_deref().map(str::to_owned),
        email: a.address.as_deref().map(str::to_owned),
    }
}

fn address_list(a: &mail_parser::Address<'_>) -> Vec<Address> {
    a.iter().map(address).collect()
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

#[cfg(test)]
mod tests {
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
        let whole = b"Received: from a\r\n\tby b\r\nMessage-ID: <m@x>\r\nDKIM-Signature: v=1;\r\n b=xyz\r\n\
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
}
