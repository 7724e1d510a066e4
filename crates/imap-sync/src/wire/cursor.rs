//! A lenient lexer over one framed response: atoms, numbers, quoted strings, literals, NIL, lists.
//!
//! Leniency is deliberate (real servers): keywords in any case, runs of spaces, 8-bit bytes inside quoted
//! strings, NIL where a list is expected. Errors are static reasons; the caller adds the line.

/// Internal result: a static reason on failure.
pub(crate) type Lex<T> = Result<T, &'static str>;

/// A generic parenthesized value, for items we skip or convert later (ENVELOPE).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Value {
    Nil,
    Atom(String),
    Str(Vec<u8>),
    List(Vec<Value>),
}

/// Position in a framed response.
pub(crate) struct Cursor<'a> {
    b: &'a [u8],
    pub(crate) i: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(b: &'a [u8]) -> Self {
        Self { b, i: 0 }
    }

    pub(crate) fn bytes(&self) -> &'a [u8] {
        self.b
    }

    pub(crate) fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    pub(crate) fn at_eol(&self) -> bool {
        matches!(self.peek(), None | Some(b'\r' | b'\n'))
    }

    /// Consumes `c` if it is next.
    pub(crate) fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    pub(crate) fn expect(&mut self, c: u8, why: &'static str) -> Lex<()> {
        if self.eat(c) { Ok(()) } else { Err(why) }
    }

    /// Skips any run of spaces (zero or more).
    pub(crate) fn skip_sp(&mut self) {
        while self.eat(b' ') {}
    }

    /// Requires at least one space, tolerating more.
    pub(crate) fn sp(&mut self) -> Lex<()> {
        self.expect(b' ', "expected space")?;
        self.skip_sp();
        Ok(())
    }

    /// Bytes up to (not including) the first byte in `stop`, space or line end; may be empty.
    pub(crate) fn token_until(&mut self, stop: &[u8]) -> &'a [u8] {
        let start = self.i;
        while let Some(b) = self.peek() {
            if b == b' ' || b == b'\r' || b == b'\n' || stop.contains(&b) {
                break;
            }
            self.i += 1;
        }
        self.b.get(start..self.i).unwrap_or_default()
    }

    /// A non-empty atom (stops at `(){"` and `]`), as text.
    pub(crate) fn atom(&mut self) -> Lex<String> {
        let t = self.token_until(b"(){\"]");
        if t.is_empty() {
            return Err("expected atom");
        }
        Ok(String::from_utf8_lossy(t).into_owned())
    }

    /// An atom uppercased, for keyword comparisons.
    pub(crate) fn keyword(&mut self) -> Lex<String> {
        Ok(self.atom()?.to_ascii_uppercase())
    }

    pub(crate) fn number64(&mut self) -> Lex<u64> {
        let start = self.i;
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.i += 1;
        }
        let digits = self.b.get(start..self.i).unwrap_or_default();
        std::str::from_utf8(digits)
            .ok()
            .and_then(|s| s.parse().ok())
            .ok_or("expected number")
    }

    pub(crate) fn number(&mut self) -> Lex<u32> {
        u32::try_from(self.number64()?).map_err(|_| "number out of range")
    }

    /// True (and consumed) if the next token is `NIL` in any case.
    pub(crate) fn nil(&mut self) -> bool {
        let rest = self.b.get(self.i..).unwrap_or_default();
        let is_nil = rest.len() >= 3
            && rest
                .get(..3)
                .is_some_and(|w| w.eq_ignore_ascii_case(b"NIL"))
            && !rest.get(3).is_some_and(|b| b.is_ascii_alphanumeric());
        if is_nil {
            self.i += 3;
        }
        is_nil
    }

    /// A quoted string or a literal.
    pub(crate) fn string(&mut self) -> Lex<Vec<u8>> {
        match self.peek() {
            Some(b'"') => self.quoted(),
            Some(b'{') => self.literal(),
            _ => Err("expected string"),
        }
    }

    fn quoted(&mut self) -> Lex<Vec<u8>> {
        self.expect(b'"', "expected quote")?;
        let mut out = Vec::new();
        loop {
            match self.peek() {
                None | Some(b'\r' | b'\n') => return Err("unterminated quoted string"),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let c = self.peek().ok_or("unterminated quoted string")?;
                    out.push(c);
                    self.i += 1;
                }
                Some(c) => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
    }

    fn literal(&mut self) -> Lex<Vec<u8>> {
        self.expect(b'{', "expected literal")?;
        let n = usize::try_from(self.number64()?).map_err(|_| "literal too large")?;
        self.eat(b'+');
        self.expect(b'}', "bad literal header")?;
        self.eat(b'\r');
        self.expect(b'\n', "bad literal header")?;
        let end = self.i.checked_add(n).ok_or("literal too large")?;
        let data = self.b.get(self.i..end).ok_or("truncated literal")?;
        self.i = end;
        Ok(data.to_vec())
    }

    /// NIL or a string.
    pub(crate) fn nstring(&mut self) -> Lex<Option<Vec<u8>>> {
        if self.nil() {
            Ok(None)
        } else {
            self.string().map(Some)
        }
    }

    /// An atom (also `]`-free) or a string.
    pub(crate) fn astring(&mut self) -> Lex<Vec<u8>> {
        match self.peek() {
            Some(b'"' | b'{') => self.string(),
            _ => {
                let t = self.token_until(b"(){\"");
                if t.is_empty() {
                    Err("expected astring")
                } else {
                    Ok(t.to_vec())
                }
            }
        }
    }

    /// `(a b c)` of atoms or strings as text; NIL gives an empty list.
    pub(crate) fn word_list(&mut self) -> Lex<Vec<String>> {
        if self.nil() {
            return Ok(Vec::new());
        }
        self.expect(b'(', "expected list")?;
        let mut out = Vec::new();
        loop {
            self.skip_sp();
            if self.eat(b')') {
                return Ok(out);
            }
            let w = match self.peek() {
                Some(b'"' | b'{') => self.string()?,
                _ => self.token_until(b"()\"{").to_vec(),
            };
            if w.is_empty() {
                return Err("bad list item");
            }
            out.push(String::from_utf8_lossy(&w).into_owned());
        }
    }

    /// Any value: NIL, string, atom/number (with `[...]` and `<...>` kept inside), or a nested list.
    pub(crate) fn value(&mut self, depth: usize) -> Lex<Value> {
        if depth > 64 {
            return Err("nesting too deep");
        }
        match self.peek() {
            Some(b'(') => {
                self.i += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_sp();
                    if self.eat(b')') {
                        return Ok(Value::List(items));
                    }
                    items.push(self.value(depth + 1)?);
                }
            }
            Some(b'"' | b'{') => self.string().map(Value::Str),
            _ if self.nil() => Ok(Value::Nil),
            _ => {
                let start = self.i;
                let mut bracket = 0usize;
                while let Some(b) = self.peek() {
                    match b {
                        b'[' => bracket += 1,
                        b']' if bracket > 0 => bracket -= 1,
                        b'\r' | b'\n' => break,
                        b' ' | b'(' | b')' | b'"' | b'{' if bracket == 0 => break,
                        _ => {}
                    }
                    self.i += 1;
                }
                let t = self.b.get(start..self.i).unwrap_or_default();
                if t.is_empty() {
                    return Err("expected value");
                }
                Ok(Value::Atom(String::from_utf8_lossy(t).into_owned()))
            }
        }
    }

    /// The rest of the line as text (without the line end), trimmed.
    pub(crate) fn rest_text(&mut self) -> String {
        let start = self.i;
        while !self.at_eol() {
            self.i += 1;
        }
        String::from_utf8_lossy(self.b.get(start..self.i).unwrap_or_default())
            .trim()
            .to_string()
    }
}

/// The first line of `buf` (for error messages), lossily decoded and capped at 200 characters.
pub(crate) fn first_line_text(buf: &[u8]) -> String {
    let end = buf
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(buf.len())
        .min(200);
    String::from_utf8_lossy(buf.get(..end).unwrap_or_default()).into_owned()
}
