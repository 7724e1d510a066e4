//! FETCH response items: `(UID 5 FLAGS (\Seen) BODY[HEADER] {n}…)` → [`FetchItem`]s, ENVELOPE included.
//!
//! Unknown items are skipped by value and reported as [`FetchItem::Other`], so new server extensions never
//! break a sync.

use super::cursor::{Cursor, Lex, Value};
use super::date::parse_date_time;
use super::response::{Address, Envelope, FetchItem};

/// Parses the parenthesized item list of a FETCH response.
pub(crate) fn fetch_items(c: &mut Cursor<'_>) -> Lex<Vec<FetchItem>> {
    c.expect(b'(', "expected FETCH list")?;
    let mut items = Vec::new();
    loop {
        c.skip_sp();
        if c.eat(b')') {
            return Ok(items);
        }
        if c.at_eol() {
            return Err("unterminated FETCH list");
        }
        items.push(item(c)?);
    }
}

fn item(c: &mut Cursor<'_>) -> Lex<FetchItem> {
    let name = String::from_utf8_lossy(c.token_until(b"[()")).to_ascii_uppercase();
    if name.is_empty() {
        return Err("expected FETCH item name");
    }
    if c.peek() == Some(b'[') {
        return section_item(c, &name);
    }
    c.sp()?;
    Ok(match name.as_str() {
        "UID" => FetchItem::Uid(c.number()?),
        "FLAGS" => FetchItem::Flags(c.word_list()?),
        "RFC822.SIZE" => FetchItem::Rfc822Size(c.number()?),
        "MODSEQ" => {
            c.expect(b'(', "expected MODSEQ list")?;
            c.skip_sp();
            let n = c.number64()?;
            c.skip_sp();
            c.expect(b')', "expected )")?;
            FetchItem::ModSeq(n)
        }
        "INTERNALDATE" => match c.nstring()? {
            Some(s) => match parse_date_time(&String::from_utf8_lossy(&s)) {
                Some(ms) => FetchItem::InternalDate(ms),
                None => FetchItem::Other(name),
            },
            None => FetchItem::Other(name),
        },
        "RFC822" | "RFC822.HEADER" | "RFC822.TEXT" => FetchItem::Body {
            section: match name.as_str() {
                "RFC822.HEADER" => "HEADER",
                "RFC822.TEXT" => "TEXT",
                _ => "",
            }
            .to_string(),
            origin: None,
            data: c.nstring()?,
        },
        "ENVELOPE" => match c.value(0)? {
            Value::List(v) => FetchItem::Envelope(Box::new(envelope(&v))),
            _ => FetchItem::Other(name),
        },
        "BODYSTRUCTURE" | "BODY" => {
            let start = c.i;
            c.value(0)?;
            FetchItem::BodyStructure(c.bytes().get(start..c.i).unwrap_or_default().to_vec())
        }
        _ => {
            c.value(0)?;
            FetchItem::Other(name)
        }
    })
}

/// `BODY[section]<origin> nstring` (and `BINARY[…]` etc., which are skipped as Other).
fn section_item(c: &mut Cursor<'_>, name: &str) -> Lex<FetchItem> {
    c.expect(b'[', "expected [")?;
    let start = c.i;
    while c.peek().is_some_and(|b| b != b']') && !c.at_eol() {
        c.i += 1;
    }
    let section = String::from_utf8_lossy(c.bytes().get(start..c.i).unwrap_or_default())
        .trim()
        .to_ascii_uppercase();
    c.expect(b']', "unterminated section")?;
    let origin = if c.eat(b'<') {
        let n = c.number()?;
        c.expect(b'>', "bad origin")?;
        Some(n)
    } else {
        None
    };
    c.sp()?;
    if name == "BODY" {
        Ok(FetchItem::Body {
            section,
            origin,
            data: c.nstring()?,
        })
    } else {
        c.value(0)?;
        Ok(FetchItem::Other(format!("{name}[{section}]")))
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Str(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::Atom(a) => Some(a.clone()),
        Value::Nil | Value::List(_) => None,
    }
}

fn addresses(v: Option<&Value>) -> Vec<Address> {
    let Some(Value::List(list)) = v else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|a| match a {
            Value::List(f) => Some(Address {
                name: text(f.first()),
                adl: text(f.get(1)),
                mailbox: text(f.get(2)),
                host: text(f.get(3)),
            }),
            _ => None,
        })
        .collect()
}

/// ENVELOPE fields by position; missing or odd fields become None/empty rather than errors.
fn envelope(v: &[Value]) -> Envelope {
    Envelope {
        date: text(v.first()),
        subject: text(v.get(1)),
        from: addresses(v.get(2)),
        sender: addresses(v.get(3)),
        reply_to: addresses(v.get(4)),
        to: addresses(v.get(5)),
        cc: addresses(v.get(6)),
        bcc: addresses(v.get(7)),
        in_reply_to: text(v.get(8)),
        message_id: text(v.get(9)),
    }
}
