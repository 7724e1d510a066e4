//! The `Store` handle: opening the file, connections, and change-event subscribers.
//!
//! Connection model: one writer connection behind a `Mutex` (every write, including the whole commit
//! path and event publishing, holds it, which is what orders commit seqs and events), plus a pool of
//! reader connections. A read takes an idle reader (or opens one), runs in one read transaction (a
//! consistent WAL snapshot), and returns the connection to the pool if fewer than
//! `MAX_IDLE_READERS` are idle. Operations live in `accounts.rs`, `commit.rs`, `reads.rs` and `log.rs`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use inboxd_model::ChangeEvent;
use rusqlite::{Connection, OpenFlags};

use crate::StoreError;
use crate::checkpoint;
use crate::error::DbExt;
use crate::migrations;

/// The database file name inside the store directory.
pub const DB_FILE_NAME: &str = "inboxd.sqlite";

const MAX_IDLE_READERS: usize = 4;
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// Store settings.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    /// How long change-log rows are kept by `Store::trim_log` (default 7 days).
    pub retention: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            retention: Duration::from_secs(7 * 24 * 60 * 60),
        }
    }
}

/// The embedded store. Cheap to clone (one `Arc`); all methods block and are safe from any thread.
#[derive(Clone)]
pub struct Store {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    path: PathBuf,
    pub(crate) retention: Duration,
    writer: Mutex<Connection>,
    readers: Mutex<Vec<Connection>>,
    subscribers: Mutex<Vec<Sender<ChangeEvent>>>,
}

impl fmt::Debug for Store {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

/// A poisoned lock only means another thread panicked mid-operation; SQLite rolled its transaction
/// back, so the connection is still usable.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The writer's page cache, in KiB (SQLite's negative `cache_size`).
const WRITER_CACHE_KIB: i64 = -32 * 1024;

/// Page size of a newly created store file, in bytes (see `Store::open`).
const PAGE_SIZE: i64 = 8192;

/// Prepared statements the writer keeps (see `Store::open`).
const WRITER_STATEMENT_CACHE: usize = 64;

fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .db()?;
    conn.busy_timeout(BUSY_TIMEOUT).db()?;
    conn.pragma_update(None, "foreign_keys", true).db()?;
    // WAL + NORMAL: a power loss may drop the last commits but never corrupts the file. Tokens
    // newer than the surviving change id then get MustResync, which is the right answer.
    conn.pragma_update(None, "synchronous", "NORMAL").db()?;
    Ok(conn)
}

impl Store {
    /// Opens (creating if needed) `dir/inboxd.sqlite`, switches it to WAL and runs migrations.
    /// A file from a newer build gives [`StoreError::SchemaTooNew`].
    pub fn open(dir: &Path, opts: StoreOptions) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| StoreError::Backend(format!("creating {}: {e}", dir.display())))?;
        let path = dir.join(DB_FILE_NAME);
        let mut writer = open_connection(&path)?;
        // Without the query-planner stability guarantee SQLite re-prepares a statement whenever a bound
        // value changes if the planner compared that parameter against a partial index's condition
        // (`messages_uid ... WHERE imap_uid IS NOT NULL`): every UID lookup in the sync's write path paid
        // a full re-prepare. The writer's statements do not need value-dependent plans.
        writer
            .set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
                true,
            )
            .db()?;
        // A sync batch of a few hundred messages dirties more pages (rows, seven message indexes, engine
        // records) than SQLite's default 2 MB cache holds; past it, SQLite spills dirty pages to the WAL
        // mid-transaction and writes them again at commit. 32 MB (a bound, not an allocation) avoids that.
        writer
            .pragma_update(None, "cache_size", WRITER_CACHE_KIB)
            .db()?;
        // rusqlite's statement cache is an LRU of 16 by default; a sync transaction cycles through about
        // that many distinct statements per message (item lookups, updates, engine records), and an LRU
        // cycled by one more statement than it holds misses every time (a full prepare each call).
        writer.set_prepared_statement_cache_capacity(WRITER_STATEMENT_CACHE);
        // 8 KiB pages for a new file (an existing one keeps its size): a message row is 1–2 KB on list mail
        // (address lists), and each page a commit dirties is one WAL frame, one `pwrite` and one checksum.
        // Against 4 KiB this cut the initial sync's CPU by about 9 % (bench/sync) with no cost to reads.
        writer.pragma_update(None, "page_size", PAGE_SIZE).db()?;
        let mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .db()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Backend(format!(
                "journal_mode is {mode}, not wal"
            )));
        }
        migrations::migrate_to(&mut writer, migrations::latest_version())?;
        // Checkpoints run on a background connection (`checkpoint`), so no commit waits for one (with
        // synchronous=NORMAL a checkpoint fsyncs inside the commit that triggers it: tens of ms on disk, and
        // every commit queued behind it waits), and only once a burst of commits is over.
        let page_size: i64 = writer
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .db()?;
        let policy = checkpoint::Policy::for_page_size(u64::try_from(page_size).unwrap_or(4096));
        let activity = checkpoint::watch_writer(&mut writer, policy)?;
        let checkpointer = open_connection(&path)?;
        let inner = Arc::new(Inner {
            path,
            retention: opts.retention,
            writer: Mutex::new(writer),
            readers: Mutex::new(Vec::new()),
            subscribers: Mutex::new(Vec::new()),
        });
        checkpoint::spawn(checkpointer, activity, policy, Arc::downgrade(&inner))?;
        Ok(Store { inner })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Change-log retention used by `trim_log`.
    pub fn retention(&self) -> Duration {
        self.inner.retention
    }

    /// Registers a change-event receiver. Every commit that touched something after this call sends
    /// one event, after its SQLite commit succeeded, in commit-seq order. The channel is unbounded
    /// and never blocks the writer; drop the receiver to unsubscribe.
    pub fn subscribe(&self) -> Receiver<ChangeEvent> {
        let (tx, rx) = mpsc::channel();
        lock(&self.inner.subscribers).push(tx);
        rx
    }

    /// Sends to every live subscriber; called with the writer lock held so events keep commit order.
    pub(crate) fn publish(&self, event: &ChangeEvent) {
        lock(&self.inner.subscribers).retain(|s| s.send(event.clone()).is_ok());
    }

    /// Runs `f` with the writer connection (one writer at a time).
    pub(crate) fn write<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = lock(&self.inner.writer);
        f(&mut conn)
    }

    /// Runs `f` on a reader connection inside one read transaction (a consistent snapshot).
    pub(crate) fn read<T>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let pooled = lock(&self.inner.readers).pop();
        let mut conn = match pooled {
            Some(c) => c,
            None => open_connection(&self.inner.path)?,
        };
        let result = {
            let tx = conn.transaction().db()?;
            // Dropping the read transaction rolls it back, which is all a read needs.
            f(&tx)
        };
        let mut idle = lock(&self.inner.readers);
        if idle.len() < MAX_IDLE_READERS {
            idle.push(conn);
        }
        result
    }
}
