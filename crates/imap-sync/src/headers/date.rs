//! Fast Date parsing for the usual RFC 5322 form.
//!
//! What belongs here: recognizing `[Dow,] D Mon YYYY HH:MM:SS ±HHMM [(comment)]` strictly and building the
//! `mail_parser::DateTime` that mail-parser 0.11's lenient date scanner (`parsers/fields/date.rs`) builds
//! for it, so both give the same timestamp. What does not: any other form (letter zones, two-digit years,
//! missing seconds, folding…): [`parse`] says `None` and the caller asks mail-parser, whose scanner has
//! quirks not worth copying (a letter zone such as `Z` even swallows the line feed after it).

use mail_parser::DateTime;

const DAYS: [&[u8]; 7] = [b"Mon", b"Tue", b"Wed", b"Thu", b"Fri", b"Sat", b"Sun"];
const MONTHS: [&[u8]; 12] = [
    b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov", b"Dec",
];

/// Parses a Date field value: the bytes after the colon up to and including the line feed that ends the
/// field (or up to the end of the block). `None` when the value is not in the strict form.
pub(super) fn parse(value: &[u8]) -> Option<DateTime> {
    // Only the final line feed may occur: a folded date goes to mail-parser.
    let value = value.strip_suffix(b"\n").unwrap_or(value);
    let value = value.strip_suffix(b"\r").unwrap_or(value);
    let mut s = Scanner { rest: value };
    s.blanks();
    if let Some(rest) = s
        .rest
        .get(3..)
        .filter(|_| DAYS.iter().any(|d| s.rest.starts_with(d)))
    {
        s.rest = rest.strip_prefix(b",")?;
        s.blanks1()?;
    }
    let day = s.digits(1, 2)?;
    s.blanks1()?;
    let month = s.month()?;
    s.blanks1()?;
    let year = s.digits(4, 4)?;
    s.blanks1()?;
    let hour = s.digits(2, 2)?;
    s.byte(b':')?;
    let minute = s.digits(2, 2)?;
    s.byte(b':')?;
    let second = s.digits(2, 2)?;
    s.blanks1()?;
    let before_gmt = match s.rest.first()? {
        b'+' => false,
        b'-' => true,
        _ => return None,
    };
    s.rest = s.rest.get(1..)?;
    let zone = s.digits(4, 4)?;
    s.comment()?;
    if !s.rest.is_empty() {
        return None;
    }
    Some(DateTime {
        // mail-parser's two-digit-year rule also applies to four digits with leading zeros.
        year: match year {
            0..=49 => year + 2000,
            50..=99 => year + 1900,
            _ => year,
        } as u16,
        month,
        // At most two digits each (and `zone` four), so these casts cannot truncate.
        day: day as u8,
        hour: hour as u8,
        minute: minute as u8,
        second: second as u8,
        // mail-parser keeps out-of-range zones modulo 24 h / 60 min rather than refusing them.
        tz_hour: ((zone / 100) % 24) as u8,
        tz_minute: ((zone % 100) % 60) as u8,
        tz_before_gmt: before_gmt,
    })
}

/// A cursor over the date value; every step either consumes what it expects or fails.
struct Scanner<'a> {
    rest: &'a [u8],
}

impl Scanner<'_> {
    fn blanks(&mut self) -> usize {
        let n = self
            .rest
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t'))
            .count();
        self.rest = self.rest.get(n..).unwrap_or_default();
        n
    }

    /// At least one blank.
    fn blanks1(&mut self) -> Option<()> {
        (self.blanks() > 0).then_some(())
    }

    fn byte(&mut self, b: u8) -> Option<()> {
        self.rest = self.rest.strip_prefix(&[b])?;
        Some(())
    }

    /// A number of `min..=max` digits, not followed by another digit.
    fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let n = self.rest.iter().take_while(|b| b.is_ascii_digit()).count();
        if !(min..=max).contains(&n) {
            return None;
        }
        let (digits, rest) = self.rest.split_at_checked(n)?;
        self.rest = rest;
        Some(
            digits
                .iter()
                .fold(0, |acc, d| acc * 10 + u32::from(d - b'0')),
        )
    }

    /// The month, by its English abbreviation as written by mail software (exact case).
    fn month(&mut self) -> Option<u8> {
        let (name, rest) = self.rest.split_at_checked(3)?;
        let index = MONTHS.iter().position(|m| *m == name)?;
        // Letters right after the name would make mail-parser's month hash see a longer word.
        if rest.first().is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        self.rest = rest;
        u8::try_from(index + 1).ok()
    }

    /// Optional trailing `(comment)` (e.g. `(CEST)`, `(GMT+02:00)`) and blanks. mail-parser skips
    /// comments; nested parentheses, escapes and folded comments are left to it.
    fn comment(&mut self) -> Option<()> {
        if self.blanks() == 0 {
            return self.rest.is_empty().then_some(());
        }
        let Some(inner) = self.rest.strip_prefix(b"(") else {
            return self.rest.is_empty().then_some(());
        };
        let close = memchr::memchr(b')', inner)?;
        let body = inner.get(..close)?;
        if body
            .iter()
            .any(|b| matches!(b, b'(' | b'\\' | b'\r' | b'\n'))
        {
            return None;
        }
        self.rest = inner.get(close + 1..)?;
        self.blanks();
        Some(())
    }
}
