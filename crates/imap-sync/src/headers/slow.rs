//! The mail-parser-only header path: the reference the fast path must match byte for byte.
//!
//! What belongs here: parsing a whole header block with `MessageParser` (used for blocks the fast path
//! refuses, and by the equivalence tests and the benchmark as the "old" behaviour), and the conversions
//! from mail-parser values to [`ParsedHeaders`] parts, shared with the fast path's per-field fallback so
//! that both paths convert identically. What does not: the fast parsing itself (`fast`, `address`, `date`).

use inboxd_threading::ThreadHeaders;
use mail_parser::{DateTime, HeaderValue, MessageParser};

use super::{MAX_HEADER_BYTES, ParsedHeaders};
use crate::Address;

/// Parses a header block with mail-parser alone (the behaviour before the fast path existed).
pub(super) fn parse_headers_slow(raw: &[u8]) -> ParsedHeaders {
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
        subject: msg.subject().map(subject_text).unwrap_or_default(),
        from: msg.from().and_then(first_address),
        to: msg.to().map(address_list).unwrap_or_default(),
        cc: msg.cc().map(address_list).unwrap_or_default(),
        sent_date: msg.date().and_then(timestamp_ms),
        parsed: true,
    }
}

/// The subject as stored: mail-parser's unfolded text, trimmed.
pub(super) fn subject_text(text: &str) -> String {
    text.trim().to_owned()
}

/// Subject of a Subject field's parsed value (`Message::subject` semantics).
pub(super) fn subject_of(value: &HeaderValue<'_>) -> String {
    value.as_text().map(subject_text).unwrap_or_default()
}

/// The From address of an address field's parsed value (the first one, groups flattened).
pub(super) fn first_address(a: &mail_parser::Address<'_>) -> Option<Address> {
    a.first().map(address)
}

/// Addresses of a To/Cc field's parsed value, groups flattened.
pub(super) fn address_list(a: &mail_parser::Address<'_>) -> Vec<Address> {
    a.iter().map(address).collect()
}

fn address(a: &mail_parser::Addr<'_>) -> Address {
    Address {
        name: a.name.as_deref().map(str::to_owned),
        email: a.address.as_deref().map(str::to_owned),
    }
}

/// Date header in ms since the epoch; dates before 1970 count as absent.
pub(super) fn timestamp_ms(d: &DateTime) -> Option<u64> {
    u64::try_from(d.to_timestamp())
        .ok()
        .map(|s| s.saturating_mul(1000))
}
