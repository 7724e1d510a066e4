//! Tokenizer of the SearchRequest query language: splits the text into parentheses, operators (`or`, `and`,
//! `not`, a leading `-`), words and `field:value` terms. What a field means and how tokens combine is the
//! parser's business (`query.rs`); the language itself is described in the parent module's docs.

use std::iter::Peekable;
use std::str::Chars;

use inboxd_soap::Fault;

/// One token of a query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Token {
    Open,
    Close,
    /// `not` or a `-` prefix.
    Not,
    Or,
    /// An explicit `and` (terms are ANDed without it too).
    And,
    /// A bare word or a quoted phrase (a quoted `or` is a word, not an operator).
    Word(String),
    /// `field:value`; the value may have been quoted. The field is as written (case is the parser's call).
    Field(String, String),
}

/// Splits `text` into tokens. Unquoted words and values end at whitespace or a parenthesis, so a folder name
/// with parentheses or spaces must be quoted.
pub(super) fn tokenize(text: &str) -> Result<Vec<Token>, Fault> {
    let mut tokens = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(first) = chars.next() else {
            return Ok(tokens);
        };
        let token = match first {
            '(' => Token::Open,
            ')' => Token::Close,
            // A `-` directly before a term negates it; `a-b` stays one word (the `-` is not at a start).
            '-' => Token::Not,
            '"' => Token::Word(quoted(&mut chars)?),
            c => {
                let mut word = String::from(c);
                word.extend(std::iter::from_fn(|| {
                    chars.next_if(|c| !ends_word(*c) && *c != ':')
                }));
                if chars.next_if_eq(&':').is_some() {
                    field(word, &mut chars)?
                } else {
                    plain(word)?
                }
            }
        };
        tokens.push(token);
    }
}

fn ends_word(c: char) -> bool {
    c.is_whitespace() || c == '(' || c == ')'
}

/// The value after `name:` (already past the colon).
fn field(name: String, chars: &mut Peekable<Chars<'_>>) -> Result<Token, Fault> {
    let (value, was_quoted) = match chars.next_if_eq(&'"') {
        Some(_) => (quoted(chars)?, true),
        None => (
            std::iter::from_fn(|| chars.next_if(|c| !ends_word(*c))).collect(),
            false,
        ),
    };
    if !name.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(Fault::invalid_request(format!(
            "unsupported search term {name}:{value}"
        )));
    }
    // `in:""` is a (missing) folder named "", but `from: bob` is surely a typo.
    if value.is_empty() && !was_quoted {
        return Err(Fault::invalid_request(format!(
            "search term {name}: needs a value"
        )));
    }
    Ok(Token::Field(name, value))
}

fn plain(word: String) -> Result<Token, Fault> {
    Ok(match word.to_ascii_lowercase().as_str() {
        "or" => Token::Or,
        "and" => Token::And,
        "not" => Token::Not,
        // `+term` (Zimbra's "must contain") is not supported; refusing beats silently searching for "+term".
        _ if word.starts_with('+') => {
            return Err(Fault::invalid_request(format!(
                "unsupported search syntax {word:?}"
            )));
        }
        _ => Token::Word(word),
    })
}

/// The text up to the closing quote (already past the opening one); `\"` escapes a quote, `\\` a backslash.
fn quoted(chars: &mut Peekable<Chars<'_>>) -> Result<String, Fault> {
    let mut out = String::new();
    while let Some(c) = chars.next() {
        match c {
            '"' => return Ok(out),
            '\\' => out.extend(chars.next()),
            c => out.push(c),
        }
    }
    Err(Fault::invalid_request("unterminated quote in search query"))
}

#[cfg(test)]
mod tests {
    use super::Token::*;
    use super::*;

    fn toks(text: &str) -> Vec<Token> {
        tokenize(text).unwrap()
    }

    fn word(w: &str) -> Token {
        Word(w.into())
    }

    fn field(f: &str, v: &str) -> Token {
        Field(f.into(), v.into())
    }

    #[test]
    fn words_fields_and_quotes() {
        assert_eq!(
            toks(r#"in:"Some Folder" is:unread clk "two words" and subject:x"#),
            vec![
                field("in", "Some Folder"),
                field("is", "unread"),
                word("clk"),
                word("two words"),
                And,
                field("subject", "x"),
            ]
        );
        assert_eq!(toks("in:/Inbox/Sub"), vec![field("in", "/Inbox/Sub")]);
        assert_eq!(toks(r#""a \"q\" \\""#), vec![word(r#"a "q" \"#)]);
        assert_eq!(toks("a:b:c"), vec![field("a", "b:c")]);
    }

    #[test]
    fn operators_and_parentheses() {
        assert_eq!(
            toks(r#"(from:ann OR -from:"bob b")not x "or" e-mail"#),
            vec![
                Open,
                field("from", "ann"),
                Or,
                Not,
                field("from", "bob b"),
                Close,
                Not,
                word("x"),
                word("or"),
                word("e-mail"),
            ]
        );
        assert_eq!(
            toks("-(a)--b ( )"),
            vec![
                Not,
                Open,
                word("a"),
                Close,
                Not,
                Not,
                word("b"),
                Open,
                Close
            ]
        );
    }

    #[test]
    fn refuses_bad_terms() {
        for bad in [
            "\"open",
            "1x:y",
            "from:",
            "from: bob",
            "to:(a)",
            "+a",
            "in:\"x",
        ] {
            let fault = tokenize(bad).unwrap_err();
            assert_eq!(fault.code, "service.INVALID_REQUEST", "{bad}");
        }
    }
}
