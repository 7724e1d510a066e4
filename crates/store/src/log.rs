//! The change log (redo log): one row per commit that touched something, global commit seqs,
//! reading it back for WaitSet resync, and retention trimming.
//!
//! Trimming removes a *prefix* of the log (by seq), never a hole: `log_state.trimmed_through` and
//! each account's `log_floor` then say exactly which seqs and change ids are no longer provable,
//! even when every row is gone.

use inboxd_model::{AccountId, ChangeId, CommitSeq, InterestTypes, ItemId, Timestamp};
use rusqlite::{Connection, OptionalExtension, params};

use crate::codec::{
    ids_from_text, ids_to_text, kinded_ids_from_text, kinded_ids_to_text, to_i64, to_u64, ts,
    ts_sql,
};
use crate::error::DbExt;
use crate::item::ItemKind;
use crate::txn::change_col;
use crate::{Store, StoreError};

/// One committed change, as recorded in the change log.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct LogEntry {
    pub seq: CommitSeq,
    pub account: AccountId,
    /// The account's change id after this commit.
    pub change_id: ChangeId,
    pub types: InterestTypes,
    /// Items created or modified, ascending.
    pub changed: Vec<ItemId>,
    /// Items deleted, ascending.
    pub deleted: Vec<ItemId>,
    pub time: Timestamp,
}

pub(crate) struct NewLogRow<'a> {
    pub account: i64,
    pub change_id: ChangeId,
    pub types: InterestTypes,
    pub changed: &'a [ItemId],
    pub deleted: &'a [(ItemId, ItemKind)],
    pub time: Timestamp,
}

/// Allocates the next commit seq and writes the row (inside the commit's transaction).
pub(crate) fn append(conn: &Connection, row: &NewLogRow<'_>) -> Result<CommitSeq, StoreError> {
    let seq: i64 = conn
        .prepare_cached(
            "UPDATE log_state SET last_seq = last_seq + 1 WHERE id = 1 RETURNING last_seq",
        )
        .db()?
        .query_row([], |r| r.get(0))
        .db()?;
    conn.prepare_cached(
        "INSERT INTO change_log (seq, account, change_id, types, changed, deleted, time) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )
    .db()?
    .execute(params![
        seq,
        row.account,
        to_i64(row.change_id.0)?,
        i64::from(row.types.bits()),
        ids_to_text(row.changed),
        kinded_ids_to_text(row.deleted),
        ts_sql(row.time)?,
    ])
    .db()?;
    Ok(CommitSeq(to_u64(seq)))
}

/// `(last_seq, trimmed_through)`.
fn log_state(conn: &Connection) -> Result<(i64, i64), StoreError> {
    conn.query_row(
        "SELECT last_seq, trimmed_through FROM log_state WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .db()
}

/// Deleted items (with kinds) recorded for `account` in commits with change id above `since`.
pub(crate) fn deleted_since(
    conn: &Connection,
    account: i64,
    since: ChangeId,
) -> Result<Vec<(ItemId, ItemKind)>, StoreError> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT deleted FROM change_log WHERE account = ?1 AND change_id > ?2 AND deleted <> ''",
        )
        .db()?;
    let rows = stmt
        .query_map(params![account, to_i64(since.0)?], |r| {
            r.get::<_, String>(0)
        })
        .db()?;
    let mut out = Vec::new();
    for text in rows {
        out.extend(kinded_ids_from_text(&text.db()?));
    }
    Ok(out)
}

impl Store {
    /// Log rows with seq above `after`, oldest first, at most `limit`. `MustResync` if rows after
    /// `after` were trimmed, or if `after` is beyond the last commit (a seq this store never issued).
    pub fn log_since(&self, after: CommitSeq, limit: usize) -> Result<Vec<LogEntry>, StoreError> {
        let after = to_i64(after.0)?;
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        self.read(|conn| {
            let (last, trimmed) = log_state(conn)?;
            if after < trimmed || after > last {
                return Err(StoreError::MustResync);
            }
            let mut stmt = conn
                .prepare_cached(
                    "SELECT c.seq, a.id, c.change_id, c.types, c.changed, c.deleted, c.time \
                     FROM change_log c JOIN accounts a ON a.key = c.account \
                     WHERE c.seq > ?1 ORDER BY c.seq LIMIT ?2",
                )
                .db()?;
            let rows = stmt
                .query_map(params![after, limit], |r| {
                    Ok(LogEntry {
                        seq: CommitSeq(to_u64(r.get(0)?)),
                        account: AccountId::new(r.get::<_, String>(1)?),
                        change_id: change_col(r.get(2)?),
                        types: InterestTypes::from_bits(
                            u8::try_from(r.get::<_, i64>(3)?).unwrap_or(0),
                        ),
                        changed: ids_from_text(&r.get::<_, String>(4)?),
                        deleted: kinded_ids_from_text(&r.get::<_, String>(5)?)
                            .into_iter()
                            .map(|(id, _)| id)
                            .collect(),
                        time: ts(r.get(6)?),
                    })
                })
                .db()?;
            rows.map(|r| r.db()).collect()
        })
    }

    /// The seq of the last commit ever made (0 before the first); never goes back, even after trimming.
    pub fn last_commit_seq(&self) -> Result<CommitSeq, StoreError> {
        self.read(|conn| Ok(CommitSeq(to_u64(log_state(conn)?.0))))
    }

    /// The oldest seq `log_since` still accepts as `after` (everything after it is retained).
    pub fn log_floor(&self) -> Result<CommitSeq, StoreError> {
        self.read(|conn| Ok(CommitSeq(to_u64(log_state(conn)?.1))))
    }

    /// Deletes the log rows older than the retention (relative to `now`) and returns how many.
    /// Rows go oldest first, up to the first row still within retention; if a caller's clock went
    /// backwards, an old-looking row behind a recent one waits for a later trim (no holes in the log).
    pub fn trim_log(&self, now: Timestamp) -> Result<usize, StoreError> {
        let cutoff =
            Timestamp(now.0.saturating_sub(
                u64::try_from(self.inner.retention.as_millis()).unwrap_or(u64::MAX),
            ));
        let trimmed = self.write(|conn| {
            let tx = conn
                .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
                .db()?;
            let first_kept: Option<i64> = tx
                .query_row(
                    "SELECT MIN(seq) FROM change_log WHERE time >= ?1",
                    params![ts_sql(cutoff)?],
                    |r| r.get(0),
                )
                .optional()
                .db()?
                .flatten();
            let (last, already) = log_state(&tx)?;
            let upto = first_kept.map_or(last, |s| s - 1);
            if upto <= already {
                return Ok(0);
            }
            tx.execute(
                "UPDATE accounts SET log_floor = MAX(log_floor, COALESCE( \
                     (SELECT MAX(change_id) FROM change_log c WHERE c.account = accounts.key AND c.seq <= ?1), 0)) \
                 WHERE key IN (SELECT DISTINCT account FROM change_log WHERE seq <= ?1)",
                params![upto],
            )
            .db()?;
            let n = tx
                .execute("DELETE FROM change_log WHERE seq <= ?1", params![upto])
                .db()?;
            tx.execute(
                "UPDATE log_state SET trimmed_through = ?1 WHERE id = 1",
                params![upto],
            )
            .db()?;
            tx.commit().db()?;
            Ok(n)
        })?;
        tracing::info!(rows = trimmed, cutoff_ms = cutoff.0, "change log trimmed");
        Ok(trimmed)
    }
}
