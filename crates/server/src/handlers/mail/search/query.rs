//! The SearchRequest query language subset (see the parent module's docs for exactly what is supported):
//! tokenizing, folder resolution, and turning terms into a store [`MessageQuery`].

use inboxd_model::ItemId;
use inboxd_soap::Fault;
use inboxd_store::{MessageQuery, folder_ids};

use super::super::folder::FolderTree;
use super::super::parse_id;

/// Parses the query text; `Ok(None)` when it can match nothing (contradicting `is:` terms).
pub(super) fn parse_query(
    text: &str,
    tree: &FolderTree<'_>,
) -> Result<Option<MessageQuery>, Fault> {
    let text = if text.trim().is_empty() {
        "in:inbox"
    } else {
        text
    };
    let mut q = MessageQuery::default();
    let mut folder_named = false;
    let mut possible = true;
    for term in tokenize(text)? {
        match term {
            Term::Word(w) => push_word(&mut q, &w),
            Term::Op(op, value) => match op.to_ascii_lowercase().as_str() {
                "in" | "inid" => {
                    if folder_named {
                        return Err(Fault::invalid_request("only one in: term is supported"));
                    }
                    folder_named = true;
                    q.folder = Some(if op.eq_ignore_ascii_case("in") {
                        folder_by_name(&value, tree)?
                    } else {
                        folder_by_id(&value, tree)?
                    });
                }
                "is" => possible &= apply_is(&mut q, &value)?,
                "subject" => push_word(&mut q, &value),
                other => {
                    return Err(Fault::invalid_request(format!(
                        "unsupported search operator {other}:"
                    )));
                }
            },
        }
    }
    if !folder_named {
        q.exclude_folders = vec![folder_ids::TRASH, folder_ids::JUNK];
    }
    Ok(possible.then_some(q))
}

fn push_word(q: &mut MessageQuery, word: &str) {
    let w = word.trim().trim_end_matches('*');
    if !w.is_empty() {
        q.words.push(w.to_string());
    }
}

/// Applies `is:VALUE`; false when it contradicts an earlier term.
fn apply_is(q: &mut MessageQuery, value: &str) -> Result<bool, Fault> {
    let (slot, want) = match value.to_ascii_lowercase().as_str() {
        "unread" => (&mut q.unread, true),
        "read" => (&mut q.unread, false),
        "flagged" => (&mut q.flagged, true),
        "unflagged" => (&mut q.flagged, false),
        other => {
            return Err(Fault::invalid_request(format!(
                "unsupported search term is:{other}"
            )));
        }
    };
    let consistent = slot.is_none_or(|had| had == want);
    *slot = Some(want);
    Ok(consistent)
}

fn folder_by_name(name: &str, tree: &FolderTree<'_>) -> Result<ItemId, Fault> {
    let system = match name.trim_matches('/').to_ascii_lowercase().as_str() {
        "inbox" => Some(folder_ids::INBOX),
        "sent" => Some(folder_ids::SENT),
        "trash" => Some(folder_ids::TRASH),
        "junk" => Some(folder_ids::JUNK),
        "drafts" => Some(folder_ids::DRAFTS),
        _ => None,
    };
    system
        .or_else(|| tree.by_path(name))
        .filter(|id| *id != folder_ids::ROOT || name.trim() == "/")
        .ok_or_else(|| Fault::no_such_folder(name))
}

fn folder_by_id(value: &str, tree: &FolderTree<'_>) -> Result<ItemId, Fault> {
    let id = parse_id(value)?;
    tree.get(id)
        .map(|f| f.id)
        .ok_or_else(|| Fault::no_such_folder(id))
}

/// One query term.
#[derive(Debug, PartialEq, Eq)]
enum Term {
    /// A bare word or quoted phrase.
    Word(String),
    /// `op:value` (the value may have been quoted).
    Op(String, String),
}

/// Splits on whitespace outside double quotes. `op:value` needs an alphabetic `op`; operators the grammar
/// has but this subset does not (`or`, `not`, `-term`, parentheses) are refused here.
fn tokenize(text: &str) -> Result<Vec<Term>, Fault> {
    let mut terms = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else {
            return Ok(terms);
        };
        if first == '"' {
            chars.next();
            terms.push(Term::Word(quoted(&mut chars)?));
            continue;
        }
        let mut word = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != ':') {
            word.push(c);
        }
        if chars.next_if_eq(&':').is_some() {
            let value = match chars.next_if_eq(&'"') {
                Some(_) => quoted(&mut chars)?,
                None => std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace())).collect(),
            };
            if word.is_empty() || !word.chars().all(|c| c.is_ascii_alphabetic()) {
                return Err(Fault::invalid_request(format!(
                    "unsupported search term {word}:{value}"
                )));
            }
            terms.push(Term::Op(word, value));
            continue;
        }
        check_plain_word(&word)?;
        if !word.eq_ignore_ascii_case("and") {
            terms.push(Term::Word(word));
        }
    }
}

