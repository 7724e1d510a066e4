//! `Txn`: the write handle inside `Store::commit`, and the bookkeeping of what a commit touched.
//!
//! Every item write goes through a `Txn` method that stamps `mod_change` with the pending change id
//! and records the item and its type here; `finish` turns that record into the change-id bump, the
//! change-log row and the event. Item operations are split by kind: `txn_items.rs` (typed items),
//! `txn_folders.rs`, `txn_mail.rs` (messages, conversations). Modules added to this crate later (the
//! IMAP sync tables) use `conn()` for their own tables and `touch*` when they change items.

use std::collections::{BTreeMap, BTreeSet};

use inboxd_model::{AccountId, ChangeEvent, ChangeId, InterestTypes, ItemId, Timestamp};
use rusqlite::{CachedStatement, Connection, Transaction, TransactionBehavior, params};

use crate::codec::{to_i64, to_u64};
use crate::error::DbExt;
use crate::item::ItemKind;
use crate::txn_hot::HotStatements;
use crate::{StoreError, log};

/// The value a commit produced and the event it published (`None` if it touched nothing).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Committed<T> {
    pub value: T,
    pub event: Option<ChangeEvent>,
}

/// One open write transaction for one account. Obtained only through `Store::commit`.
pub struct Txn<'c> {
    /// Declared before `tx`: the held statements go back to the cache before a rollback on drop.
    hot: HotStatements<'c>,
    conn: &'c Connection,
    tx: Transaction<'c>,
    account: AccountId,
    key: i64,
    change: ChangeId,
    now: Timestamp,
    changed: BTreeSet<ItemId>,
    deleted: BTreeMap<ItemId, ItemKind>,
    types: InterestTypes,
    /// The next item id to hand out, once read from the account row (written back by `finish`): one
    /// read and one write per commit instead of an UPDATE per new item.
    next_id: Option<i64>,
}

impl<'c> Txn<'c> {
    /// `current` is the account's committed change id; this commit will get `current + 1` if it
    /// touches anything. `tx` must be a transaction on `conn` (see [`begin`]).
    pub(crate) fn new(
        conn: &'c Connection,
        tx: Transaction<'c>,
        account: AccountId,
        key: i64,
        current: ChangeId,
        now: Timestamp,
    ) -> Self {
        Self {
            hot: HotStatements::default(),
            conn,
            tx,
            account,
            key,
            change: ChangeId(current.0 + 1),
            now,
            changed: BTreeSet::new(),
            deleted: BTreeMap::new(),
            types: InterestTypes::NONE,
            next_id: None,
        }
    }

    /// The account this transaction writes to.
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    /// The change id this commit gets if it touches anything (stamped into `mod_change`).
    pub fn change_id(&self) -> ChangeId {
        self.change
    }

    /// The commit time given to `Store::commit`.
    pub fn now(&self) -> Timestamp {
        self.now
    }

    /// Whether anything has been touched so far.
    pub fn is_touched(&self) -> bool {
        !self.types.is_empty()
    }

    /// The connection, for store modules with their own tables.
    pub(crate) fn conn(&self) -> &Connection {
        &self.tx
    }

