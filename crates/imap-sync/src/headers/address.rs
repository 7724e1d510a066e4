//! Fast From/To/Cc parsing for syntactically simple address lists.
//!
//! What belongs here: a replica of mail-parser 0.11's address state machine (`parsers/fields/address.rs`)
//! restricted to values without quotes, comments, escapes, groups and encoded words, so that for those
//! values it returns exactly what mail-parser returns, quirks included. What does not: anything that
//! needs the full grammar (the caller falls back to mail-parser when [`parse_list`] says `None`).

use crate::Address;

/// Bytes whose handling in mail-parser needs states this replica does not have (quoted strings,
/// comments, escapes, groups); `=?` (encoded words) is checked separately.
fn is_declined(b: u8) -> bool {
    matches!(b, b'"' | b'(' | b')' | b'\\' | b';' | b':')
}

/// Parses an address field value: the bytes after the colon up to and including the line feed that
/// ends the field (absent when the block ended first). `None` when the value needs mail-parser.
pub(super) fn parse_list(value: &[u8]) -> Option<Vec<Address>> {
    if value.iter().copied().any(is_declined) || memchr::memmem::find(value, b"=?").is_some() {
        return None;
    }
    // Valid UTF-8 overall means every token (cut at ASCII bytes) is too, so mail-parser's per-token
    // `from_utf8_lossy` is a plain copy.
    let text = std::str::from_utf8(value).ok()?;
    let mut p = Replica::default();
    let mut i = 0;
    while let Some(&ch) = value.get(i) {
        i += 1;
        match ch {
            b'\n' => {
                p.add_token(text);
                // A continuation line goes on; its first blank is consumed like mail-parser does.
                if matches!(value.get(i), Some(b' ' | b'\t')) {
                    i += 1;
                    continue;
                }
                break;
            }
            b',' if !p.in_angle => {
                p.add_token(text);
                p.add_address();
                continue;
            }
            b'<' if !p.in_angle => {
                // A pending `x@y` token before `<` is a name, not an address (mail-parser's rule).
                p.is_token_email = false;
                p.add_token(text);
                p.in_angle = true;
                continue;
            }
            b'>' if p.in_angle => {
                p.add_token(text);
                p.in_angle = false;
                continue;
            }
            b'@' if !p.in_angle => p.is_token_email = true,
            b' ' | b'\t' | b'\r' => continue,
            _ => {}
        }
        // Tokens run from their first to their last non-blank byte: inner blanks are kept.
        let start = p.token.map_or(i - 1, |(s, _)| s);
        p.token = Some((start, i));
    }
    // At the end of the block (no line feed) mail-parser drops the pending token: mirrored by not
    // adding it here.
    p.add_address();
    Some(p.addresses)
}

/// The parser state of mail-parser's `AddressParser` that simple values can reach.
#[derive(Default)]
struct Replica {
    /// Byte range of the token being read.
    token: Option<(usize, usize)>,
    /// The token holds an `@` outside angle brackets: it is an address, not a name.
    is_token_email: bool,
    in_angle: bool,
    /// Name tokens joined by single spaces (mail-parser pushes a " " token between them).
    name: String,
    /// Address tokens, concatenated without separator.
    mail: String,
    addresses: Vec<Address>,
}

impl Replica {
    fn add_token(&mut self, text: &str) {
        let Some((start, end)) = self.token.take() else {
            return;
        };
        let token = text.get(start..end).unwrap_or_default();
        if self.in_angle || self.is_token_email {
            self.mail.push_str(token);
        } else {
            if !self.name.is_empty() {
                self.name.push(' ');
            }
            self.name.push_str(token);
        }
        self.is_token_email = false;
    }

    fn add_address(&mut self) {
        if self.name.is_empty() && self.mail.is_empty() {
            return;
        }
        let some = |s: &mut String| (!s.is_empty()).then(|| std::mem::take(s));
        self.addresses.push(Address {
            name: some(&mut self.name),
            email: some(&mut self.mail),
        });
    }
}