/// The text up to the closing quote (already past the opening one); `\"` escapes a quote.
fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<String, Fault> {
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

fn check_plain_word(word: &str) -> Result<(), Fault> {
    let refused = word.eq_ignore_ascii_case("or")
        || word.eq_ignore_ascii_case("not")
        || word.starts_with(['-', '+', '('])
        || word.contains(['(', ')']);
    if refused {
        return Err(Fault::invalid_request(format!(
            "unsupported search syntax {word:?}: only ANDed terms are supported"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<Term> {
        tokenize(text).unwrap()
    }

    #[test]
    fn tokenizes_words_ops_and_quotes() {
        assert_eq!(
            words(r#"in:"Some Folder" is:unread clk "two words" and subject:x"#),
            vec![
                Term::Op("in".into(), "Some Folder".into()),
                Term::Op("is".into(), "unread".into()),
                Term::Word("clk".into()),
                Term::Word("two words".into()),
                Term::Op("subject".into(), "x".into()),
            ]
        );
        assert_eq!(
            words("in:/Inbox/Sub"),
            vec![Term::Op("in".into(), "/Inbox/Sub".into())]
        );
    }

    #[test]
    fn refuses_unsupported_syntax() {
        for bad in ["a or b", "not a", "-a", "(a)", "\"open", "1x:y"] {
            let fault = tokenize(bad).unwrap_err();
            assert_eq!(fault.code, "service.INVALID_REQUEST", "{bad}");
        }
    }

    fn folder(id: i64, parent: i64, name: &str) -> inboxd_store::Folder {
        inboxd_store::Folder {
            id: ItemId(id),
            parent: (parent > 0).then_some(ItemId(parent)),
            name: name.into(),
            view: Some(inboxd_model::ItemType::Message),
            imap_path: None,
            special_use: None,
            created_change: inboxd_model::ChangeId(1),
            mod_change: inboxd_model::ChangeId(1),
        }
    }

    #[test]
    fn parses_folders_flags_and_words() {
        let folders = [
            folder(1, 0, "USER_ROOT"),
            folder(2, 1, "Inbox"),
            folder(300, 2, "Sub"),
            folder(301, 1, "Some Folder"),
        ];
        let tree = FolderTree::new(&folders);
        let parse = |t: &str| parse_query(t, &tree);
        let q = parse("").unwrap().unwrap();
        assert_eq!(q.folder, Some(folder_ids::INBOX));
        assert!(q.exclude_folders.is_empty());
        let q = parse(r#"IN:"some folder" is:Unread is:flagged Clk* "a b""#)
            .unwrap()
            .unwrap();
        assert_eq!(q.folder, Some(ItemId(301)));
        assert_eq!((q.unread, q.flagged), (Some(true), Some(true)));
        assert_eq!(q.words, vec!["Clk".to_string(), "a b".to_string()]);
        assert_eq!(
            parse("in:/inbox/SUB").unwrap().unwrap().folder,
            Some(ItemId(300))
        );
        assert_eq!(
            parse("inid:300").unwrap().unwrap().folder,
            Some(ItemId(300))
        );
        assert_eq!(
            parse("in:trash").unwrap().unwrap().folder,
            Some(folder_ids::TRASH)
        );
        let q = parse("is:read").unwrap().unwrap();
        assert_eq!((q.folder, q.unread), (None, Some(false)));
        assert_eq!(q.exclude_folders, vec![folder_ids::TRASH, folder_ids::JUNK]);
        assert_eq!(parse("is:read is:unread").unwrap(), None);
        let code = |t: &str| parse(t).unwrap_err().code;
        assert_eq!(code("in:nowhere"), "mail.NO_SUCH_FOLDER");
        assert_eq!(code("in:\"\""), "mail.NO_SUCH_FOLDER");
        assert_eq!(code("inid:999"), "mail.NO_SUCH_FOLDER");
        assert_eq!(code("Re: x"), "service.INVALID_REQUEST");
        assert_eq!(code("from:bob"), "service.INVALID_REQUEST");
        assert_eq!(code("is:starred"), "service.INVALID_REQUEST");
        assert_eq!(code("in:inbox in:sent"), "service.INVALID_REQUEST");
    }
}
