//! Store commits of engine batches, off the engine's thread: one commit runs on the blocking pool at a time;
//! batches that arrive meanwhile queue up and go together in the next commit, in order.
//!
//! Why: a sync is CPU-bound on three fronts (the IMAP server, the engine threading headers, SQLite writing
//! rows and indexes). Running the commit beside the engine overlaps the last two, and letting batches queue
//! while SQLite is busy means the engine never waits for the store, while the store writes fewer, larger
//! transactions (each commit rewrites the index pages it touched) exactly when it is the bottleneck. What does
//! not belong here: what a batch means in the store (`persist`), when a batch must be durable (`runner`).

use inboxd_imap_sync::Batch;
use inboxd_model::AccountId;
use inboxd_store::{Committed, Store, StoreError};

use crate::DriverError;
use crate::clock::now;
use crate::ops;
use crate::persist::{self, ApplyStats, Mirror};

/// A finished commit: the last batch's seq, whether any batch touched folders, and the store's answer with
/// the mirror handed back.
pub(crate) struct CommitOutcome {
    pub seq: u64,
    pub folders_changed: bool,
    pub result: Result<(Result<Committed<ApplyStats>, StoreError>, Mirror), DriverError>,
}

/// The running commit and the batches queued behind it.
pub(crate) struct Commits {
    store: Store,
    account: AccountId,
    running: Option<tokio::task::JoinHandle<CommitOutcome>>,
    /// Batches waiting for the next commit. Their rows are encoded by the commit, on its thread: the
    /// engine's thread is what an initial sync waits for (it reads and threads the next chunk meanwhile).
    queued: Vec<Batch>,
    /// Client-op rows the queued batches acknowledge (deleted in the same commit).
    acks: Vec<(String, String)>,
}

impl Commits {
    pub(crate) fn new(store: Store, account: AccountId) -> Self {
        Self {
            store,
            account,
            running: None,
            queued: Vec::new(),
            acks: Vec::new(),
        }
    }

    /// Nothing running, nothing queued.
    pub(crate) fn is_idle(&self) -> bool {
        self.running.is_none() && self.queued.is_empty()
    }

    pub(crate) fn is_running(&self) -> bool {
        self.running.is_some()
    }

    pub(crate) fn has_queued(&self) -> bool {
        !self.queued.is_empty()
    }

    /// Queues a batch and the client-op rows it acknowledges.
    pub(crate) fn push(&mut self, batch: Batch, acks: Vec<(String, String)>) {
        self.queued.push(batch);
        self.acks.extend(acks);
    }

    /// Starts committing everything queued, in one transaction, with the mirror (given back in the outcome).
    pub(crate) fn start(&mut self, mut mirror: Mirror) {
        let batches = std::mem::take(&mut self.queued);
        let acks = std::mem::take(&mut self.acks);
        let (store, account, when) = (self.store.clone(), self.account.clone(), now());
        let seq = batches.last().map_or(0, |b| b.seq);
        let folders_changed = batches.iter().any(|b| !b.folders.is_empty());
        self.running = Some(tokio::task::spawn_blocking(move || {
            tracing::trace!(n = batches.len(), "commit start");
            let r = store.commit(&account, when, |txn| {
                let mut stats = ApplyStats::default();
                for batch in &batches {
                    stats.add(&persist::apply(txn, batch, &mut mirror)?);
                }
                ops::ack(txn, &acks)?;
                Ok(stats)
            });
            // The batches are big (header fields of hundreds of messages): free them here, off the engine's
            // thread.
            drop(batches);
            tracing::trace!("commit end");
            CommitOutcome {
                seq,
                folders_changed,
                result: Ok((r, mirror)),
            }
        }));
    }

    /// Waits for the running commit (forever when none runs: for `select!`).
    pub(crate) async fn finished(&mut self) -> CommitOutcome {
        let Some(task) = self.running.as_mut() else {
            return std::future::pending().await;
        };
        let outcome = task.await;
        self.running = None;
        outcome.unwrap_or_else(|e| CommitOutcome {
            seq: 0,
            folders_changed: false,
            result: Err(DriverError::Store(format!("store task failed: {e}"))),
        })
    }

    /// Drops what is queued (the engine is being restored from the store).
    pub(crate) fn clear_queue(&mut self) {
        self.queued.clear();
        self.acks.clear();
    }
}
