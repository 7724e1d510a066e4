//! Long-running per-account workers: a tokio task that keeps one account in sync (poll every
//! `poll_interval`, reconnect with backoff), controlled through a [`WorkerHandle`] (sync now, fetch a body,
//! status, shutdown).

use inboxd_model::{AccountId, ItemId};
use inboxd_store::Store;
use tokio::sync::{mpsc, oneshot, watch};

use crate::DriverError;
use crate::config::{ProgressEvent, SyncConfig, SyncSummary};
use crate::runner::{Control, Event, Runner};
use crate::thread::{join, spawn_session};

/// What a worker reports about itself.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkerStatus {
    pub connected: bool,
    /// Totals since the worker started.
    pub summary: SyncSummary,
    /// The current trouble: the last connection, login or store error since the last successful login.
    pub last_error: Option<String>,
    /// Set when the worker stopped (shutdown or fatal error).
    pub stopped: bool,
}

/// Controls a running worker. Dropping the handle shuts the worker down.
#[derive(Debug)]
pub struct WorkerHandle {
    control: mpsc::Sender<Control>,
    status: watch::Receiver<WorkerStatus>,
    done: Option<oneshot::Receiver<Result<(), DriverError>>>,
}

impl WorkerHandle {
    /// Starts a sync cycle now (no-op if one is running).
    pub fn sync_now(&self) {
        let _ = self.control.try_send(Control::SyncNow);
    }

    /// Asks the worker to fetch the body of store message `msg` (parts land in the store; read them with
    /// [`crate::stored_body`]). Best effort: ignored when the worker is busy with a full queue, offline until it
    /// reconnects, or `msg` is not a mirrored message.
    pub fn fetch_body(&self, msg: ItemId) {
        let _ = self.control.try_send(Control::FetchBody(msg));
    }

    /// The latest status.
    pub fn status(&self) -> WorkerStatus {
        self.status.borrow().clone()
    }

    /// A receiver that sees every status change (for waiting on progress).
    pub fn watch(&self) -> watch::Receiver<WorkerStatus> {
        self.status.clone()
    }

    /// Logs out and stops the worker; returns its fatal error, if it had one.
    pub async fn shutdown(mut self) -> Result<(), DriverError> {
        let _ = self.control.send(Control::Shutdown).await;
        match self.done.take() {
            Some(done) => join(done).await,
            None => Ok(()),
        }
    }
}

impl Drop for WorkerHandle {
    fn drop(&mut self) {
        let _ = self.control.try_send(Control::Shutdown);
    }
}

/// Spawns the worker for `account`. It loads the account's IMAP source and sync state from the store, syncs
/// now, then every `config.poll_interval`, reconnecting with backoff after failures.
///
/// Each worker is a task on the IMAP sessions' own runtime (see `thread.rs`); this needs no ambient runtime,
/// so it may be called from sync or async code.
pub fn spawn_worker(store: Store, account: AccountId, config: SyncConfig) -> WorkerHandle {
    let (tx, rx) = mpsc::channel(8);
    let (status_tx, status_rx) = watch::channel(WorkerStatus::default());
    let done = spawn_session(format!("imap-{account}"), move || {
        run(store, account, config, rx, status_tx)
    });
    WorkerHandle {
        control: tx,
        status: status_rx,
        done: Some(done),
    }
}

async fn run(
    store: Store,
    account: AccountId,
    config: SyncConfig,
    mut control: mpsc::Receiver<Control>,
    status: watch::Sender<WorkerStatus>,
) -> Result<(), DriverError> {
    let result = drive(store, account.clone(), &config, &mut control, &status).await;
    if let Err(e) = &result {
        tracing::error!(%account, %e, "IMAP worker stopped");
    }
    status.send_modify(|s| {
        s.stopped = true;
        s.connected = false;
        if let Err(e) = &result {
            s.last_error = Some(e.to_string());
        }
    });
    result
}

async fn drive(
    store: Store,
    account: AccountId,
    config: &SyncConfig,
    control: &mut mpsc::Receiver<Control>,
    status: &watch::Sender<WorkerStatus>,
) -> Result<(), DriverError> {
    let progress = |_: ProgressEvent| {};
    let mut runner = Runner::new(store, account, config, Box::new(progress)).await?;
    let mut shutting_down: Option<tokio::time::Instant> = None;
    loop {
        runner.run_actions().await?;
        publish(&mut runner, status);
        if let Some(since) = shutting_down
            && (!runner.is_connected() || since.elapsed() > config.connect.timeout)
        {
            return runner.settle().await;
        }
        let ev = runner.next_event(Some(control)).await;
        if matches!(ev, Event::Control(Control::Shutdown)) {
            if shutting_down.is_some() {
                continue;
            }
            shutting_down = Some(tokio::time::Instant::now());
            if !runner.is_connected() {
                return runner.settle().await;
            }
        }
        runner.on_event(ev).await?;
    }
}

fn publish(runner: &mut Runner, status: &watch::Sender<WorkerStatus>) {
    let connected = runner.is_connected();
    let err = runner.last_error.as_ref().map(ToString::to_string);
    status.send_if_modified(|s| {
        let changed =
            s.connected != connected || s.summary != runner.summary || s.last_error != err;
        s.connected = connected;
        s.summary = runner.summary.clone();
        s.last_error = err;
        changed
    });
}
