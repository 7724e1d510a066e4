//! Row loaders shared by `Store` reads (on a reader snapshot) and `Txn` reads (inside the write
//! transaction). Each loader takes a [`Filter`] so the column lists and row mapping exist once.

use std::borrow::Cow;

use inboxd_model::{ChangeId, ItemId};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};

use crate::StoreError;
use crate::codec::{
    addrs_from_json, attrs_from_json, split_words, to_i64, to_u64, ts, type_from_letter,
};
use crate::error::DbExt;
use crate::item::{Conversation, Folder, GenericItem, Item, ItemKind, Message};
use crate::txn::change_col;

/// Which rows of one account to load. `InConversation` and `Uid` apply to messages only.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Filter {
    All,
    Id(ItemId),
    /// `mod_change > since`.
    ModAfter(ChangeId),
    /// Messages / typed items in a folder; subfolders of a folder.
    InFolder(ItemId),
    /// Messages of a conversation.
    InConversation(ItemId),
    /// The message with this UID in this folder.
    Uid(ItemId, u32),
}

impl Filter {
    /// SQL condition (after `account = ?1`) and its extra parameters. `folder_col` names the
    /// containing-folder column of the table.
    fn clause(self, folder_col: &str) -> Result<(String, Vec<i64>), StoreError> {
        Ok(match self {
            Filter::All => (String::new(), vec![]),
            Filter::Id(id) => (" AND id = ?2".into(), vec![id.0]),
            Filter::ModAfter(c) => (" AND mod_change > ?2".into(), vec![to_i64(c.0)?]),
            Filter::InFolder(f) => (format!(" AND {folder_col} = ?2"), vec![f.0]),
            Filter::InConversation(c) => (" AND conversation = ?2".into(), vec![c.0]),
            Filter::Uid(f, uid) => (
                format!(" AND {folder_col} = ?2 AND imap_uid = ?3"),
                vec![f.0, i64::from(uid)],
            ),
        })
    }
}

/// One item table: its name, the loader's columns, its containing-folder column, and the by-id query
/// spelled out once (a `Txn` looks items up by id for nearly every write; building that SQL with
/// `format!` each time cost more than running it).
pub(crate) struct Table {
    name: &'static str,
    cols: &'static str,
    folder_col: &'static str,
    by_id: &'static str,
}

/// A [`Table`] from literals, its by-id query included.
macro_rules! table {
    ($name:literal, $cols:literal, $folder_col:literal) => {
        Table {
            name: $name,
            cols: $cols,
            folder_col: $folder_col,
            by_id: concat!(
                "SELECT ",
                $cols,
                " FROM ",
                $name,
                " WHERE account = ?1 AND id = ?2 ORDER BY id"
            ),
        }
    };
}

