//! The SearchRequest query parser (the language is described in the parent module's docs): tokens from
//! `lex.rs` become an [`Expr`] tree (recursive descent, with the term and depth limits), field values are
//! resolved (folders by name or id), and the tree is lowered to a store [`MessageQuery`]. Lowering puts the
//! outermost ANDed plain terms into the query's flat fields, so `in:inbox` and `in:inbox is:unread` keep
//! their indexed SQL; only OR and NOT subtrees become nested queries.

use inboxd_model::ItemId;
use inboxd_soap::Fault;
use inboxd_store::{MessageQuery, folder_ids};

use super::super::folder::FolderTree;
use super::super::parse_id;
use super::lex::{Token, tokenize};

/// At most this many terms (words and `field:value`s) in one query.
pub(super) const MAX_TERMS: usize = 64;
/// At most this many nested parentheses and negations on any path of the tree.
pub(super) const MAX_DEPTH: usize = 16;

/// A parsed query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Atom(Atom),
}

/// One resolved term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Atom {
    /// Directly in this folder.
    Folder(ItemId),
    /// No `\Seen` flag (`is:unread`; `is:read` is its negation).
    Unread,
    /// The `\Flagged` flag (`is:flagged`; `is:unflagged` is its negation).
    Flagged,
    /// In the subject.
    Subject(String),
    From(String),
    To(String),
    Cc(String),
    /// In a To or Cc address.
    ToCc(String),
    /// Every message: what a bare `*` means.
    All,
}

/// Parses the query text into a store query. An empty query is `in:inbox`.
pub(super) fn parse_query(text: &str, tree: &FolderTree<'_>) -> Result<MessageQuery, Fault> {
    let text = if text.trim().is_empty() {
        "in:inbox"
    } else {
        text
    };
    Ok(lower(parse_expr(text, tree)?))
}

/// Parses the query text into an expression tree.
pub(super) fn parse_expr(text: &str, tree: &FolderTree<'_>) -> Result<Expr, Fault> {
    let tokens = tokenize(text)?;
    let terms = tokens
        .iter()
        .filter(|t| matches!(t, Token::Word(_) | Token::Field(..)))
        .count();
    if terms > MAX_TERMS {
        return Err(Fault::invalid_request(format!(
            "search query has {terms} terms; at most {MAX_TERMS} are supported"
        )));
    }
    let mut p = Parser {
        tokens,
        pos: 0,
        tree,
    };
    let expr = p.or_expr(0)?;
    // `or_expr` stops only at the end or at a `)` it has no `(` for.
    match p.peek() {
        None => Ok(expr),
        Some(_) => Err(Fault::invalid_request(
            "unbalanced parentheses in search query: unexpected )",
        )),
    }
}

/// Recursive descent over the tokens. Grammar (AND binds tighter than OR, as Zimbra builds its parse tree:
/// each `or` starts a new ANDed group): `or_expr := and_expr (or and_expr)*`,
/// `and_expr := unary ([and] unary)*`, `unary := (not | -) unary | "(" or_expr ")" | term`.
struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    tree: &'a FolderTree<'a>,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    /// ORed and_exprs up to a `)` or the end (neither consumed).
    fn or_expr(&mut self, depth: usize) -> Result<Expr, Fault> {
        let mut items = vec![self.and_expr(depth)?];
        while self.peek() == Some(&Token::Or) {
            self.pos += 1;
            items.push(self.and_expr(depth)?);
        }
        Ok(one_or(items, Expr::Or))
    }

    /// ANDed unaries up to an `or`, a `)` or the end (none consumed).
    fn and_expr(&mut self, depth: usize) -> Result<Expr, Fault> {
        let mut items = vec![self.unary(depth)?];
        loop {
            match self.peek() {
                None | Some(Token::Close | Token::Or) => break,
                Some(Token::And) => self.pos += 1,
                Some(_) => {}
            }
            items.push(self.unary(depth)?);
        }
        Ok(one_or(items, Expr::And))
    }

    fn unary(&mut self, depth: usize) -> Result<Expr, Fault> {
        let nested = depth + 1;
        match self.next() {
            Some(Token::Not) => Ok(Expr::Not(Box::new(self.unary(check_depth(nested)?)?))),
            Some(Token::Open) => {
                let inner = self.or_expr(check_depth(nested)?)?;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    _ => Err(Fault::invalid_request(
                        "unbalanced parentheses in search query: missing )",
                    )),
                }
            }
            Some(Token::Word(w)) => Ok(Expr::Atom(word(&w))),
            Some(Token::Field(f, v)) => self.field(&f, &v),
            Some(Token::Close) => Err(Fault::invalid_request(
                "unbalanced or empty parentheses in search query",
            )),
            Some(Token::Or) => Err(Fault::invalid_request(
                "search query has `or` where a term belongs",
            )),
            Some(Token::And) => Err(Fault::invalid_request(
                "search query has `and` where a term belongs",
            )),
            None => Err(Fault::invalid_request(
                "search query ends where a term belongs",
            )),
        }
    }

    fn field(&self, name: &str, value: &str) -> Result<Expr, Fault> {
        let value = value.to_string();
        Ok(Expr::Atom(match name.to_ascii_lowercase().as_str() {
            "in" => Atom::Folder(folder_by_name(&value, self.tree)?),
            "inid" => Atom::Folder(folder_by_id(&value, self.tree)?),
            "is" => return is_term(&value),
            "subject" => word(&value),
            "from" => Atom::From(value),
            "to" => Atom::To(value),
            "cc" => Atom::Cc(value),
            "tocc" => Atom::ToCc(value),
            other => {
                return Err(Fault::invalid_request(format!(
                    "unsupported search field {other}:"
                )));
            }
        }))
    }
}