    /// A statement of static SQL, prepared once per transaction (`txn_hot.rs`): for the writes a sync
    /// repeats per message.
    pub(crate) fn hot(
        &mut self,
        sql: &'static str,
    ) -> Result<&mut CachedStatement<'c>, StoreError> {
        self.hot.get(self.conn, sql)
    }

    /// The account's internal row key.
    pub(crate) fn key(&self) -> i64 {
        self.key
    }

    /// The pending change id as a column value.
    pub(crate) fn change_sql(&self) -> Result<i64, StoreError> {
        to_i64(self.change.0)
    }

    /// Sets one column (`set` is `col = ?3`) of a folder or message row, stamps its `mod_change` and records the
    /// touch. The table comes from `kind`, never from input.
    pub(crate) fn stamp(
        &mut self,
        kind: ItemKind,
        id: ItemId,
        set: &str,
        value: impl rusqlite::ToSql,
    ) -> Result<(), StoreError> {
        let table = match kind {
            ItemKind::Folder => "folders",
            ItemKind::Message => "messages",
            other => return Err(StoreError::invalid(format!("cannot stamp a {other:?} row"))),
        };
        let change = self.change_sql()?;
        // Cached: a flag sync stamps thousands of messages with the same few statements.
        self.conn()
            .prepare_cached(&format!(
                "UPDATE {table} SET {set}, mod_change = ?4 WHERE account = ?1 AND id = ?2"
            ))
            .db()?
            .execute(params![self.key(), id.0, value, change])
            .db()?;
        self.touch(id, kind);
        Ok(())
    }

    /// Whether `id` was created or modified earlier in this transaction: its `mod_change` already is
    /// the pending change id.
    pub(crate) fn touched(&self, id: ItemId) -> bool {
        self.changed.contains(&id)
    }

    /// Records that `id` was created or modified.
    pub(crate) fn touch(&mut self, id: ItemId, kind: ItemKind) {
        if !self.deleted.contains_key(&id) {
            self.changed.insert(id);
        }
        self.types.insert(kind.item_type());
    }

    /// Records that `id` was deleted (it leaves the changed set if it was there).
    pub(crate) fn touch_deleted(&mut self, id: ItemId, kind: ItemKind) {
        self.changed.remove(&id);
        self.deleted.insert(id, kind);
        self.types.insert(kind.item_type());
    }

    /// Allocates the next per-account item id.
    pub(crate) fn next_item_id(&mut self) -> Result<ItemId, StoreError> {
        let id = self.peek_item_id()?;
        self.use_item_id(id);
        Ok(id)
    }

    /// The id `next_item_id` would hand out, without taking it: a write that may fail takes it only
    /// once it succeeded (`use_item_id`), so failed attempts leave no holes.
    pub(crate) fn peek_item_id(&mut self) -> Result<ItemId, StoreError> {
        let id = match self.next_id {
            Some(id) => id,
            None => {
                let id = self
                    .tx
                    .prepare_cached("SELECT next_item_id FROM accounts WHERE key = ?1")
                    .db()?
                    .query_row(params![self.key], |r| r.get(0))
                    .db()?;
                self.next_id = Some(id);
                id
            }
        };
        Ok(ItemId(id))
    }

    /// Marks `id` (from `peek_item_id`) as taken.
    pub(crate) fn use_item_id(&mut self, id: ItemId) {
        self.next_id = Some(id.0 + 1);
    }

    /// Commits. If anything was touched: bumps the change id by one, appends the change-log row and
    /// returns the event to publish (the caller publishes it while still holding the writer lock).
    pub(crate) fn finish(mut self) -> Result<Option<ChangeEvent>, StoreError> {
        self.hot.release();
        if let Some(next) = self.next_id {
            self.tx
                .prepare_cached("UPDATE accounts SET next_item_id = ?2 WHERE key = ?1")
                .db()?
                .execute(params![self.key, next])
                .db()?;
        }
        if self.types.is_empty() {
            self.tx.commit().db()?;
            return Ok(None);
        }
        let change = to_i64(self.change.0)?;
        self.tx
            .execute(
                "UPDATE accounts SET change_id = ?2 WHERE key = ?1",
                params![self.key, change],
            )
            .db()?;
        let changed: Vec<ItemId> = self.changed.into_iter().collect();
        let deleted: Vec<(ItemId, ItemKind)> = self.deleted.into_iter().collect();
        let row = log::NewLogRow {
            account: self.key,
            change_id: self.change,
            types: self.types,
            changed: &changed,
            deleted: &deleted,
            time: self.now,
        };
        let seq = log::append(&self.tx, &row)?;
        self.tx.commit().db()?;
        Ok(Some(ChangeEvent {
            account: self.account,
            change_id: self.change,
            types: self.types,
            commit_seq: seq,
        }))
    }
}

/// Opens the IMMEDIATE transaction a [`Txn`] runs in. Taking `&Connection` (rather than rusqlite's
/// `&mut` transaction API) is what lets the `Txn` hold statements for the connection's lifetime; callers
/// run it only inside `Store::write`, which holds the one writer connection exclusively.
pub(crate) fn begin(conn: &Connection) -> Result<Transaction<'_>, StoreError> {
    Transaction::new_unchecked(conn, TransactionBehavior::Immediate).db()
}

/// Reads a change-id column.
pub(crate) fn change_col(v: i64) -> ChangeId {
    ChangeId(to_u64(v))
}
