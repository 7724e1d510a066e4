//! When the WAL is copied back into the database file: the writer's WAL hook counts commits and frames,
//! and a background thread checkpoints once the writer has gone quiet, or while it stays busy once the WAL
//! passes a size bound. What does not belong here: opening connections (`store.rs`).
//!
//! Why not every 100 ms, as before: a checkpoint copies every page the WAL holds and fsyncs, which on a
//! two-core box competes with the very burst of commits it follows (an initial sync commits every 10–15 ms
//! and rewrites the same index pages each time). Checkpointing after the burst copies each page once, and
//! the burst ends sooner: the 10k-message initial sync in `bench/sync` took about 4 % less wall time. The
//! busy bound keeps the WAL (disk use, readers' WAL-index lookups, crash recovery) at tens of MB however
//! long a burst lasts, and the hook's own checkpoint at twice that bound is a safety net should this thread
//! fall behind.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use rusqlite::wal::CheckpointMode;

use crate::StoreError;
use crate::error::DbExt;

/// How often the checkpointer looks at the writer's activity.
const TICK: Duration = Duration::from_millis(50);

/// When a checkpoint is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Policy {
    /// No commit for this long: the writer is quiet.
    pub quiet: Duration,
    /// WAL frames after which a busy writer's WAL is checkpointed anyway.
    pub busy_frames: u64,
}

/// Largest WAL a busy writer lets grow before the background checkpoint runs anyway.
const BUSY_WAL_BYTES: u64 = 64 << 20;

impl Policy {
    /// The policy for a store of `page_size`-byte pages (one WAL frame per page).
    pub(crate) fn for_page_size(page_size: u64) -> Self {
        Self {
            quiet: Duration::from_millis(100),
            busy_frames: BUSY_WAL_BYTES / page_size.max(512),
        }
    }

    /// Whether to checkpoint now, given what changed since the last complete checkpoint.
    pub(crate) fn due(&self, seen: Observed) -> bool {
        seen.new_commits > 0 && (seen.quiet_for >= self.quiet || seen.frames >= self.busy_frames)
    }
}

/// What the checkpointer observes on a tick.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Observed {
    /// Commits since the last complete checkpoint.
    pub new_commits: u64,
    /// Frames in the WAL after the latest commit.
    pub frames: u64,
    /// Time since the latest commit.
    pub quiet_for: Duration,
}

/// The store's clock, read only as time elapsed since this instant (`WalActivity`): how long the writer
/// has been quiet is a fact about this process, not about mail, so no caller's clock is involved (and
/// none could be injected into SQLite's hook).
#[allow(clippy::disallowed_methods)]
fn monotonic_now() -> Instant {
    Instant::now()
}

/// The writer's commits as its WAL hook reports them.
#[derive(Debug)]
pub(crate) struct WalActivity {
    base: Instant,
    commits: AtomicU64,
    frames: AtomicU64,
    /// Milliseconds after `base` of the latest commit.
    last_commit_ms: AtomicU64,
}

impl WalActivity {
    fn new() -> Self {
        Self {
            base: monotonic_now(),
            commits: AtomicU64::new(0),
            frames: AtomicU64::new(0),
            last_commit_ms: AtomicU64::new(0),
        }
    }

    fn elapsed_ms(&self) -> u64 {
        u64::try_from(self.base.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn record_commit(&self, frames: u64) {
        self.frames.store(frames, Ordering::Relaxed);
        self.last_commit_ms
            .store(self.elapsed_ms(), Ordering::Relaxed);
        self.commits.fetch_add(1, Ordering::Release);
    }

    /// Commits so far.
    pub(crate) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Acquire)
    }

    fn observe(&self, checkpointed_commits: u64) -> Observed {
        let last = self.last_commit_ms.load(Ordering::Relaxed);
        Observed {
            new_commits: self.commits().saturating_sub(checkpointed_commits),
            frames: self.frames.load(Ordering::Relaxed),
            quiet_for: Duration::from_millis(self.elapsed_ms().saturating_sub(last)),
        }
    }
}

/// Installs the WAL hook on the writer (it replaces SQLite's own autocheckpoint, which is a WAL hook too)
/// and returns the activity it records.
pub(crate) fn watch_writer(
    writer: &mut Connection,
    policy: Policy,
) -> Result<Arc<WalActivity>, StoreError> {
    let activity = Arc::new(WalActivity::new());
    let recorder = Arc::clone(&activity);
    let safety_net = policy.busy_frames.saturating_mul(2);
    writer
        .wal_hook(Some(move |wal: &mut rusqlite::hooks::Wal, pages| {
            let frames = u64::try_from(pages).unwrap_or(0);
            recorder.record_commit(frames);
            if frames >= safety_net {
                // The commit itself succeeded; a checkpoint readers block is simply tried again later.
                let _ = wal.checkpoint_v2(CheckpointMode::PASSIVE);
            }
            Ok(())
        }))
        .db()?;
    Ok(activity)
}

