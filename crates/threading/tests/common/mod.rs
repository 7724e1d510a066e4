//! Shared by the fixture tests and the benchmark: threading headers from a raw message.
//!
//! Uses mail-parser (a dev-dependency only) to find the header fields, then hands the raw values,
//! decoded lossily so 8-bit junk cannot drop a header, to `ThreadHeaders::from_raw`.

use std::borrow::Cow;

use inboxd_threading::ThreadHeaders;
use mail_parser::{HeaderName, Message, MessageParser};

/// Threading headers of a raw RFC 5322 message (`None` if it has no header section at all).
pub fn thread_headers(raw: &[u8]) -> Option<ThreadHeaders> {
    let message = MessageParser::default().parse_headers(raw)?;
    Some(headers_of(&message))
}

/// Threading headers of an already parsed message.
pub fn headers_of(message: &Message<'_>) -> ThreadHeaders {
    let message_id = raw_header(message, HeaderName::MessageId);
    let in_reply_to = raw_header(message, HeaderName::InReplyTo);
    let references = raw_header(message, HeaderName::References);
    ThreadHeaders::from_raw(
        message_id.as_deref(),
        in_reply_to.as_deref(),
        references.as_deref(),
    )
}

/// The first header field called `name`, as raw (unfolded by nobody) text.
fn raw_header<'a>(message: &'a Message<'_>, name: HeaderName<'_>) -> Option<Cow<'a, str>> {
    let header = message
        .root_part()
        .headers()
        .iter()
        .find(|h| h.name == name)?;
    let start = usize::try_from(header.offset_start).ok()?;
    let end = usize::try_from(header.offset_end).ok()?;
    let bytes = message.raw_message().get(start..end)?;
    Some(String::from_utf8_lossy(bytes))
}
