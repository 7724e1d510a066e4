//! Account operations on `Store`: create (with system folders), look up, list, update, delete.
//!
//! Creation and deletion change items, so they run through the commit path (`commit.rs`) and publish
//! events; the other updates change no items and bump nothing.

mod rows;

use inboxd_model::{AccountId, ChangeId, Timestamp};
use rusqlite::{Connection, params};

pub(crate) use rows::{account_row_for, live_account_row};
use rows::{load_account, name_taken, query_accounts};

use crate::account::{
    Account, AccountStatus, AccountUpdate, ImapSource, NewAccount, name_key, validate_name,
};
use crate::codec::ts_sql;
use crate::error::DbExt;
use crate::{Store, StoreError};

fn validate_imap(imap: Option<&ImapSource>) -> Result<(), StoreError> {
    match imap {
        Some(src) if src.host.is_empty() || src.port == 0 => Err(StoreError::invalid(
            "IMAP source needs a host and a non-zero port",
        )),
        _ => Ok(()),
    }
}

fn insert_account(
    conn: &Connection,
    id: &AccountId,
    new: &NewAccount,
    now: Timestamp,
) -> Result<i64, StoreError> {
    let imap = new.imap.as_ref();
    conn.execute(
        "INSERT INTO accounts (id, name, name_key, password_hash, admin, status, imap_host, imap_port, \
         imap_security, imap_user, imap_password, created) \
         VALUES (?1, ?2, ?3, ?4, ?5, 'active', ?6, ?7, ?8, ?9, ?10, ?11)",
        params![
            id.as_str(),
            new.name,
            name_key(&new.name),
            new.password_hash,
            new.admin,
            imap.map(|s| s.host.as_str()),
            imap.map(|s| i64::from(s.port)),
            imap.map(|s| s.security.as_str()),
            imap.map(|s| s.user.as_str()),
            imap.map(|s| s.password.as_str()),
            ts_sql(now)?,
        ],
    )
    .db()?;
    Ok(conn.last_insert_rowid())
}

fn set_imap(conn: &Connection, key: i64, imap: Option<&ImapSource>) -> Result<(), StoreError> {
    conn.execute(
        "UPDATE accounts SET imap_host = ?2, imap_port = ?3, imap_security = ?4, imap_user = ?5, \
         imap_password = ?6 WHERE key = ?1",
        params![
            key,
            imap.map(|s| s.host.as_str()),
            imap.map(|s| i64::from(s.port)),
            imap.map(|s| s.security.as_str()),
            imap.map(|s| s.user.as_str()),
            imap.map(|s| s.password.as_str()),
        ],
    )
    .db()?;
    Ok(())
}

/// Tables that `delete_account` must not wipe: the account row and its log stay; item tables are
/// emptied by `Txn::delete_all_items`, which also records the deletions.
const KEPT_OR_ITEM_TABLES: [&str; 6] = [
    "accounts",
    "change_log",
    "folders",
    "messages",
    "conversations",
    "items",
];

/// Deletes the account's rows from every other table with an `account` column (e.g. the IMAP sync
/// state added by later migrations), so new per-account tables need no change here.
fn wipe_account_tables(conn: &Connection, key: i64) -> Result<(), StoreError> {
    let tables: Vec<String> = {
        let mut stmt = conn
            .prepare(
                "SELECT m.name FROM sqlite_schema m JOIN pragma_table_info(m.name) p \
                 WHERE m.type = 'table' AND p.name = 'account' ORDER BY m.name",
            )
            .db()?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0)).db()?;
        rows.collect::<rusqlite::Result<_>>().db()?
    };
    for table in tables
        .iter()
        .filter(|t| !KEPT_OR_ITEM_TABLES.contains(&t.as_str()))
    {
        let quoted = table.replace('"', "\"\"");
        conn.execute(
            &format!("DELETE FROM \"{quoted}\" WHERE account = ?1"),
            params![key],
        )
        .db()?;
    }
    Ok(())
}

impl Store {
    /// Creates an account (status active, a new UUID id) with its system folders. The folders are
    /// the account's first commit: change id 1, one log row, one event.
    pub fn create_account(&self, new: NewAccount, now: Timestamp) -> Result<Account, StoreError> {
        validate_name(&new.name)?;
        validate_imap(new.imap.as_ref())?;
        let id = AccountId::new(uuid::Uuid::new_v4().to_string());
        self.write(|conn| {
            let conn: &rusqlite::Connection = conn;
            let tx = crate::txn::begin(conn)?;
            if name_taken(&tx, &new.name, None)? {
                return Err(StoreError::AccountExists);
            }
            let key = insert_account(&tx, &id, &new, now)?;
            let mut txn = crate::Txn::new(conn, tx, id.clone(), key, ChangeId(0), now);
            txn.create_system_folders()?;
            self.finish_and_publish(txn)?;
            Ok(())
        })?;
        self.account(&id)?.ok_or(StoreError::NoSuchAccount)
    }

