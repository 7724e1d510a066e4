//! The SQL of a mail search: a [`MessageQuery`] (with its nested `any_of` / `none_of` groups) becomes one WHERE
//! clause whose every user-supplied value is a bound parameter, and the id / conversation page queries around it.
//!
//! What belongs here: SQL text and parameters only. What does not: running the queries and loading hits
//! (`search.rs`), parsing a client's query string (the server).

use inboxd_model::ItemId;
use rusqlite::types::Value;

use crate::StoreError;
use crate::search::{MessageQuery, SortOrder};

/// The WHERE clause (after `account = ?1`) of a query and its parameters. The outermost query's fields are
/// plain ANDed column tests, so SQLite picks the folder indexes for them.
pub(crate) fn conditions(q: &MessageQuery) -> Result<(String, Vec<Value>), StoreError> {
    let mut w = SqlWriter::default();
    w.conjunction(q, 0)?;
    Ok((w.sql, w.args))
}

/// The id query of a message search: `?1` the account, then the query's parameters, then limit and offset.
pub(crate) fn messages_sql(
    q: &MessageQuery,
    sort: SortOrder,
) -> Result<(String, Vec<Value>), StoreError> {
    let (cond, args) = conditions(q)?;
    let dir = sort.sql();
    let n = args.len();
    let sql = format!(
        "SELECT id FROM messages WHERE account = ?1{cond} ORDER BY date {dir}, id {dir} LIMIT ?{} OFFSET ?{}",
        n + 2,
        n + 3
    );
    Ok((sql, args))
}

/// The conversation page query of a conversation search, placeholders as in [`messages_sql`].
pub(crate) fn conversations_sql(
    q: &MessageQuery,
    sort: SortOrder,
) -> Result<(String, Vec<Value>), StoreError> {
    let (cond, args) = conditions(q)?;
    let dir = sort.sql();
    let n = args.len();
    let sql = format!(
        "SELECT conversation, MAX(date) AS d FROM messages \
         WHERE account = ?1 AND conversation IS NOT NULL{cond} \
         GROUP BY conversation ORDER BY d {dir}, conversation {dir} LIMIT ?{} OFFSET ?{}",
        n + 2,
        n + 3
    );
    Ok((sql, args))
}

/// Nesting limit of `any_of` / `none_of`: the SQL is built recursively and SQLite caps expression depth.
const MAX_DEPTH: usize = 40;

/// Padding the sorted, space separated flag list with spaces makes each flag a whole word; LIKE compares
/// ASCII case-insensitively, as [`Message::has_flag`] does.
const SEEN: &str = "(' ' || flags || ' ') LIKE '% \\Seen %'";
const FLAGGED: &str = "(' ' || flags || ' ') LIKE '% \\Flagged %'";

/// SQL text and its parameters, built together so every user-supplied value is a bound parameter.
#[derive(Default)]
struct SqlWriter {
    sql: String,
    args: Vec<Value>,
}

impl SqlWriter {
    /// Binds `v`; its placeholder number (`?1` is the account, so parameters start at `?2`).
    fn bind(&mut self, v: Value) -> String {
        self.args.push(v);
        format!("?{}", self.args.len() + 1)
    }

    fn folder(&mut self, f: ItemId) {
        let p = self.bind(Value::Integer(f.0));
        self.sql.push_str(&format!("folder = {p}"));
    }

    fn subject(&mut self, word: &str) {
        let p = self.bind(Value::Text(format!("%{}%", escape_like(word))));
        self.sql.push_str(&format!("subject LIKE {p} ESCAPE '\\'"));
    }

    /// `needle` in the `name` or `email` of one address of the JSON list in `column` (a fixed column name,
    /// never user text). The values are matched, not the JSON text, so a needle such as `email` or `"`
    /// cannot match the syntax. Unreadable JSON counts as an empty list, as the loaders read it.
    fn address(&mut self, column: &str, needle: &str) {
        let needle = needle.to_ascii_lowercase();
        // A needle without characters JSON escapes appears verbatim in the column text whenever it is in a
        // value, so a plain substring test can cheaply rule out most rows before the JSON is walked.
        let prefilter = !needle.chars().any(|c| c == '"' || c == '\\' || c < ' ');
        let p = self.bind(Value::Text(needle));
        if prefilter {
            self.sql
                .push_str(&format!("(instr(lower({column}), {p}) > 0 AND "));
        }
        self.sql.push_str(&format!(
            "EXISTS (SELECT 1 FROM json_tree(CASE WHEN json_valid({column}) THEN {column} ELSE '[]' END) AS a \
             WHERE a.key IN ('name', 'email') AND a.type = 'text' AND instr(lower(a.atom), {p}) > 0)"
        ));
        if prefilter {
            self.sql.push(')');
        }
    }

    /// Appends ` AND <condition>` for every condition of `q`.
    fn conjunction(&mut self, q: &MessageQuery, depth: usize) -> Result<(), StoreError> {
        if depth > MAX_DEPTH {
            return Err(StoreError::invalid("search query nested too deeply"));
        }
        if let Some(f) = q.folder {
            self.sql.push_str(" AND ");
            self.folder(f);
        }
        for f in &q.exclude_folders {
            self.sql.push_str(" AND NOT ");
            self.folder(*f);
        }
        if let Some(unread) = q.unread {
            self.sql
                .push_str(if unread { " AND NOT " } else { " AND " });
            self.sql.push_str(SEEN);
        }
        if let Some(flagged) = q.flagged {
            self.sql
                .push_str(if flagged { " AND " } else { " AND NOT " });
            self.sql.push_str(FLAGGED);
        }
        for word in &q.words {
            self.sql.push_str(" AND ");
            self.subject(word);
        }
        for (column, needles) in [
            ("from_addrs", &q.from),
            ("to_addrs", &q.to),
            ("cc_addrs", &q.cc),
        ] {
            for needle in needles {
                self.sql.push_str(" AND ");
                self.address(column, needle);
            }
        }
        for group in &q.any_of {
            self.sql.push_str(" AND (");
            if group.is_empty() {
                self.sql.push('0');
            }
            for (i, sub) in group.iter().enumerate() {
                if i > 0 {
                    self.sql.push_str(" OR ");
                }
                self.nested(sub, depth + 1)?;
            }
            self.sql.push(')');
        }
        for sub in &q.none_of {
            self.sql.push_str(" AND NOT ");
            self.nested(sub, depth + 1)?;
        }
        Ok(())
    }

    /// `q` as one parenthesized expression (`(1)` when it has no conditions: it matches every message).
    fn nested(&mut self, q: &MessageQuery, depth: usize) -> Result<(), StoreError> {
        self.sql.push_str("(1");
        self.conjunction(q, depth)?;
        self.sql.push(')');
        Ok(())
    }
}

/// Escapes LIKE's wildcards (`%`, `_`) and the escape character itself.
pub(crate) fn escape_like(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
