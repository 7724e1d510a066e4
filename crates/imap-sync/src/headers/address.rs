//! Fast From/To/Cc parsing for the address lists real mail carries.
//!
//! What belongs here: a replica of mail-parser 0.11's address state machine (`parsers/fields/address.rs`)
//! for values without comments, escapes and groups, returning exactly what mail-parser returns, quirks
//! included. Quoted names and encoded words are handled (they fill most of a kernel list's To/Cc);
//! encoded words are decoded by mail-parser's own `decode_rfc2047`, so charsets and broken words behave
//! alike. What does not: comments, `\` escapes and groups (the caller falls back to mail-parser when
//! [`parse_list`] says `None`); the bytes that start them are text where mail-parser reads them so.

use mail_parser::parsers::MessageStream;

use crate::Address;

/// Byte classes, one bit per [`State`]: set when the byte needs the state machine in that state. Bytes
/// with no bit set (blanks included) are handled a run at a time ([`Replica::run`]): most of an address
/// list is names and addresses, between few delimiters.
const IN_NAME: u8 = 1;
const IN_ANGLE: u8 = 2;
const IN_QUOTE: u8 = 4;
/// Comments, escapes and groups need states this replica does not have: the value is declined.
const DECLINED: u8 = 8;
const ALL: u8 = IN_NAME | IN_ANGLE | IN_QUOTE;

static CLASS: [u8; 256] = {
    let mut c = [0u8; 256];
    c[b'\n' as usize] = ALL;
    c[b'\r' as usize] = ALL;
    c[b'=' as usize] = ALL;
    c[b',' as usize] = IN_NAME;
    c[b'<' as usize] = IN_NAME;
    c[b'@' as usize] = IN_NAME;
    c[b'"' as usize] = IN_NAME | IN_QUOTE;
    c[b'>' as usize] = IN_ANGLE;
    // Declined only where mail-parser gives them a meaning, ordinary text elsewhere (as in quoted
    // names such as "Ann (ACME)" or "Smith; Ann", the commonest reason to decline before): `(` opens
    // a comment outside quotes, `:` and `;` start and end a group in the name state, `\` escapes
    // inside angle brackets and quotes. `)` only closes a comment, a state never entered here.
    c[b'(' as usize] = IN_NAME | IN_ANGLE | DECLINED;
    c[b':' as usize] = IN_NAME | DECLINED;
    c[b';' as usize] = IN_NAME | DECLINED;
    c[b'\\' as usize] = IN_ANGLE | IN_QUOTE | DECLINED;
    c
};

fn class(b: u8) -> u8 {
    // A 256-entry table indexed by a byte: always in bounds.
    CLASS[usize::from(b)]
}

/// Bytes per step of [`first_special`].
const STEP: usize = 16;

/// The offset of the first byte of `bytes` that needs the state machine in the state `mask` stands
/// for, or the length. A fixed-size step whose inner loop the compiler unrolls: each byte costs its
/// load, class lookup and test, without the counter and end test an iterator's `position` pays on
/// every byte (a third of the instructions of this, the hottest loop of a whole-block parse).
fn first_special(bytes: &[u8], mask: u8) -> usize {
    let (steps, tail) = bytes.as_chunks::<STEP>();
    for (k, step) in steps.iter().enumerate() {
        for (j, &b) in step.iter().enumerate() {
            if class(b) & mask != 0 {
                return STEP * k + j;
            }
        }
    }
    let at = STEP * steps.len();
    at + tail
        .iter()
        .position(|&b| class(b) & mask != 0)
        .unwrap_or(tail.len())
}