    /// The account with this id, including a deleted one (status `Deleted`).
    pub fn account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        self.read(|conn| load_account(conn, id))
    }

    /// The live (not deleted) account with this name, compared case-insensitively.
    pub fn account_by_name(&self, name: &str) -> Result<Option<Account>, StoreError> {
        let key = name_key(name);
        self.read(|conn| {
            Ok(
                query_accounts(conn, "name_key = ?1 AND status <> 'deleted'", Some(&key))?
                    .into_iter()
                    .next(),
            )
        })
    }

    /// Live accounts (active and maintenance), in creation order.
    pub fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.read(|conn| query_accounts(conn, "status <> 'deleted'", None))
    }

    /// Every account including deleted ones, in creation order.
    pub fn list_all_accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.read(|conn| query_accounts(conn, "1 = 1", None))
    }

    /// Whether any live account is an admin (the server bootstraps one when there is none).
    pub fn has_admin(&self) -> Result<bool, StoreError> {
        self.read(|conn| {
            conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM accounts WHERE admin <> 0 AND status <> 'deleted')",
                [],
                |r| r.get(0),
            )
            .db()
        })
    }

    /// Applies an update to a live account. Renames keep names unique (`AccountExists`); status
    /// `Deleted` is refused (use [`Store::delete_account`]). Changes no items: no change-id bump.
    pub fn update_account(
        &self,
        id: &AccountId,
        update: AccountUpdate,
    ) -> Result<Account, StoreError> {
        if let Some(name) = &update.name {
            validate_name(name)?;
        }
        if update.status == Some(AccountStatus::Deleted) {
            return Err(StoreError::invalid(
                "use delete_account to delete an account",
            ));
        }
        if let Some(imap) = &update.imap {
            validate_imap(imap.as_ref())?;
        }
        self.write(|conn| {
            let conn: &rusqlite::Connection = conn;
            let tx = crate::txn::begin(conn)?;
            let row = live_account_row(&tx, id)?;
            if let Some(name) = &update.name {
                if name_taken(&tx, name, Some(id))? {
                    return Err(StoreError::AccountExists);
                }
                tx.execute(
                    "UPDATE accounts SET name = ?2, name_key = ?3 WHERE key = ?1",
                    params![row.key, name, name_key(name)],
                )
                .db()?;
            }
            if let Some(hash) = &update.password_hash {
                tx.execute(
                    "UPDATE accounts SET password_hash = ?2 WHERE key = ?1",
                    params![row.key, hash],
                )
                .db()?;
            }
            if let Some(admin) = update.admin {
                tx.execute(
                    "UPDATE accounts SET admin = ?2 WHERE key = ?1",
                    params![row.key, admin],
                )
                .db()?;
            }
            if let Some(status) = update.status {
                tx.execute(
                    "UPDATE accounts SET status = ?2 WHERE key = ?1",
                    params![row.key, status.as_str()],
                )
                .db()?;
            }
            if let Some(imap) = &update.imap {
                set_imap(&tx, row.key, imap.as_ref())?;
            }
            let account = load_account(&tx, id)?.ok_or(StoreError::NoSuchAccount)?;
            tx.commit().db()?;
            Ok(account)
        })
    }

    /// Deletes an account: all its items go (one last commit records them as deleted and publishes
    /// an event), its rows in any other per-account table (any table with an `account` column) go,
    /// the status becomes `Deleted`, the name becomes free. The account row and its
    /// change-log rows stay, so WaitSets can report MAILBOX_DELETED and log resyncs still see history.
    pub fn delete_account(&self, id: &AccountId, now: Timestamp) -> Result<(), StoreError> {
        self.write(|conn| {
            let conn: &rusqlite::Connection = conn;
            let tx = crate::txn::begin(conn)?;
            let row = live_account_row(&tx, id)?;
            // Tables may reference each other; check foreign keys once, at commit.
            tx.pragma_update(None, "defer_foreign_keys", true).db()?;
            wipe_account_tables(&tx, row.key)?;
            let mut txn = crate::Txn::new(conn, tx, id.clone(), row.key, row.change_id, now);
            txn.delete_all_items()?;
            txn.conn()
                .execute(
                    "UPDATE accounts SET status = 'deleted' WHERE key = ?1",
                    params![row.key],
                )
                .db()?;
            self.finish_and_publish(txn)?;
            Ok(())
        })
    }
}
