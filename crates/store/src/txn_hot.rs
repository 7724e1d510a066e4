//! Statements a `Txn` keeps prepared for its whole lifetime: the writes a sync repeats for every message
//! (`insert_message`, `put_conversation`, `sync_put`). Taking a statement from rusqlite's cache and handing
//! it back costs, per use, two hashes of the SQL text, a copy of it and an LRU update: about as much as
//! the hand-written JSON of a whole message. Here a statement is taken from that cache on first use in the
//! transaction and returned when the transaction ends.
//!
//! Only static SQL belongs here (the key is the `&'static str` itself); anything else uses
//! `Connection::prepare_cached`.

use rusqlite::{CachedStatement, Connection};

use crate::StoreError;
use crate::error::DbExt;

/// The held statements, few enough that a linear search by address beats hashing.
#[derive(Default)]
pub(crate) struct HotStatements<'c> {
    held: Vec<(&'static str, CachedStatement<'c>)>,
}

impl<'c> HotStatements<'c> {
    /// The statement for `sql`, prepared (or taken from the connection's cache) on first use.
    pub(crate) fn get(
        &mut self,
        conn: &'c Connection,
        sql: &'static str,
    ) -> Result<&mut CachedStatement<'c>, StoreError> {
        // Same address and length is the same text; the same text at another address only costs a
        // second entry.
        let found = self
            .held
            .iter()
            .position(|(s, _)| std::ptr::eq(s.as_ptr(), sql.as_ptr()) && s.len() == sql.len());
        let i = match found {
            Some(i) => i,
            None => {
                self.held.push((sql, conn.prepare_cached(sql).db()?));
                self.held.len() - 1
            }
        };
        self.held
            .get_mut(i)
            .map(|(_, stmt)| stmt)
            .ok_or_else(|| StoreError::Backend("held statement missing".into()))
    }

    /// Hands every statement back to the connection's cache (before the transaction ends).
    pub(crate) fn release(&mut self) {
        self.held.clear();
    }
}