/// Parses an address field value: the bytes after the colon up to and including the line feed that
/// ends the field (absent when the block ended first). `None` when the value needs mail-parser.
pub(super) fn parse_list(value: &[u8]) -> Option<Vec<Address>> {
    // Valid UTF-8 overall means every token (cut at ASCII bytes) is too, so mail-parser's per-token
    // `from_utf8_lossy` is a plain copy.
    let text = std::str::from_utf8(value).ok()?;
    let mut p = Replica {
        is_token_start: true,
        last_is_encoded: true,
        // One `@` per address, as a rule: the list rarely regrows.
        addresses: Vec::with_capacity(memchr::memchr_iter(b'@', value).count()),
        ..Replica::default()
    };
    let mut i = 0;
    loop {
        let run = i;
        let mask = p.state.mask();
        let rest = value.get(i..).unwrap_or_default();
        i += first_special(rest, mask);
        if let Some(bytes) = value.get(run..i).filter(|b| !b.is_empty()) {
            p.run(run, bytes);
        }
        let Some(&(mut ch)) = value.get(i) else {
            break;
        };
        i += 1;
        // mail-parser ignores CR in every state: CRLF is handled as its LF in one step.
        if ch == b'\r' && value.get(i) == Some(&b'\n') {
            ch = b'\n';
            i += 1;
        }
        if class(ch) & DECLINED != 0 {
            return None;
        }
        match p.special(ch, value, text, &mut i) {
            Step::Next => {}
            Step::End => break,
            Step::TokenByte => {
                p.is_token_start = false;
                p.extend_token(i - 1, i);
            }
        }
    }
    // At the end of the block (no line feed) mail-parser drops the pending token: mirrored by not
    // adding it here.
    p.add_address();
    Some(p.addresses)
}

/// What to do after a special byte.
enum Step {
    Next,
    /// The field ended (a line feed not followed by a blank).
    End,
    /// The byte is token text after all (e.g. `@`, or `=` that starts no encoded word).
    TokenByte,
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

impl State {
    /// This state's bit in [`CLASS`].
    fn mask(self) -> u8 {
        match self {
            State::Name => IN_NAME,
            State::Angle => IN_ANGLE,
            State::Quote => IN_QUOTE,
        }
    }
}

/// The parser state of mail-parser's `AddressParser` that accepted values can reach.
#[derive(Default)]
struct Replica<'a> {
    state: State,
    /// Byte range of the token being read.
    token: Option<(usize, usize)>,
    /// The token holds an `@` outside angle brackets and quotes: it is an address, not a name.
    is_token_email: bool,
    /// After a blank or a token end: only there does `=?` start an encoded word.
    is_token_start: bool,
    /// The last name piece was an encoded word: the next one joins without a space (RFC 2047).
    last_is_encoded: bool,
    /// Name pieces, joined by a space except around quoted text and adjacent encoded words.
    name: Pieces<'a>,
    /// Address tokens, concatenated without separator.
    mail: Pieces<'a>,
    addresses: Vec<Address>,
}

impl<'a> Replica<'a> {
    /// mail-parser's handling of byte `ch` (just read; `i` is past it) when [`CLASS`] marks it special
    /// in the current state.
    fn special(&mut self, ch: u8, value: &[u8], text: &'a str, i: &mut usize) -> Step {
        match (ch, self.state) {
            (b'\n', state) => {
                self.add_token(text);
                // A continuation goes on; outside quotes its first blank is consumed (mail-parser's
                // `try_next_is_space`), inside quotes it becomes part of the quoted token.
                if !matches!(value.get(*i), Some(b' ' | b'\t')) {
                    return Step::End;
                }
                if state != State::Quote {
                    *i += 1;
                    self.is_token_start = true;
                }
            }
            (b',', State::Name) => {
                self.add_token(text);
                self.add_address();
            }
            (b'<', State::Name) => {
                // A pending `x@y` token before `<` is a name, not an address (mail-parser's rule).
                self.is_token_email = false;
                self.add_token(text);
                self.state = State::Angle;
            }
            (b'>', State::Angle) => {
                self.add_token(text);
                self.state = State::Name;
            }
            (b'"', State::Name | State::Quote) => {
                // The pending token is added in the quote state, opening or closing: a token right
                // before an opening quote counts as quoted text (no space, never an address).
                let closing = self.state == State::Quote;
                self.state = State::Quote;
                self.add_token(text);
                self.state = if closing { State::Name } else { State::Quote };
            }
            (b'@', State::Name) => {
                self.is_token_email = true;
                return Step::TokenByte;
            }
            (b'=', _) if self.is_token_start && value.get(*i) == Some(&b'?') => {
                let Some((word, len)) = decode_word(value.get(*i..).unwrap_or_default()) else {
                    return Step::TokenByte;
                };
                *i += len;
                self.add_token(text);
                self.add_encoded(&word);
            }
            (b'\r', _) => {}
            _ => return Step::TokenByte,
        }
        Step::Next
    }

