//! The one commit path: every item write in the store runs through [`Store::commit`] (or, for account
//! creation and deletion, through the same `finish_and_publish` step).
//!
//! Order inside the writer lock: begin IMMEDIATE → the caller's closure writes through `Txn` →
//! if it touched anything, bump the change id by one and append one change-log row → SQLite commit →
//! publish the event. Because the lock is held until after publishing, change ids, commit seqs and
//! events are all in the same order.

use inboxd_model::{AccountId, ChangeEvent, Timestamp};
use rusqlite::Connection;

use crate::accounts::live_account_row;
use crate::txn::begin;
use crate::{Committed, Store, StoreError, Txn};

impl Store {
    /// Runs `f` in one transaction on a live account. If `f` touched items, the account's change id
    /// goes up by exactly one, one change-log row is appended and, after the commit succeeded, one
    /// event is published (and returned). If it touched nothing, other writes it made still commit but
    /// nothing is bumped, logged or published. If `f` (or the commit) fails, everything rolls back
    /// and nothing is published.
    ///
    /// `f` runs with the writer lock held: it may use `Store` reads, but calling a `Store` write
    /// (`commit`, account operations, `trim_log`) from inside it deadlocks.
    pub fn commit<T>(
        &self,
        account: &AccountId,
        now: Timestamp,
        f: impl FnOnce(&mut Txn<'_>) -> Result<T, StoreError>,
    ) -> Result<Committed<T>, StoreError> {
        self.write(|conn| {
            let conn: &Connection = conn;
            let tx = begin(conn)?;
            let row = live_account_row(&tx, account)?;
            let mut txn = Txn::new(conn, tx, account.clone(), row.key, row.change_id, now);
            // On error, dropping `txn` rolls the transaction back.
            let value = f(&mut txn)?;
            let event = self.finish_and_publish(txn)?;
            Ok(Committed { value, event })
        })
    }

    /// Commits `txn` and publishes its event. Must run inside `Store::write` (the lock orders events).
    pub(crate) fn finish_and_publish(
        &self,
        txn: Txn<'_>,
    ) -> Result<Option<ChangeEvent>, StoreError> {
        let event = txn.finish()?;
        if let Some(ev) = &event {
            self.publish(ev);
        }
        Ok(event)
    }
}
