//! Mail search on `Store`: messages and conversations matching a [`MessageQuery`], sorted by date and paged
//! with LIMIT/OFFSET in SQL, plus per-folder message and unread counts.
//!
//! What belongs here: the query value types and running the searches (the SQL text is built in
//! `search_sql.rs`). Messages and conversations are loaded by id with the shared loaders in `read.rs`, so
//! their column lists exist once; only the light [`MessageMatch`] rows of conversation hits have their own
//! short projection. What does not: parsing a client's query string (the server does that), full-text
//! search of bodies (not stored).
//!
//! Indexes: `messages_folder_date` and `messages_folder_conversation_date` (migration 0004) serve the
//! outermost query's `folder`; nested `any_of` / `none_of` conditions are tested row by row.
//!
//! Matching rules: `folder` is one folder, not its subfolders; `exclude_folders` drops messages in those
//! folders; `unread` / `flagged` test the `\Seen` / `\Flagged` flags (ASCII case-insensitive, as
//! [`Message::has_flag`] does); every word must occur in the subject as a substring (ASCII case-insensitive:
//! SQLite's `LIKE`, its wildcards escaped); `from` / `to` / `cc` needles must occur in the display name or
//! email of one address (ASCII case-insensitive; the JSON values are matched, never the JSON text). All
//! conditions are bound parameters. Sorting is by message date with the id as tie-breaker, so pages are stable.

use std::collections::BTreeMap;

use inboxd_model::{AccountId, ItemId, Timestamp};
use rusqlite::types::Value;
use rusqlite::{Connection, params_from_iter};

use crate::accounts::account_row_for;
use crate::codec::{split_words, ts};
use crate::error::DbExt;
use crate::item::{Conversation, Message};
use crate::read::{self, Filter};
#[cfg(test)]
use crate::search_sql::escape_like;
use crate::search_sql::{conditions, conversations_sql, messages_sql};
use crate::{Store, StoreError};

/// Which messages a search selects: a conjunction, every field narrows the set, so `Default` selects every
/// message. `any_of` and `none_of` nest further queries, which is how OR and NOT trees are expressed (the flat
/// fields of the outermost query are what the folder indexes serve, so a caller should fill those first).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageQuery {
    /// Only messages directly in this folder.
    pub folder: Option<ItemId>,
    /// No messages in these folders (e.g. Trash and Junk when no folder is named).
    pub exclude_folders: Vec<ItemId>,
    /// `Some(true)`: only messages without `\Seen`; `Some(false)`: only messages with it.
    pub unread: Option<bool>,
    /// `Some(true)`: only messages with `\Flagged`; `Some(false)`: only messages without it.
    pub flagged: Option<bool>,
    /// Each word must occur in the subject (substring, ASCII case-insensitive).
    pub words: Vec<String>,
    /// Each must occur in the email or display name of one From address (substring, ASCII case-insensitive).
    pub from: Vec<String>,
    /// As `from`, for To addresses.
    pub to: Vec<String>,
    /// As `from`, for Cc addresses.
    pub cc: Vec<String>,
    /// For each group, at least one of its queries matches (an empty group matches nothing).
    pub any_of: Vec<Vec<MessageQuery>>,
    /// None of these queries matches.
    pub none_of: Vec<MessageQuery>,
}

/// Result order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// Newest first (Zimbra's `dateDesc`, the default).
    #[default]
    DateDesc,
    /// Oldest first (`dateAsc`).
    DateAsc,
}

impl SortOrder {
    pub(crate) fn sql(self) -> &'static str {
        match self {
            SortOrder::DateDesc => "DESC",
            SortOrder::DateAsc => "ASC",
        }
    }
}

/// One page of results: the hits in order and whether more follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Page<T> {
    pub hits: Vec<T>,
    /// At least one more hit exists after this page.
    pub more: bool,
}

/// A conversation with at least one matching message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationHit {
    pub conversation: Conversation,
    /// Date of its latest matching message: the sort key.
    pub sort_date: Timestamp,
    /// Its matching messages, in the search's sort order.
    pub matches: Vec<MessageMatch>,
}

/// What a conversation hit lists of each matching message. Deliberately not a whole [`Message`]: a page of
/// conversations can match thousands of messages, and loading their address lists would dominate the search.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageMatch {
    pub id: ItemId,
    pub folder: ItemId,
    pub date: Timestamp,
    /// IMAP flags, as in [`Message::flags`].
    pub flags: Vec<String>,
    pub has_attachments: bool,
}

impl MessageMatch {
    /// Whether it carries `flag` (ASCII case-insensitive, as [`Message::has_flag`]).
    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }
}

/// Runs `sql` (placeholders `?1` = account, then `args`, then limit and offset) and maps each row.
fn query_page<T>(
    conn: &Connection,
    sql: &str,
    key: i64,
    args: Vec<Value>,
    limit: u32,
    offset: u64,
    map: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let offset = i64::try_from(offset).map_err(|_| StoreError::invalid("offset out of range"))?;
    let mut all = vec![Value::Integer(key)];
    all.extend(args);
    // One row beyond the page tells whether more follow.
    all.push(Value::Integer(i64::from(limit) + 1));
    all.push(Value::Integer(offset));
    let mut stmt = conn.prepare_cached(sql).db()?;
    let rows = stmt.query_map(params_from_iter(all), map).db()?;
    rows.map(|r| r.db()).collect()
}

