//! Message-ID normalization and References / In-Reply-To list parsing.
//!
//! What belongs here: turning raw header values (already unfolded or not, possibly junk) into the
//! canonical id strings used as headerIdMap keys. What does not: deciding which ids a message is
//! looked up by (see `headers`), or any MIME decoding (the caller hands us header text).
//!
//! The exact rule is documented on [`normalize_message_id`] (this module is private).

use std::collections::HashSet;

#[cfg(test)]
#[path = "message_id_tests.rs"]
mod tests;

/// Longest id accepted, in bytes: RFC 5322's line limit; longer "ids" are junk and would bloat keys.
pub const MAX_ID_BYTES: usize = 998;

/// Most ids [`parse_message_id_list`] returns.
///
/// Why a cap: every id becomes a headerIdMap key written for the message, so an unbounded
/// References header (hostile, or a decades-old list thread) would make one message cost
/// thousands of writes. Why these ids: the last ones are the nearest ancestors (what replies most
/// often share), and the first is the thread root; like the Usenet trimming rule (son-of-RFC 1036),
/// we keep the first id plus the last `MAX_REFERENCES - 1`.
pub const MAX_REFERENCES: usize = 100;

/// Normalizes a Message-ID header value to its canonical key: the first valid id it contains.
/// Returns `None` when the value holds no valid id. Never panics; linear in the input.
///
/// The value is scanned left to right for candidates:
/// - `(comments)` (nested, with `\` escapes) and `"quoted phrases"` outside angle brackets are
///   skipped;
/// - `<...>` yields its content (up to the next `>`; if `>` is missing, up to the next `<` or the
///   end of the token);
/// - any other token (split at whitespace, `,`, `;`, `<`, `(`, `"`) is a bare candidate.
///
/// A candidate becomes an id when, after removing all whitespace (folding artefacts), comments and
/// stray `<`/`>` at its ends, it is at most [`MAX_ID_BYTES`] long, has no control characters or
/// inner angle brackets, and contains an `@` with something on both sides. The `@` is required
/// (RFC 5322: `id-left "@" id-right`) because ids like `<unknown>` or `<0>` that broken generators
/// emit are not unique and would glue unrelated conversations together; it also keeps the words
/// of legacy In-Reply-To prose ("your message of ...") out.
///
/// Case: the part after the last `@` (`id-right`, a domain) is ASCII lower-cased, the part before
/// it is kept exactly. RFC 5322 gives `id-left` no case-insensitivity and generators put
/// case-significant random data there, so folding it could merge distinct ids; domains are
/// case-insensitive and gateways do re-case them. The result never contains `<`, `>` or
/// whitespace. Examples: `<AbC@Mail.EXAMPLE>` → `AbC@mail.example`; `(c) < foo @ bar > ` →
/// `foo@bar`; `<a@x> <b@x>` → `a@x`; `<unknown>`, `<>`, `""` → `None`.
pub fn normalize_message_id(raw: &str) -> Option<String> {
    Candidates::new(raw).find_map(Candidate::id)
}

/// Parses a References or In-Reply-To value into normalized ids, in header order, without
/// duplicates (first occurrence kept), capped to [`MAX_REFERENCES`] (the first id and the last
/// ones). Junk between ids, commas, missing brackets and comments are tolerated.
pub fn parse_message_id_list(raw: &str) -> Vec<String> {
    // Every id holds an `@` of its own (candidates do not overlap): an upper bound on the count,
    // bounded so that a value full of `@` does not reserve a huge list.
    let ats = raw.bytes().filter(|&b| b == b'@').count();
    let mut ids: Vec<String> = Vec::with_capacity(ats.min(MAX_REFERENCES));
    ids.extend(Candidates::new(raw).filter_map(Candidate::id));
    dedup_keep_first(&mut ids);
    cap_references(&mut ids);
    ids
}

/// Lists up to this long are deduplicated by comparing each id with the kept ones (no hashing,
/// no copies); longer ones through a set.
const LINEAR_DEDUP_MAX: usize = 32;

/// Removes repeated ids, keeping each first occurrence in place and the order.
fn dedup_keep_first(ids: &mut Vec<String>) {
    if ids.len() <= LINEAR_DEDUP_MAX {
        let mut kept = 0;
        for i in 0..ids.len() {
            let (head, tail) = ids.split_at(i);
            let Some(id) = tail.first() else { break };
            if !head.get(..kept).unwrap_or_default().contains(id) {
                ids.swap(kept, i);
                kept += 1;
            }
        }
        ids.truncate(kept);
        return;
    }
    let keep: Vec<bool> = {
        let mut seen = HashSet::with_capacity(ids.len());
        ids.iter().map(|id| seen.insert(id.as_str())).collect()
    };
    let mut keep = keep.into_iter();
    ids.retain(|_| keep.next().unwrap_or(false));
}

