//! Account operations on `Store`: create (with system folders), look up, list, update, delete.
//!
//! Creation and deletion change items, so they run through the commit path (`commit.rs`) and publish
//! events; the other updates change no items and bump nothing.

use inboxd_model::{AccountId, ChangeId, Timestamp};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::account::{
    Account, AccountStatus, AccountUpdate, ImapSecurity, ImapSource, NewAccount, name_key,
    validate_name,
};
use crate::codec::{ts, ts_sql};
use crate::error::DbExt;
use crate::txn::change_col;
use crate::{Store, StoreError};

const ACCOUNT_COLS: &str = "id, name, password_hash, admin, status, imap_host, imap_port, \
     imap_security, imap_user, imap_password, created";

/// An account row as read, before the text columns are parsed.
struct RawAccount {
    id: String,
    name: String,
    password_hash: String,
    admin: bool,
    status: String,
    imap_host: Option<String>,
    imap_port: Option<i64>,
    imap_security: Option<String>,
    imap_user: Option<String>,
    imap_password: Option<String>,
    created: i64,
}

fn account_row(r: &Row<'_>) -> rusqlite::Result<RawAccount> {
    Ok(RawAccount {
        id: r.get(0)?,
        name: r.get(1)?,
        password_hash: r.get(2)?,
        admin: r.get(3)?,
        status: r.get(4)?,
        imap_host: r.get(5)?,
        imap_port: r.get(6)?,
        imap_security: r.get(7)?,
        imap_user: r.get(8)?,
        imap_password: r.get(9)?,
        created: r.get(10)?,
    })
}

impl RawAccount {
    fn parse(self) -> Result<Account, StoreError> {
        let imap = match (
            self.imap_host,
            self.imap_port,
            self.imap_security,
            self.imap_user,
            self.imap_password,
        ) {
            (Some(host), Some(port), Some(sec), Some(user), Some(password)) => Some(ImapSource {
                host,
                port: u16::try_from(port)
                    .map_err(|_| StoreError::Backend(format!("bad IMAP port {port}")))?,
                security: ImapSecurity::parse(&sec)?,
                user,
                password,
            }),
            _ => None,
        };
        Ok(Account {
            id: AccountId::new(self.id),
            name: self.name,
            password_hash: self.password_hash,
            admin: self.admin,
            status: AccountStatus::parse(&self.status)?,
            imap,
            created: ts(self.created),
        })
    }
}

fn query_accounts(
    conn: &Connection,
    cond: &str,
    arg: Option<&str>,
) -> Result<Vec<Account>, StoreError> {
    let sql = format!("SELECT {ACCOUNT_COLS} FROM accounts WHERE {cond} ORDER BY key");
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let rows = match arg {
        Some(a) => stmt
            .query_map(params![a], account_row)
            .db()?
            .collect::<Vec<_>>(),
        None => stmt.query_map([], account_row).db()?.collect::<Vec<_>>(),
    };
    rows.into_iter().map(|r| r.db()?.parse()).collect()
}

fn load_account(conn: &Connection, id: &AccountId) -> Result<Option<Account>, StoreError> {
    Ok(query_accounts(conn, "id = ?1", Some(id.as_str()))?
        .into_iter()
        .next())
}

/// Internal facts about an account row, for the commit path and reads.
#[derive(Clone, Copy, Debug)]
pub(crate) struct AccountRow {
    pub key: i64,
    pub status: AccountStatus,
    pub change_id: ChangeId,
    /// Highest change id whose log row was trimmed.
    pub log_floor: ChangeId,
}

/// The row for `id` (deleted accounts included); `NoSuchAccount` if there is none.
pub(crate) fn account_row_for(conn: &Connection, id: &AccountId) -> Result<AccountRow, StoreError> {
    conn.prepare_cached("SELECT key, status, change_id, log_floor FROM accounts WHERE id = ?1")
        .db()?
        .query_row(params![id.as_str()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get(2)?,
                r.get(3)?,
            ))
        })
        .optional()
        .db()?
        .ok_or(StoreError::NoSuchAccount)
        .and_then(|(key, status, change, floor)| {
            Ok(AccountRow {
                key,
                status: AccountStatus::parse(&status)?,
                change_id: change_col(change),
                log_floor: change_col(floor),
            })
        })
}

/// Like [`account_row_for`], but a deleted account counts as missing (it cannot be written).
pub(crate) fn live_account_row(
    conn: &Connection,
    id: &AccountId,
) -> Result<AccountRow, StoreError> {
    let row = account_row_for(conn, id)?;
    if row.status == AccountStatus::Deleted {
        return Err(StoreError::NoSuchAccount);
    }
    Ok(row)
}

/// Whether another live account already uses this name (case-insensitively).
fn name_taken(
    conn: &Connection,
    name: &str,
    except: Option<&AccountId>,
) -> Result<bool, StoreError> {
    let found: Option<String> = conn
        .query_row(
            "SELECT id FROM accounts WHERE name_key = ?1 AND status <> 'deleted'",
            params![name_key(name)],
            |r| r.get(0),
        )
        .optional()
        .db()?;
    Ok(found.is_some_and(|f| Some(f.as_str()) != except.map(AccountId::as_str)))
}

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
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .db()?;
            if name_taken(&tx, &new.name, None)? {
                return Err(StoreError::AccountExists);
            }
            let key = insert_account(&tx, &id, &new, now)?;
            let mut txn = crate::Txn::new(tx, id.clone(), key, ChangeId(0), now);
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
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .db()?;
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
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .db()?;
            let row = live_account_row(&tx, id)?;
            // Tables may reference each other; check foreign keys once, at commit.
            tx.pragma_update(None, "defer_foreign_keys", true).db()?;
            wipe_account_tables(&tx, row.key)?;
            let mut txn = crate::Txn::new(tx, id.clone(), row.key, row.change_id, now);
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