fn message_by_id(conn: &Connection, key: i64, id: ItemId) -> Result<Option<Message>, StoreError> {
    Ok(read::messages(conn, key, Filter::Id(id))?
        .into_iter()
        .next())
}

/// Splits a page fetched with one extra row into (page, more).
fn split_more<T>(mut rows: Vec<T>, limit: u32) -> (Vec<T>, bool) {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let more = rows.len() > limit;
    rows.truncate(limit);
    (rows, more)
}

impl Store {
    /// Messages matching `q`, sorted by date (id breaks ties), `limit` of them after skipping `offset`.
    pub fn search_messages(
        &self,
        account: &AccountId,
        q: &MessageQuery,
        sort: SortOrder,
        limit: u32,
        offset: u64,
    ) -> Result<Page<Message>, StoreError> {
        let (sql, args) = messages_sql(q, sort)?;
        self.read(|conn| {
            let key = account_row_for(conn, account)?.key;
            let ids = query_page(conn, &sql, key, args, limit, offset, |r| r.get::<_, i64>(0))?;
            let (ids, more) = split_more(ids, limit);
            let mut hits = Vec::with_capacity(ids.len());
            for id in ids {
                hits.extend(message_by_id(conn, key, ItemId(id))?);
            }
            Ok(Page { hits, more })
        })
    }

    /// Conversations with at least one message matching `q`, sorted by the date of their latest matching
    /// message (conversation id breaks ties), each with its matching messages. Messages without a
    /// conversation are not part of any hit.
    pub fn search_conversations(
        &self,
        account: &AccountId,
        q: &MessageQuery,
        sort: SortOrder,
        limit: u32,
        offset: u64,
    ) -> Result<Page<ConversationHit>, StoreError> {
        let (sql, args) = conversations_sql(q, sort)?;
        self.read(|conn| {
            let key = account_row_for(conn, account)?.key;
            let rows = query_page(conn, &sql, key, args, limit, offset, |r| {
                Ok((ItemId(r.get::<_, i64>(0)?), ts(r.get::<_, i64>(1)?)))
            })?;
            let (rows, more) = split_more(rows, limit);
            let convs: Vec<ItemId> = rows.iter().map(|(c, _)| *c).collect();
            let mut matches = page_matches(conn, key, q, &convs)?;
            let mut hits = Vec::with_capacity(rows.len());
            for (conv, sort_date) in rows {
                // The foreign key makes a missing summary impossible; skip rather than fail if it happens.
                let Some(conversation) = read::conversations(conn, key, Filter::Id(conv))?
                    .into_iter()
                    .next()
                else {
                    continue;
                };
                let mut matches = matches.remove(&conv).unwrap_or_default();
                matches.sort_by_key(|m| (m.date, m.id));
                if sort == SortOrder::DateDesc {
                    matches.reverse();
                }
                hits.push(ConversationHit {
                    conversation,
                    sort_date,
                    matches,
                });
            }
            Ok(Page { hits, more })
        })
    }

    /// Message count and unread count (no `\Seen`) of every folder that holds messages, in one grouped
    /// query. Folders without messages are absent.
    pub fn folder_counts(
        &self,
        account: &AccountId,
    ) -> Result<BTreeMap<ItemId, (u32, u32)>, StoreError> {
        self.read(|conn| {
            let key = account_row_for(conn, account)?.key;
            let mut stmt = conn
                .prepare_cached(
                    "SELECT folder, COUNT(*), \
                     SUM((' ' || flags || ' ') NOT LIKE '% \\Seen %') \
                     FROM messages WHERE account = ?1 GROUP BY folder",
                )
                .db()?;
            let rows = stmt
                .query_map([key], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                })
                .db()?;
            let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
            rows.map(|r| {
                let (folder, n, u) = r.db()?;
                Ok((ItemId(folder), (count(n), count(u))))
            })
            .collect()
        })
    }
}

/// The messages of `convs` that match `q`, by conversation, in one query (the conversation index finds them).
fn page_matches(
    conn: &Connection,
    key: i64,
    q: &MessageQuery,
    convs: &[ItemId],
) -> Result<BTreeMap<ItemId, Vec<MessageMatch>>, StoreError> {
    let mut out: BTreeMap<ItemId, Vec<MessageMatch>> = BTreeMap::new();
    if convs.is_empty() {
        return Ok(out);
    }
    let (cond, mut args) = conditions(q)?;
    let first = args.len() + 2;
    let slots: Vec<String> = (first..first + convs.len())
        .map(|i| format!("?{i}"))
        .collect();
    let sql = format!(
        "SELECT conversation, id, folder, date, flags, has_attachments FROM messages \
         WHERE account = ?1{cond} AND conversation IN ({})",
        slots.join(", ")
    );
    args.extend(convs.iter().map(|c| Value::Integer(c.0)));
    let all = std::iter::once(Value::Integer(key)).chain(args);
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let rows = stmt
        .query_map(params_from_iter(all), |r| {
            Ok((
                ItemId(r.get(0)?),
                MessageMatch {
                    id: ItemId(r.get(1)?),
                    folder: ItemId(r.get(2)?),
                    date: ts(r.get(3)?),
                    flags: split_words(&r.get::<_, String>(4)?),
                    has_attachments: r.get(5)?,
                },
            ))
        })
        .db()?;
    for row in rows {
        let (conv, m) = row.db()?;
        out.entry(conv).or_default().push(m);
    }
    Ok(out)
}

#[cfg(test)]
#[path = "search_tests.rs"]
mod tests;
