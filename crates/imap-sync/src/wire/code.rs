//! `resp-text`: an optional `[CODE args]` followed by human text, as in OK/NO/BAD/BYE/PREAUTH responses.
//!
//! Unknown or malformed codes never fail the response: they become [`Code::Other`].

use super::cursor::Cursor;
use super::parse::words_to_eol;
use super::response::Code;
use super::uid_set::UidSet;

/// Parses the rest of a status line: `[code] text`. Always succeeds.
pub(crate) fn resp_text(c: &mut Cursor<'_>) -> (Option<Code>, String) {
    c.skip_sp();
    let mut code = None;
    if c.eat(b'[') {
        let start = c.i;
        while !c.at_eol() && c.peek() != Some(b']') {
            c.i += 1;
        }
        let inner = c.bytes().get(start..c.i).unwrap_or_default();
        c.eat(b']');
        code = Some(parse_code(inner));
    }
    (code, c.rest_text())
}

fn parse_code(inner: &[u8]) -> Code {
    let text = String::from_utf8_lossy(inner);
    let (name, args) = match text.split_once(' ') {
        Some((n, a)) => (n.to_ascii_uppercase(), Some(a.trim().to_string())),
        None => (text.trim().to_ascii_uppercase(), None),
    };
    known_code(&name, args.as_deref(), inner).unwrap_or(Code::Other(name, args))
}

fn known_code(name: &str, args: Option<&str>, inner: &[u8]) -> Option<Code> {
    let nums: Vec<&str> = args.unwrap_or("").split_ascii_whitespace().collect();
    let num = |i: usize| nums.get(i).and_then(|s| s.parse::<u32>().ok());
    Some(match name {
        "UIDVALIDITY" => Code::UidValidity(num(0)?),
        "UIDNEXT" => Code::UidNext(num(0)?),
        "UNSEEN" => Code::Unseen(num(0)?),
        "READ-ONLY" => Code::ReadOnly,
        "READ-WRITE" => Code::ReadWrite,
        "TRYCREATE" => Code::TryCreate,
        "ALERT" => Code::Alert,
        "HIGHESTMODSEQ" => Code::HighestModSeq(nums.first()?.parse().ok()?),
        "PERMANENTFLAGS" => {
            let mut c = Cursor::new(inner);
            c.atom().ok()?;
            c.skip_sp();
            Code::PermanentFlags(c.word_list().ok()?)
        }
        "CAPABILITY" => {
            let mut c = Cursor::new(inner);
            c.atom().ok()?;
            Code::Capability(words_to_eol(&mut c))
        }
        "COPYUID" => Code::CopyUid {
            validity: num(0)?,
            src: UidSet::parse(nums.get(1)?)?,
            dst: UidSet::parse(nums.get(2)?)?,
        },
        "APPENDUID" => Code::AppendUid {
            validity: num(0)?,
            uid: num(1)?,
        },
        _ => return None,
    })
}