/// Keeps the first id and the last `MAX_REFERENCES - 1` ids.
fn cap_references(ids: &mut Vec<String>) {
    if ids.len() > MAX_REFERENCES {
        let cut_end = ids.len() - (MAX_REFERENCES - 1);
        ids.drain(1..cut_end);
    }
}

/// Byte classes of id text ([`ID_BYTE`]): visible ASCII but `(`, `<`, `>` (nothing to strip or
/// check), the brackets, anything else (whitespace, comments, controls, 8-bit: the general path).
const PLAIN: u8 = 0;
const BRACKET: u8 = 1;
const OTHER: u8 = 2;

static ID_BYTE: [u8; 256] = {
    let mut c = [OTHER; 256];
    let mut b = b'!';
    while b <= b'~' {
        c[b as usize] = match b {
            b'<' | b'>' => BRACKET,
            b'(' => OTHER,
            _ => PLAIN,
        };
        b += 1;
    }
    c
};

fn id_byte(b: u8) -> u8 {
    // A 256-entry table indexed by a byte: always in bounds.
    ID_BYTE[usize::from(b)]
}

/// Bytes tested at once by [`first_not_plain`].
const CHUNK: usize = 16;

/// The offset of the first byte of `bytes` that is not [`PLAIN`]. Ids are ~40 bytes: whole chunks
/// are cleared by a test the compiler turns into vector compares, and only the chunk holding the
/// stop is searched byte by byte.
fn first_not_plain(bytes: &[u8]) -> Option<usize> {
    let (chunks, _) = bytes.as_chunks::<CHUNK>();
    let mut at = 0;
    for chunk in chunks {
        if !all_plain(chunk) {
            // A fixed-size array: the search is unrolled, without a counter and end test per byte.
            for (i, &b) in chunk.iter().enumerate() {
                if id_byte(b) != PLAIN {
                    return Some(at + i);
                }
            }
        }
        at += CHUNK;
    }
    let rest = bytes.get(at..)?;
    rest.iter()
        .position(|&b| id_byte(b) != PLAIN)
        .map(|i| at + i)
}

/// Whether every byte of `chunk` is [`PLAIN`] (visible ASCII but `(`, `<`, `>`), as a branch-free
/// fold. Not inlined: merged into the caller's search, it loses its vector form.
#[inline(never)]
fn all_plain(chunk: &[u8; CHUNK]) -> bool {
    chunk.iter().fold(true, |ok, &b| {
        ok & (b'!'..=b'~').contains(&b) & (b != b'(') & (b != b'<') & (b != b'>')
    })
}

/// A raw candidate, and whether it is known to hold only [`PLAIN`] bytes (the usual `<id>`).
#[derive(Clone, Copy)]
struct Candidate<'a> {
    text: &'a str,
    plain: bool,
}

impl Candidate<'_> {
    /// The normalized id, or `None` when the candidate is rejected.
    fn id(self) -> Option<String> {
        if self.plain {
            plain_id(self.text)
        } else {
            clean_candidate(self.text)
        }
    }
}

/// Turns a raw candidate into a normalized id, or rejects it.
fn clean_candidate(raw: &str) -> Option<String> {
    // Visible ASCII without comments: nothing to strip, nothing to decode, so it is checked in
    // place and copied once, only when it is an id.
    if raw.bytes().all(|b| id_byte(b) != OTHER) {
        let id = raw.trim_start_matches('<').trim_end_matches('>');
        if id.bytes().any(|b| id_byte(b) == BRACKET) {
            return None;
        }
        return plain_id(id);
    }
    clean_general(raw)
}

/// [`clean_candidate`] for any text: comments and whitespace stripped (a copy), then checked. It
/// is also the reference the fast paths are tested against.
fn clean_general(raw: &str) -> Option<String> {
    let mut id = strip_cfws(raw);
    let trimmed = id.trim_start_matches('<').trim_end_matches('>');
    if trimmed.len() != id.len() {
        id = trimmed.to_owned();
    }
    if id.len() > MAX_ID_BYTES || id.chars().any(|c| c.is_control() || c == '<' || c == '>') {
        return None;
    }
    let at = id.rfind('@')?;
    if at == 0 || at + 1 == id.len() {
        return None;
    }
    id.get_mut(at + 1..)?.make_ascii_lowercase();
    Some(id)
}