fn check_depth(depth: usize) -> Result<usize, Fault> {
    if depth > MAX_DEPTH {
        return Err(Fault::invalid_request(format!(
            "search query nests parentheses and negations deeper than {MAX_DEPTH}"
        )));
    }
    Ok(depth)
}

/// The single item itself, or `wrap` of all of them.
fn one_or(mut items: Vec<Expr>, wrap: fn(Vec<Expr>) -> Expr) -> Expr {
    if items.len() == 1
        && let Some(only) = items.pop()
    {
        return only;
    }
    wrap(items)
}

/// A subject word; a trailing `*` is dropped (substring matching implies prefix matching), so `*` alone
/// matches everything.
fn word(w: &str) -> Atom {
    let w = w.trim().trim_end_matches('*');
    if w.is_empty() {
        Atom::All
    } else {
        Atom::Subject(w.to_string())
    }
}

/// `is:VALUE`; `read` and `unflagged` are the negations of `unread` and `flagged`.
fn is_term(value: &str) -> Result<Expr, Fault> {
    let (atom, negated) = match value.to_ascii_lowercase().as_str() {
        "unread" => (Atom::Unread, false),
        "read" => (Atom::Unread, true),
        "flagged" => (Atom::Flagged, false),
        "unflagged" => (Atom::Flagged, true),
        other => {
            return Err(Fault::invalid_request(format!(
                "unsupported search term is:{other}"
            )));
        }
    };
    let atom = Expr::Atom(atom);
    Ok(if negated {
        Expr::Not(Box::new(atom))
    } else {
        atom
    })
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

/// The store query for `expr`. As in Zimbra, Trash is left out unless the query names it in a positive folder
/// term (one not under an odd number of negations), and likewise Junk: `-in:sent` still leaves both out,
/// `in:trash or x` leaves out only Junk. A query confined to one folder at the top needs no exclusion, which
/// keeps a plain folder page's SQL a single indexed folder test.
fn lower(expr: Expr) -> MessageQuery {
    let excluded: Vec<ItemId> = [folder_ids::TRASH, folder_ids::JUNK]
        .into_iter()
        .filter(|f| !names_folder(&expr, *f, true))
        .collect();
    let mut q = node(expr);
    if q.folder.is_none() {
        for f in excluded {
            if !q.exclude_folders.contains(&f) {
                q.exclude_folders.push(f);
            }
        }
    }
    q
}

fn names_folder(expr: &Expr, folder: ItemId, positive: bool) -> bool {
    match expr {
        Expr::And(xs) | Expr::Or(xs) => xs.iter().any(|x| names_folder(x, folder, positive)),
        Expr::Not(x) => names_folder(x, folder, !positive),
        Expr::Atom(Atom::Folder(f)) => positive && *f == folder,
        Expr::Atom(_) => false,
    }
}

/// `e` as a query of its own.
fn node(e: Expr) -> MessageQuery {
    let mut q = MessageQuery::default();
    add(&mut q, e);
    q
}

/// Adds `e` as one more ANDed condition of `q`: into a flat field when that field is free (what keeps plain
/// queries on the folder indexes), else as a nested query.
fn add(q: &mut MessageQuery, e: Expr) {
    match e {
        Expr::And(xs) => xs.into_iter().for_each(|x| add(q, x)),
        Expr::Or(xs) => q.any_of.push(xs.into_iter().map(node).collect()),
        Expr::Not(x) => match *x {
            Expr::Not(y) => add(q, *y),
            Expr::Atom(Atom::Folder(f)) => q.exclude_folders.push(f),
            Expr::Atom(Atom::Unread) if q.unread.is_none() => q.unread = Some(false),
            Expr::Atom(Atom::Flagged) if q.flagged.is_none() => q.flagged = Some(false),
            other => q.none_of.push(node(other)),
        },
        Expr::Atom(atom) => match atom {
            Atom::Folder(f) if q.folder.is_none() => q.folder = Some(f),
            Atom::Unread if q.unread.is_none() => q.unread = Some(true),
            Atom::Flagged if q.flagged.is_none() => q.flagged = Some(true),
            Atom::Subject(w) => q.words.push(w),
            Atom::From(x) => q.from.push(x),
            Atom::To(x) => q.to.push(x),
            Atom::Cc(x) => q.cc.push(x),
            Atom::ToCc(x) => q.any_of.push(vec![
                node(Expr::Atom(Atom::To(x.clone()))),
                node(Expr::Atom(Atom::Cc(x))),
            ]),
            Atom::All => {}
            // The flat field already holds another value (`in:a in:b`, `is:read is:unread`): a nested query
            // of one, whose own field is free, keeps the meaning (nothing matches) without special cases.
            taken => q.any_of.push(vec![node(Expr::Atom(taken))]),
        },
    }
}

#[cfg(test)]
#[path = "query_tests.rs"]
mod tests;