/// A PASSIVE checkpoint: (frames in the WAL, frames copied), -1 each when it could not run. Through the
/// pragma rather than `sqlite3_wal_checkpoint_v2`, which answers -1 on a connection that has not read the
/// schema yet (it does not know the file is in WAL mode).
fn passive_checkpoint(conn: &Connection) -> rusqlite::Result<(i64, i64)> {
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
        Ok((r.get(1)?, r.get(2)?))
    })
}

/// Checkpoints `conn`'s database whenever `policy` says so, until the store is dropped.
pub(crate) fn spawn<T: Send + Sync + 'static>(
    conn: Connection,
    activity: Arc<WalActivity>,
    policy: Policy,
    store: Weak<T>,
) -> Result<(), StoreError> {
    std::thread::Builder::new()
        .name("store-checkpoint".into())
        .spawn(move || {
            let mut checkpointed_commits = 0;
            while store.strong_count() > 0 {
                std::thread::sleep(TICK);
                let commits = activity.commits();
                if !policy.due(activity.observe(checkpointed_commits)) {
                    continue;
                }
                match passive_checkpoint(&conn) {
                    // Every frame copied: nothing to do until the next commit. Frames a reader still
                    // needs stay, and the next tick tries again.
                    Ok((log, done)) if log >= 0 && done >= log => checkpointed_commits = commits,
                    Ok(_) => {}
                    Err(e) => tracing::debug!(%e, "background checkpoint skipped"),
                }
            }
        })
        .map(drop)
        .map_err(|e| StoreError::Backend(format!("starting the checkpoint thread: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(new_commits: u64, frames: u64, quiet_ms: u64) -> Observed {
        Observed {
            new_commits,
            frames,
            quiet_for: Duration::from_millis(quiet_ms),
        }
    }

    #[test]
    fn waits_for_a_quiet_writer_or_a_large_wal() {
        let p = Policy::for_page_size(8192);
        assert_eq!(p.busy_frames, 8192);
        // A burst of commits 10 ms apart with a small WAL: no checkpoint yet.
        assert!(!p.due(seen(20, 5000, 10)));
        // The burst ended.
        assert!(p.due(seen(20, 5000, 100)));
        // Still busy, but the WAL reached the bound.
        assert!(p.due(seen(40, 8192, 5)));
        // Nothing committed since the last complete checkpoint: nothing to copy.
        assert!(!p.due(seen(0, 9000, 10_000)));
    }

    #[test]
    fn the_bound_is_in_bytes_whatever_the_page_size() {
        assert_eq!(Policy::for_page_size(4096).busy_frames, 16384);
        assert_eq!(Policy::for_page_size(65536).busy_frames, 1024);
        assert_eq!(Policy::for_page_size(0).busy_frames, BUSY_WAL_BYTES / 512);
    }

    #[test]
    fn the_hook_counts_commits_and_the_thread_checkpoints_once_quiet() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.sqlite");
        let mut writer = Connection::open(&path).unwrap();
        writer.pragma_update(None, "journal_mode", "WAL").unwrap();
        let policy = Policy {
            quiet: Duration::from_millis(20),
            busy_frames: 1 << 40,
        };
        let activity = watch_writer(&mut writer, policy).unwrap();
        writer
            .execute_batch(
                "CREATE TABLE t (v TEXT); INSERT INTO t VALUES ('a'); INSERT INTO t VALUES ('b');",
            )
            .unwrap();
        assert_eq!(activity.commits(), 3);
        assert!(activity.observe(0).frames > 0);
        // Until a checkpoint, the rows live in the WAL only: the main file holds the header page.
        let size = || std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
        let before = size();
        let alive = Arc::new(());
        spawn(
            Connection::open(&path).unwrap(),
            Arc::clone(&activity),
            policy,
            Arc::downgrade(&alive),
        )
        .unwrap();
        // Bounded wait: the thread checkpoints within a few ticks of the writer going quiet, copying the
        // table's page into the main file.
        for _ in 0..1000 {
            if size() > before {
                break;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        assert!(
            size() > before,
            "no checkpoint: main file still {before} bytes"
        );
    }
}