/// [`clean_candidate`] for an id of [`PLAIN`] bytes only (brackets already removed): no
/// whitespace, comments or control characters to remove, so the id is a copy of it with its
/// domain lower-cased.
fn plain_id(id: &str) -> Option<String> {
    if id.len() > MAX_ID_BYTES {
        return None;
    }
    let at = id.bytes().rposition(|b| b == b'@')?;
    if at == 0 || at + 1 == id.len() {
        return None;
    }
    let mut out = id.to_owned();
    out.get_mut(at + 1..)?.make_ascii_lowercase();
    Some(out)
}

/// Removes whitespace and `(comments)` (nested) inside a candidate: `< (c) foo @ bar >` is
/// `foo@bar`, as RFC 5322's obsolete syntax allows. Quotes and backslashes get no special
/// meaning here, so the output (no whitespace, no `(`) is a fixed point: normalizing a stored id
/// again gives the same key.
fn strip_cfws(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut depth = 0usize;
    for c in raw.chars() {
        match c {
            '(' => depth += 1,
            ')' if depth > 0 => depth -= 1,
            _ if depth > 0 || c.is_whitespace() => {}
            _ => out.push(c),
        }
    }
    out
}

/// Iterator over raw id candidates in a header value (grammar on `normalize_message_id`).
struct Candidates<'a> {
    rest: &'a str,
}

impl<'a> Candidates<'a> {
    fn new(raw: &'a str) -> Self {
        Self { rest: raw }
    }

    /// Advances past the first `n` bytes (always an ASCII-delimited position).
    fn advance(&mut self, n: usize) {
        self.rest = self.rest.get(n..).unwrap_or("");
    }
}

impl<'a> Iterator for Candidates<'a> {
    type Item = Candidate<'a>;

    fn next(&mut self) -> Option<Candidate<'a>> {
        loop {
            let first = *self.rest.as_bytes().first()?;
            match first {
                b'(' => {
                    let len = comment_len(self.rest.as_bytes());
                    self.advance(len);
                }
                b'"' => {
                    let len = quoted_len(self.rest.as_bytes());
                    self.advance(len);
                }
                b'<' => return Some(self.take_bracketed()),
                b if is_separator(b) => self.advance(1),
                _ => {
                    return Some(Candidate {
                        text: self.take_bare(),
                        plain: false,
                    });
                }
            }
        }
    }
}

impl<'a> Candidates<'a> {
    /// Takes `<...>`; an unterminated bracket ends before the next `<`, or at the next whitespace.
    fn take_bracketed(&mut self) -> Candidate<'a> {
        let body = self.rest.get(1..).unwrap_or("");
        // The usual `<id>`: one pass finds the `>` and vouches for the bytes before it.
        let stop = first_not_plain(body.as_bytes());
        if let Some(end) = stop.filter(|&end| body.as_bytes().get(end) == Some(&b'>')) {
            self.advance(end + 2);
            return Candidate {
                text: body.get(..end).unwrap_or(""),
                plain: true,
            };
        }
        let (content, consumed) = match body.bytes().position(|b| b == b'<' || b == b'>') {
            Some(end) if body.as_bytes().get(end) == Some(&b'>') => {
                (body.get(..end).unwrap_or(""), end + 2)
            }
            Some(next_open) => (body.get(..next_open).unwrap_or(""), next_open + 1),
            None => {
                let end = body.find(char::is_whitespace).unwrap_or(body.len());
                (body.get(..end).unwrap_or(""), end + 1)
            }
        };
        self.advance(consumed);
        Candidate {
            text: content,
            plain: false,
        }
    }

    /// Takes a bare token up to the next delimiter.
    fn take_bare(&mut self) -> &'a str {
        let end = self
            .rest
            .bytes()
            .position(|b| is_separator(b) || matches!(b, b'<' | b'(' | b'"'))
            .unwrap_or(self.rest.len());
        let token = self.rest.get(..end).unwrap_or("");
        self.advance(end);
        token
    }
}

fn is_separator(b: u8) -> bool {
    b.is_ascii_whitespace() || b == b',' || b == b';'
}

/// Length of a `(comment)` at the start of `s`, nesting and `\` escapes included; unterminated
/// comments run to the end.
fn comment_len(s: &[u8]) -> usize {
    let mut depth = 0usize;
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 1,
            b'(' => depth += 1,
            b')' => {
                depth -= 1;
                if depth == 0 {
                    return i + 1;
                }
            }
            _ => {}
        }
        i += 1;
    }
    s.len()
}

/// Length of a `"quoted string"` at the start of `s`; unterminated strings run to the end.
fn quoted_len(s: &[u8]) -> usize {
    let mut i = 1;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 1,
            b'"' => return i + 1,
            _ => {}
        }
        i += 1;
    }
    s.len()
}
