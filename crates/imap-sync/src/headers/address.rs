//! Fast From/To/Cc parsing for the address lists real mail carries.
//!
//! What belongs here: a replica of mail-parser 0.11's address state machine (`parsers/fields/address.rs`)
//! for values without comments, escapes and groups, returning exactly what mail-parser returns, quirks
//! included. Quoted names and encoded words are handled (they fill most of a kernel list's To/Cc);
//! encoded words are decoded by mail-parser's own `decode_rfc2047`, so charsets and broken words behave
//! alike. What does not: comments, `\` escapes and groups (the caller falls back to mail-parser when
//! [`parse_list`] says `None`).

use mail_parser::parsers::MessageStream;

use crate::Address;

/// Bytes whose handling needs states this replica does not have: comments, escapes, groups.
fn is_declined(b: u8) -> bool {
    matches!(b, b'(' | b')' | b'\\' | b';' | b':')
}

/// Parses an address field value: the bytes after the colon up to and including the line feed that
/// ends the field (absent when the block ended first). `None` when the value needs mail-parser.
pub(super) fn parse_list(value: &[u8]) -> Option<Vec<Address>> {
    if value.iter().copied().any(is_declined) {
        return None;
    }
    // Valid UTF-8 overall means every token (cut at ASCII bytes) is too, so mail-parser's per-token
    // `from_utf8_lossy` is a plain copy.
    let text = std::str::from_utf8(value).ok()?;
    let mut p = Replica {
        is_token_start: true,
        last_is_encoded: true,
        ..Replica::default()
    };
    let mut i = 0;
    while let Some(&ch) = value.get(i) {
        i += 1;
        match (ch, p.state) {
            (b'\n', state) => {
                p.add_token(text);
                // A continuation goes on; outside quotes its first blank is consumed (mail-parser's
                // `try_next_is_space`), inside quotes it becomes part of the quoted token.
                if !matches!(value.get(i), Some(b' ' | b'\t')) {
                    break;
                }
                if state != State::Quote {
                    i += 1;
                    p.is_token_start = true;
                }
                continue;
            }
            (b',', State::Name) => {
                p.add_token(text);
                p.add_address();
                continue;
            }
            (b'<', State::Name) => {
                // A pending `x@y` token before `<` is a name, not an address (mail-parser's rule).
                p.is_token_email = false;
                p.add_token(text);
                p.state = State::Angle;
                continue;
            }
            (b'>', State::Angle) => {
                p.add_token(text);
                p.state = State::Name;
                continue;
            }
            (b'"', State::Name | State::Quote) => {
                // The pending token is added in the quote state, opening or closing: a token right
                // before an opening quote counts as quoted text (no space, never an address).
                let closing = p.state == State::Quote;
                p.state = State::Quote;
                p.add_token(text);
                p.state = if closing { State::Name } else { State::Quote };
                continue;
            }
            (b'@', State::Name) => p.is_token_email = true,
            (b'=', _) if p.is_token_start && value.get(i) == Some(&b'?') => {
                if let Some((word, len)) = decode_word(value.get(i..).unwrap_or_default()) {
                    i += len;
                    p.add_token(text);
                    p.add_encoded(word);
                    continue;
                }
            }
            (b' ' | b'\t', state) => {
                p.is_token_start = true;
                if state == State::Quote {
                    p.extend_token(i);
                }
                continue;
            }
            (b'\r', _) => continue,
            _ => {}
        }
        p.is_token_start = false;
        p.extend_token(i);
    }
    // At the end of the block (no line feed) mail-parser drops the pending token: mirrored by not
    // adding it here.
    p.add_address();
    Some(p.addresses)
}

/// An encoded word starting at the `?` after `=`: mail-parser's decoding and the bytes it consumed.
fn decode_word(from_question_mark: &[u8]) -> Option<(String, usize)> {
    let mut stream = MessageStream::new(from_question_mark);
    let word = stream.decode_rfc2047()?;
    Some((word, stream.offset()))
}

/// mail-parser's `AddressState` without `Comment` (declined).
#[derive(Clone, Copy, PartialEq, Eq, Default, Debug)]
enum State {
    #[default]
    Name,
    /// Inside `<…>` (mail-parser's `Address`).
    Angle,
    Quote,
}

/// The parser state of mail-parser's `AddressParser` that accepted values can reach.
#[derive(Default)]
struct Replica {
    state: State,
    /// Byte range of the token being read.
    token: Option<(usize, usize)>,
    /// The token holds an `@` outside angle brackets and quotes: it is an address, not a name.
    is_token_email: bool,
    /// After a blank or a token end: only there does `=?` start an encoded word.
    is_token_start: bool,
    /// The last name piece was an encoded word: the next one joins without a space (RFC 2047).
    last_is_encoded: bool,
    /// Name pieces as mail-parser concatenates them. `has_name` is kept apart because an encoded word
    /// may decode to nothing and still count as a name.
    name: String,
    has_name: bool,
    /// Address tokens, concatenated without separator.
    mail: String,
    addresses: Vec<Address>,
}

impl Replica {
    /// Grows the current token to end before byte `end` (the byte just read), starting it if needed.
    fn extend_token(&mut self, end: usize) {
        let start = self.token.map_or(end - 1, |(s, _)| s);
        self.token = Some((start, end));
    }

    fn add_token(&mut self, text: &str) {
        let Some((start, end)) = self.token.take() else {
            return;
        };
        let token = text.get(start..end).unwrap_or_default();
        match self.state {
            State::Angle => self.mail.push_str(token),
            State::Name if self.is_token_email => self.mail.push_str(token),
            State::Name => self.push_name(token, true),
            State::Quote => self.push_name(token, false),
        }
        self.is_token_email = false;
        self.is_token_start = true;
        self.last_is_encoded = false;
    }

    fn add_encoded(&mut self, word: String) {
        let space = !self.last_is_encoded && self.state != State::Quote;
        self.push_name(&word, space);
        self.last_is_encoded = true;
    }

    fn push_name(&mut self, piece: &str, space: bool) {
        if space && self.has_name {
            self.name.push(' ');
        }
        self.name.push_str(piece);
        self.has_name = true;
    }

    fn add_address(&mut self) {
        if !self.has_name && self.mail.is_empty() {
            return;
        }
        let name = self.has_name.then(|| std::mem::take(&mut self.name));
        self.has_name = false;
        let email = (!self.mail.is_empty()).then(|| std::mem::take(&mut self.mail));
        self.addresses.push(Address { name, email });
    }
}
