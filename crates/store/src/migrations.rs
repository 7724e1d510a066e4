//! Versioned schema migrations, tracked in `PRAGMA user_version`.
//!
//! Each migration is one SQL file under `crates/store/migrations/NNNN_name.sql`, listed in
//! [`MIGRATIONS`] in order. Adding a schema change means adding a file and one line here; released
//! files are never edited. Each migration runs in its own transaction together with the version bump.

use rusqlite::Connection;

use crate::StoreError;
use crate::error::DbExt;

/// One schema step: after it runs, `user_version` is `version`.
pub(crate) struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// All migrations, oldest first; versions are 1, 2, 3, … without gaps.
pub(crate) const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "accounts",
        sql: include_str!("../migrations/0001_accounts.sql"),
    },
    Migration {
        version: 2,
        name: "items",
        sql: include_str!("../migrations/0002_items.sql"),
    },
    Migration {
        version: 3,
        name: "sync",
        sql: include_str!("../migrations/0003_sync.sql"),
    },
    Migration {
        version: 4,
        name: "search indexes",
        sql: include_str!("../migrations/0004_search_indexes.sql"),
    },
];

/// The schema version this build writes.
pub(crate) fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

pub(crate) fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    let v: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .db()?;
    u32::try_from(v).map_err(|_| StoreError::Backend(format!("bad schema version {v}")))
}

/// Brings the database up to `target` (normally [`latest_version`]); refuses files from a newer build.
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    let current = schema_version(conn)?;
    if current > latest_version() {
        return Err(StoreError::SchemaTooNew {
            found: current,
            supported: latest_version(),
        });
    }
    for m in MIGRATIONS
        .iter()
        .filter(|m| m.version > current && m.version <= target)
    {
        let tx = conn.transaction().db()?;
        tx.execute_batch(m.sql).map_err(|e| {
            StoreError::Backend(format!("migration {} ({}): {e}", m.version, m.name))
        })?;
        tx.pragma_update(None, "user_version", i64::from(m.version))
            .db()?;
        tx.commit().db()?;
        tracing::info!(version = m.version, name = m.name, "store schema migrated");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_consecutive() {
        for (i, m) in MIGRATIONS.iter().enumerate() {
            assert_eq!(m.version as usize, i + 1, "migration {}", m.name);
        }
    }

    #[test]
    fn migrating_twice_is_a_no_op() {
        let mut conn = Connection::open_in_memory().unwrap();
        migrate_to(&mut conn, latest_version()).unwrap();
        migrate_to(&mut conn, latest_version()).unwrap();
        assert_eq!(schema_version(&conn).unwrap(), latest_version());
    }

    #[test]
    fn newer_files_are_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", 999).unwrap();
        assert_eq!(
            migrate_to(&mut conn, latest_version()),
            Err(StoreError::SchemaTooNew {
                found: 999,
                supported: latest_version()
            })
        );
    }
}
