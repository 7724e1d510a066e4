//! Bytes → [`Response`]: framing, then dispatch on the response kind.
//!
//! What belongs here: the public entry points and the small untagged responses. Response codes live in
//! `code.rs`, FETCH items in `fetch.rs`, tokens in `cursor.rs`.

use super::code::resp_text;
use super::cursor::{Cursor, Lex, first_line_text};
use super::fetch::fetch_items;
use super::frame::{FrameError, frame_len};
use super::response::{ListEntry, MailboxStatus, Response, Status, Untagged};
use super::utf7::decode_mailbox;

/// Why no response could be taken from the buffer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// The buffer ends inside a response: read more bytes and call again.
    #[error("incomplete response")]
    Incomplete,
    /// The next response is malformed; drop [`skip_line`] bytes and continue.
    #[error("invalid response {line:?}: {reason}")]
    Invalid { line: String, reason: String },
}

/// Parses the first complete response in `buf`, returning it and the number of bytes it used.
pub fn parse_response(buf: &[u8]) -> Result<(Response, usize), ParseError> {
    let len = match frame_len(buf) {
        Ok(len) => len,
        Err(FrameError::Incomplete) => return Err(ParseError::Incomplete),
        Err(FrameError::TooLarge(n)) => {
            return Err(ParseError::Invalid {
                line: first_line_text(buf),
                reason: format!("literal of {n} bytes is too large"),
            });
        }
    };
    let frame = buf.get(..len).unwrap_or(buf);
    parse_frame(frame)
        .map(|r| (r, len))
        .map_err(|reason| ParseError::Invalid {
            line: first_line_text(frame),
            reason: reason.to_string(),
        })
}

/// Bytes to drop to get past the next response, well-formed or not (a whole frame including its literals, or
/// just the first line when the frame is unusable). `None` if not even one line is buffered yet.
pub fn skip_line(buf: &[u8]) -> Option<usize> {
    match frame_len(buf) {
        Ok(len) => Some(len),
        Err(FrameError::Incomplete) => None,
        Err(FrameError::TooLarge(_)) => buf.iter().position(|&b| b == b'\n').map(|p| p + 1),
    }
}

fn parse_frame(frame: &[u8]) -> Lex<Response> {
    let mut c = Cursor::new(frame);
    match c.peek() {
        Some(b'+') => {
            c.eat(b'+');
            Ok(Response::Continue(c.rest_text()))
        }
        Some(b'*') => {
            c.eat(b'*');
            c.sp()?;
            untagged(&mut c).map(Response::Untagged)
        }
        _ => tagged(&mut c),
    }
}

fn tagged(c: &mut Cursor<'_>) -> Lex<Response> {
    let tag = c.atom()?;
    c.sp()?;
    let status = match c.keyword()?.as_str() {
        "OK" => Status::Ok,
        "NO" => Status::No,
        "BAD" => Status::Bad,
        _ => return Err("unknown tagged status"),
    };
    let (code, text) = resp_text(c);
    Ok(Response::Tagged {
        tag,
        status,
        code,
        text,
    })
}

fn untagged(c: &mut Cursor<'_>) -> Lex<Untagged> {
    if c.peek().is_some_and(|b| b.is_ascii_digit()) {
        let n = c.number()?;
        c.sp()?;
        return match c.keyword()?.as_str() {
            "EXISTS" => Ok(Untagged::Exists(n)),
            "RECENT" => Ok(Untagged::Recent(n)),
            "EXPUNGE" => Ok(Untagged::Expunge(n)),
            "FETCH" => {
                c.sp()?;
                Ok(Untagged::Fetch {
                    seq: n,
                    items: fetch_items(c)?,
                })
            }
            other => Ok(Untagged::Other(other.to_string())),
        };
    }
    let kw = c.keyword()?;
    Ok(match kw.as_str() {
        "OK" | "NO" | "BAD" | "BYE" | "PREAUTH" => status_response(&kw, c),
        "CAPABILITY" => Untagged::Capability(words_to_eol(c)),
        "LIST" => Untagged::List(list_entry(c)?),
        "LSUB" => Untagged::Lsub(list_entry(c)?),
        "STATUS" => status(c)?,
        "FLAGS" => {
            c.skip_sp();
            Untagged::Flags(c.word_list()?)
        }
        "SEARCH" => Untagged::Search(search(c)?),
        _ => Untagged::Other(kw),
    })
}

fn status_response(kw: &str, c: &mut Cursor<'_>) -> Untagged {
    let (code, text) = resp_text(c);
    match kw {
        "OK" => Untagged::Ok { code, text },
        "NO" => Untagged::No { code, text },
        "BAD" => Untagged::Bad { code, text },
        "BYE" => Untagged::Bye { code, text },
        _ => Untagged::PreAuth { code, text },
    }
}

/// Space-separated atoms up to the line end (CAPABILITY).
pub(crate) fn words_to_eol(c: &mut Cursor<'_>) -> Vec<String> {
    c.rest_text()
        .split_ascii_whitespace()
        .map(str::to_string)
        .collect()
}

fn list_entry(c: &mut Cursor<'_>) -> Lex<ListEntry> {
    c.sp()?;
    let attrs = c.word_list()?;
    c.sp()?;
    let delimiter = match c.nstring()? {
        Some(d) => d.first().map(|&b| char::from(b)),
        None => None,
    };
    c.sp()?;
    let mailbox = mailbox_name(&c.astring()?);
    Ok(ListEntry {
        attrs,
        delimiter,
        mailbox,
    })
}

/// Decodes modified UTF-7 (keeping undecodable names as sent) and normalizes any-case `INBOX`.
fn mailbox_name(raw: &[u8]) -> String {
    let raw = String::from_utf8_lossy(raw);
    if raw.eq_ignore_ascii_case("INBOX") {
        return "INBOX".to_string();
    }
    decode_mailbox(&raw).unwrap_or_else(|| raw.into_owned())
}

fn status(c: &mut Cursor<'_>) -> Lex<Untagged> {
    c.sp()?;
    let mailbox = mailbox_name(&c.astring()?);
    c.skip_sp();
    c.expect(b'(', "expected status list")?;
    let mut items = MailboxStatus::default();
    loop {
        c.skip_sp();
        if c.eat(b')') || c.at_eol() {
            break;
        }
        let name = c.keyword()?;
        c.sp()?;
        let n = c.number64()?;
        let n32 = u32::try_from(n).ok();
        match name.as_str() {
            "MESSAGES" => items.messages = n32,
            "RECENT" => items.recent = n32,
            "UIDNEXT" => items.uid_next = n32,
            "UIDVALIDITY" => items.uid_validity = n32,
            "UNSEEN" => items.unseen = n32,
            "HIGHESTMODSEQ" => items.highest_mod_seq = Some(n),
            _ => {}
        }
    }
    Ok(Untagged::Status { mailbox, items })
}

/// `* SEARCH 1 2 3`, tolerating a trailing CONDSTORE `(MODSEQ n)`.
fn search(c: &mut Cursor<'_>) -> Lex<Vec<u32>> {
    let mut out = Vec::new();
    loop {
        c.skip_sp();
        match c.peek() {
            Some(b) if b.is_ascii_digit() => out.push(c.number()?),
            Some(b'(') => {
                c.value(0)?;
            }
            _ if c.at_eol() => return Ok(out),
            _ => return Err("bad SEARCH response"),
        }
    }
}