    /// A run of ordinary bytes and blanks at `from`: what mail-parser does byte by byte. Blanks set
    /// `is_token_start` and other bytes clear it; outside quotes blanks do not extend the token (it runs
    /// from its first to its last non-blank byte), inside quotes they do.
    fn run(&mut self, from: usize, bytes: &[u8]) {
        let blank = |b: &u8| matches!(b, b' ' | b'\t');
        if self.state == State::Quote {
            self.extend_token(from, from + bytes.len());
        } else if let Some(first) = bytes.iter().position(|b| !blank(b)) {
            let last = bytes.iter().rposition(|b| !blank(b)).unwrap_or(first);
            self.extend_token(from + first, from + last + 1);
        }
        self.is_token_start = bytes.last().is_some_and(blank);
    }

    /// Grows the current token over the bytes `from..end`, starting it at `from` if needed.
    fn extend_token(&mut self, from: usize, end: usize) {
        let start = self.token.map_or(from, |(s, _)| s);
        self.token = Some((start, end));
    }

    fn add_token(&mut self, text: &'a str) {
        let Some((start, end)) = self.token.take() else {
            return;
        };
        let token = text.get(start..end).unwrap_or_default();
        match self.state {
            State::Angle => self.mail.push(token, false),
            State::Name if self.is_token_email => self.mail.push(token, false),
            State::Name => self.name.push(token, true),
            State::Quote => self.name.push(token, false),
        }
        self.is_token_email = false;
        self.is_token_start = true;
        self.last_is_encoded = false;
    }

    fn add_encoded(&mut self, word: &str) {
        let space = !self.last_is_encoded && self.state != State::Quote;
        self.name.push_owned(word, space);
        self.last_is_encoded = true;
    }

    fn add_address(&mut self) {
        let name = self.name.take();
        let email = self.mail.take();
        if name.is_some() || email.is_some() {
            self.addresses.push(Address { name, email });
        }
    }
}

/// Text made of pieces (mail-parser's token lists), borrowing the usual single piece rather than
/// copying it into a buffer first: one exact-size allocation per finished string.
#[derive(Default)]
struct Pieces<'a> {
    /// The only piece so far, when it is borrowed.
    single: Option<&'a str>,
    /// The pieces so far otherwise, concatenated (reused between addresses).
    joined: String,
    /// Whether any piece was added: an encoded word may decode to "" and still count.
    any: bool,
}

impl<'a> Pieces<'a> {
    /// Adds a piece, after a space when `space` and there are pieces already.
    fn push(&mut self, piece: &'a str, space: bool) {
        if !self.any {
            self.single = Some(piece);
            self.any = true;
            return;
        }
        self.push_owned(piece, space);
    }

    fn push_owned(&mut self, piece: &str, space: bool) {
        if let Some(first) = self.single.take() {
            self.joined.push_str(first);
        }
        if space && self.any {
            self.joined.push(' ');
        }
        self.joined.push_str(piece);
        self.any = true;
    }

    /// The text, if any piece was added, and a fresh start.
    fn take(&mut self) -> Option<String> {
        if !std::mem::take(&mut self.any) {
            return None;
        }
        Some(match self.single.take() {
            Some(s) => s.to_owned(),
            None => {
                let s = self.joined.clone();
                self.joined.clear();
                s
            }
        })
    }
}