fn load<T>(
    conn: &Connection,
    account: i64,
    table: &Table,
    filter: Filter,
    map: fn(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Vec<T>, StoreError> {
    let (sql, extra) = load_sql(table, filter)?;
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let args = std::iter::once(account).chain(extra);
    let rows = stmt.query_map(params_from_iter(args), map).db()?;
    rows.map(|r| r.db()).collect()
}

/// The query `load` runs for `filter`, and its parameters after the account.
///
/// Filtered loads sort by `+id`, an expression: with a plain `ORDER BY id` SQLite (no statistics) walks
/// the primary-key index of the whole account to avoid a sort and tests the filter on every row. That
/// made each conversation deletion of a sync's merges read every message of the mailbox (a 100k-message
/// initial sync spent two thirds of its time there). Sorting the few matching rows is cheap.
pub(crate) fn load_sql(
    table: &Table,
    filter: Filter,
) -> Result<(Cow<'static, str>, Vec<i64>), StoreError> {
    let (cond, extra) = filter.clause(table.folder_col)?;
    let sql = match filter {
        Filter::Id(_) => Cow::Borrowed(table.by_id),
        Filter::All => Cow::Owned(format!(
            "SELECT {} FROM {} WHERE account = ?1 ORDER BY id",
            table.cols, table.name
        )),
        _ => Cow::Owned(format!(
            "SELECT {} FROM {} WHERE account = ?1{cond} ORDER BY +id",
            table.cols, table.name
        )),
    };
    Ok((sql, extra))
}

const FOLDERS: Table = table!(
    "folders",
    "id, parent, name, view, imap_path, special_use, created_change, mod_change",
    "parent"
);

fn folder_row(r: &Row<'_>) -> rusqlite::Result<Folder> {
    Ok(Folder {
        id: ItemId(r.get(0)?),
        parent: r.get::<_, Option<i64>>(1)?.map(ItemId),
        name: r.get(2)?,
        view: r
            .get::<_, Option<String>>(3)?
            .as_deref()
            .and_then(type_from_letter),
        imap_path: r.get(4)?,
        special_use: r.get(5)?,
        created_change: change_col(r.get(6)?),
        mod_change: change_col(r.get(7)?),
    })
}

pub(crate) fn folders(
    conn: &Connection,
    account: i64,
    filter: Filter,
) -> Result<Vec<Folder>, StoreError> {
    load(conn, account, &FOLDERS, filter, folder_row)
}

pub(crate) const MESSAGES: Table = table!(
    "messages",
    "id, folder, conversation, imap_uid, message_id, in_reply_to, refs, subject, \
     from_addrs, to_addrs, cc_addrs, date, internal_date, size, flags, snippet, has_attachments, \
     body_fetched, created_change, mod_change",
    "folder"
);

fn message_row(r: &Row<'_>) -> rusqlite::Result<Message> {
    Ok(Message {
        id: ItemId(r.get(0)?),
        folder: ItemId(r.get(1)?),
        conversation: r.get::<_, Option<i64>>(2)?.map(ItemId),
        imap_uid: r
            .get::<_, Option<i64>>(3)?
            .and_then(|u| u32::try_from(u).ok()),
        message_id: r.get(4)?,
        in_reply_to: split_words(&r.get::<_, String>(5)?),
        references: split_words(&r.get::<_, String>(6)?),
        subject: r.get(7)?,
        from: addrs_from_json(&r.get::<_, String>(8)?),
        to: addrs_from_json(&r.get::<_, String>(9)?),
        cc: addrs_from_json(&r.get::<_, String>(10)?),
        date: ts(r.get(11)?),
        internal_date: ts(r.get(12)?),
        size: to_u64(r.get(13)?),
        flags: split_words(&r.get::<_, String>(14)?),
        snippet: r.get(15)?,
        has_attachments: r.get(16)?,
        body_fetched: r.get(17)?,
        created_change: change_col(r.get(18)?),
        mod_change: change_col(r.get(19)?),
    })
}

pub(crate) fn messages(
    conn: &Connection,
    account: i64,
    filter: Filter,
) -> Result<Vec<Message>, StoreError> {
    load(conn, account, &MESSAGES, filter, message_row)
}

/// The query of [`messages_by_header_id`] (`+id`: see [`load_sql`]).
pub(crate) fn by_header_id_sql() -> String {
    format!(
        "SELECT {} FROM messages WHERE account = ?1 AND message_id = ?2 ORDER BY +id",
        MESSAGES.cols
    )
}

/// Messages whose Message-ID header is `header_id`, ascending by id.
pub(crate) fn messages_by_header_id(
    conn: &Connection,
    account: i64,
    header_id: &str,
) -> Result<Vec<Message>, StoreError> {
    let mut stmt = conn.prepare_cached(&by_header_id_sql()).db()?;
    let rows = stmt
        .query_map(rusqlite::params![account, header_id], message_row)
        .db()?;
    rows.map(|r| r.db()).collect()
}

const CONVERSATIONS: Table = table!(
    "conversations",
    "id, subject, participants, first_date, last_date, message_count, \
     unread_count, flagged, has_attachments, snippet, created_change, mod_change",
    "NULL"
);

fn conversation_row(r: &Row<'_>) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: ItemId(r.get(0)?),
        subject: r.get(1)?,
        participants: addrs_from_json(&r.get::<_, String>(2)?),
        first_date: ts(r.get(3)?),
        last_date: ts(r.get(4)?),
        message_count: u32::try_from(r.get::<_, i64>(5)?).unwrap_or(0),
        unread_count: u32::try_from(r.get::<_, i64>(6)?).unwrap_or(0),
        flagged: r.get(7)?,
        has_attachments: r.get(8)?,
        snippet: r.get(9)?,
        created_change: change_col(r.get(10)?),
        mod_change: change_col(r.get(11)?),
    })
}

