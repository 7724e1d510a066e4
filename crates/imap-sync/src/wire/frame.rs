//! Framing: where one response ends in a byte stream, counting `{n}` literals inside its lines.
//!
//! A response is lines joined by literals: a line that ends with `{n}` (before CRLF) is followed by `n` raw
//! bytes and then more of the same response. Status responses (`OK`/`NO`/`BAD`/`BYE`/`PREAUTH`, tagged
//! completions, `+` continuations) carry free text and never literals, so a trailing `{5}` there is just text.
//! Bare LF line ends are tolerated.

/// Literals larger than this are treated as a broken stream rather than buffered.
pub const MAX_LITERAL: u64 = 1 << 30;

/// Why a frame could not be cut.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FrameError {
    /// The buffer holds only part of a response.
    Incomplete,
    /// The first line announces a literal larger than [`MAX_LITERAL`].
    TooLarge(u64),
}

/// Length in bytes of the first complete response in `buf`, including its final line end.
pub(crate) fn frame_len(buf: &[u8]) -> Result<usize, FrameError> {
    let first_end = find_lf(buf, 0).ok_or(FrameError::Incomplete)?;
    let literals_allowed = !is_text_response(first_line(buf, first_end));
    let mut line_start = 0;
    let mut lf = first_end;
    loop {
        let line = first_line(buf.get(line_start..).unwrap_or_default(), lf - line_start);
        let next = lf + 1;
        match literal_len(line).filter(|_| literals_allowed) {
            None => return Ok(next),
            Some(n) if n > MAX_LITERAL => return Err(FrameError::TooLarge(n)),
            Some(n) => {
                // n <= MAX_LITERAL fits in usize on every supported target.
                let after = next
                    .checked_add(usize::try_from(n).map_err(|_| FrameError::TooLarge(n))?)
                    .ok_or(FrameError::TooLarge(n))?;
                if after > buf.len() {
                    return Err(FrameError::Incomplete);
                }
                line_start = after;
                lf = find_lf(buf, after).ok_or(FrameError::Incomplete)?;
            }
        }
    }
}

fn find_lf(buf: &[u8], from: usize) -> Option<usize> {
    buf.get(from..)?
        .iter()
        .position(|&b| b == b'\n')
        .map(|p| p + from)
}

/// The line without its LF and optional CR; `lf` is relative to `buf`.
fn first_line(buf: &[u8], lf: usize) -> &[u8] {
    let line = buf.get(..lf).unwrap_or(buf);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// `{123}` or `{123+}` at the end of a line.
fn literal_len(line: &[u8]) -> Option<u64> {
    let inner = line.strip_suffix(b"}")?;
    let open = inner.iter().rposition(|&b| b == b'{')?;
    let digits = inner.get(open + 1..)?;
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || digits.len() > 19 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(digits).ok()?.parse().ok()
}

fn is_text_response(line: &[u8]) -> bool {
    let mut words = line.split(|&b| b == b' ').filter(|w| !w.is_empty());
    let Some(first) = words.next() else {
        return false;
    };
    if first.first() == Some(&b'+') {
        return true;
    }
    let Some(second) = words.next() else {
        return false;
    };
    let kw = |k: &[u8]| second.eq_ignore_ascii_case(k);
    let status = kw(b"OK") || kw(b"NO") || kw(b"BAD");
    if first == b"*" {
        status || kw(b"BYE") || kw(b"PREAUTH")
    } else {
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames() {
        assert_eq!(frame_len(b"* 1 EXISTS\r\n* 2 EXISTS\r\n"), Ok(12));
        assert_eq!(frame_len(b"* 1 EXISTS\n"), Ok(11));
        assert_eq!(frame_len(b"* 1 EXISTS\r"), Err(FrameError::Incomplete));
        let lit = b"* 1 FETCH (BODY[] {3}\r\na\r\n UID 5)\r\nrest";
        assert_eq!(frame_len(lit), Ok(lit.len() - 4));
        assert_eq!(frame_len(&lit[..25]), Err(FrameError::Incomplete));
        assert_eq!(frame_len(b"a1 OK done {5}\r\n"), Ok(16));
        assert_eq!(frame_len(b"+ {5}\r\n"), Ok(7));
        assert_eq!(
            frame_len(b"* 1 FETCH (BODY[] {99999999999}\r\n"),
            Err(FrameError::TooLarge(99_999_999_999))
        );
    }
}
