//! Reading account rows: the column list, parsing, lookups by id and name, and the internal
//! [`AccountRow`] facts the commit path and reads need. Writes live in `accounts.rs`.

use inboxd_model::{AccountId, ChangeId};
use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::StoreError;
use crate::account::{Account, AccountStatus, ImapSecurity, ImapSource, name_key};
use crate::codec::ts;
use crate::error::DbExt;
use crate::txn::change_col;

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

pub(super) fn query_accounts(
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

pub(super) fn load_account(
    conn: &Connection,
    id: &AccountId,
) -> Result<Option<Account>, StoreError> {
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
pub(super) fn name_taken(
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