pub(crate) fn conversations(
    conn: &Connection,
    account: i64,
    filter: Filter,
) -> Result<Vec<Conversation>, StoreError> {
    // Conversations have no folder: `NULL = ?` makes InFolder match nothing.
    load(conn, account, &CONVERSATIONS, filter, conversation_row)
}

const GENERIC: Table = table!(
    "items",
    "id, type, folder, attrs, created_change, mod_change",
    "folder"
);

fn generic_row(r: &Row<'_>) -> rusqlite::Result<GenericItem> {
    let letter: String = r.get(1)?;
    Ok(GenericItem {
        id: ItemId(r.get(0)?),
        // The CHECK constraint admits only c, a, t, d.
        item_type: type_from_letter(&letter).unwrap_or(inboxd_model::ItemType::Document),
        folder: ItemId(r.get(2)?),
        attrs: attrs_from_json(&r.get::<_, String>(3)?),
        created_change: change_col(r.get(4)?),
        mod_change: change_col(r.get(5)?),
    })
}

pub(crate) fn generic(
    conn: &Connection,
    account: i64,
    filter: Filter,
) -> Result<Vec<GenericItem>, StoreError> {
    load(conn, account, &GENERIC, filter, generic_row)
}

/// Every item matching `filter` across all kinds, ascending by id.
pub(crate) fn items(
    conn: &Connection,
    account: i64,
    filter: Filter,
) -> Result<Vec<Item>, StoreError> {
    let mut out: Vec<Item> = Vec::new();
    out.extend(
        folders(conn, account, filter)?
            .into_iter()
            .map(Item::Folder),
    );
    out.extend(
        messages(conn, account, filter)?
            .into_iter()
            .map(Item::Message),
    );
    out.extend(
        conversations(conn, account, filter)?
            .into_iter()
            .map(Item::Conversation),
    );
    out.extend(
        generic(conn, account, filter)?
            .into_iter()
            .map(Item::Generic),
    );
    out.sort_by_key(Item::id);
    Ok(out)
}

/// The item with this id, whatever its kind.
pub(crate) fn item(
    conn: &Connection,
    account: i64,
    id: ItemId,
) -> Result<Option<Item>, StoreError> {
    // Which table first (one indexed probe each), then only that table's loader: a sync looks up an item
    // per message it already has, and running all four loaders cost four times the one that answers.
    let filter = Filter::Id(id);
    let found = match item_kind(conn, account, id)? {
        None => None,
        Some(ItemKind::Folder) => folders(conn, account, filter)?
            .into_iter()
            .next()
            .map(Item::Folder),
        Some(ItemKind::Message) => messages(conn, account, filter)?
            .into_iter()
            .next()
            .map(Item::Message),
        Some(ItemKind::Conversation) => conversations(conn, account, filter)?
            .into_iter()
            .next()
            .map(Item::Conversation),
        Some(_) => generic(conn, account, filter)?
            .into_iter()
            .next()
            .map(Item::Generic),
    };
    Ok(found)
}

/// The kind of the item with this id, without loading it.
pub(crate) fn item_kind(
    conn: &Connection,
    account: i64,
    id: ItemId,
) -> Result<Option<ItemKind>, StoreError> {
    let found: Option<(i64, Option<String>)> = conn
        .prepare_cached(ITEM_TABLE)
        .db()?
        .query_row(params![account, id.0], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()
        .db()?;
    Ok(found.map(|(table, letter)| match table {
        1 => ItemKind::Folder,
        2 => ItemKind::Message,
        3 => ItemKind::Conversation,
        // Stored types are always generic ones (checked on creation), as in `Item::kind`.
        _ => letter
            .as_deref()
            .and_then(type_from_letter)
            .and_then(ItemKind::generic)
            .unwrap_or(ItemKind::Document),
    }))
}

/// The table holding an id (and a typed item's type letter), in the order `items` lists kinds (ids are
/// unique across tables).
pub(crate) const ITEM_TABLE: &str = "SELECT 1, NULL FROM folders WHERE account = ?1 AND id = ?2 \
     UNION ALL SELECT 2, NULL FROM messages WHERE account = ?1 AND id = ?2 \
     UNION ALL SELECT 3, NULL FROM conversations WHERE account = ?1 AND id = ?2 \
     UNION ALL SELECT 4, type FROM items WHERE account = ?1 AND id = ?2 LIMIT 1";
