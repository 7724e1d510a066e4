//! `Txn::sync_put` / `Txn::sync_get` and `Store::sync_load` / `Store::sync_get`: the `sync_state` table.

use inboxd_model::AccountId;
use rusqlite::{OptionalExtension, params};

use crate::accounts::account_row_for;
use crate::error::DbExt;
use crate::{Store, StoreError, Txn};

/// An upsert rather than `INSERT OR REPLACE`: measured cheaper (the sync-like bench, callgrind). An
/// unchanged value is not rewritten: re-putting a known message writes the same record again.
static SYNC_UPSERT: &str = "INSERT INTO sync_state (account, space, key, value) VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT (account, space, key) DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value";
static SYNC_DELETE: &str = "DELETE FROM sync_state WHERE account = ?1 AND space = ?2 AND key = ?3";

impl Txn<'_> {
    /// Sets (`Some`) or removes (`None`) one entry of a sync-state space of this account.
    pub fn sync_put(
        &mut self,
        space: &str,
        key: &str,
        value: Option<&str>,
    ) -> Result<(), StoreError> {
        let account = self.key();
        match value {
            Some(v) => self
                .hot(SYNC_UPSERT)?
                .execute(params![account, space, key, v])
                .db()?,
            None => self
                .hot(SYNC_DELETE)?
                .execute(params![account, space, key])
                .db()?,
        };
        Ok(())
    }

    /// One entry of a sync-state space, as seen inside this transaction.
    pub fn sync_get(&self, space: &str, key: &str) -> Result<Option<String>, StoreError> {
        self.conn()
            .prepare_cached(
                "SELECT value FROM sync_state WHERE account = ?1 AND space = ?2 AND key = ?3",
            )
            .db()?
            .query_row(params![self.key(), space, key], |r| r.get(0))
            .optional()
            .db()
    }

    /// Removes every sync-state entry of this account (e.g. when its IMAP source changes).
    pub fn sync_clear(&mut self) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "DELETE FROM sync_state WHERE account = ?1",
                params![self.key()],
            )
            .db()?;
        Ok(())
    }
}

impl Store {
    /// Every `(key, value)` of one sync-state space of an account, ordered by key.
    pub fn sync_load(
        &self,
        account: &AccountId,
        space: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.read(|conn| {
            let key = account_row_for(conn, account)?.key;
            let mut stmt = conn
                .prepare_cached(
                    "SELECT key, value FROM sync_state WHERE account = ?1 AND space = ?2 ORDER BY key",
                )
                .db()?;
            let rows = stmt
                .query_map(params![key, space], |r| Ok((r.get(0)?, r.get(1)?)))
                .db()?;
            rows.map(|r| r.db()).collect()
        })
    }

    /// One entry of a sync-state space of an account, as last committed.
    pub fn sync_get(
        &self,
        account: &AccountId,
        space: &str,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        self.read(|conn| {
            let account = account_row_for(conn, account)?.key;
            conn.prepare_cached(
                "SELECT value FROM sync_state WHERE account = ?1 AND space = ?2 AND key = ?3",
            )
            .db()?
            .query_row(params![account, space, key], |r| r.get(0))
            .optional()
            .db()
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::{NewAccount, Store, StoreOptions};
    use inboxd_model::Timestamp;

    #[test]
    fn put_get_load_delete() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let acct = store
            .create_account(
                NewAccount {
                    name: "a@example.com".into(),
                    password_hash: "x".into(),
                    admin: false,
                    imap: None,
                },
                Timestamp(1),
            )
            .unwrap()
            .id;
        let before = store.change_id(&acct).unwrap();
        let committed = store
            .commit(&acct, Timestamp(2), |t| {
                t.sync_put("loc", "m2", Some("b"))?;
                t.sync_put("loc", "m1", Some("a"))?;
                t.sync_put("loc", "m1", Some("a2"))?;
                t.sync_put("other", "k", Some("v"))?;
                assert_eq!(t.sync_get("loc", "m1")?.as_deref(), Some("a2"));
                Ok(())
            })
            .unwrap();
        assert!(
            committed.event.is_none(),
            "sync state alone publishes nothing"
        );
        assert_eq!(store.change_id(&acct).unwrap(), before);
        let loc = store.sync_load(&acct, "loc").unwrap();
        assert_eq!(
            loc,
            [
                ("m1".to_string(), "a2".to_string()),
                ("m2".into(), "b".into())
            ]
        );
        store
            .commit(&acct, Timestamp(3), |t| t.sync_put("loc", "m1", None))
            .unwrap();
        assert_eq!(store.sync_load(&acct, "loc").unwrap().len(), 1);
        assert_eq!(store.sync_get(&acct, "loc", "m1").unwrap(), None);
        assert_eq!(
            store.sync_get(&acct, "loc", "m2").unwrap().as_deref(),
            Some("b")
        );
        store
            .commit(&acct, Timestamp(4), |t| t.sync_clear())
            .unwrap();
        assert!(store.sync_load(&acct, "other").unwrap().is_empty());
    }
}
