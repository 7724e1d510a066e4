//! One-shot operations for the CLI: check credentials, and run a single sync cycle to completion.

use std::time::Duration;

use inboxd_model::AccountId;
use inboxd_store::{ImapSource, Store};

use crate::config::{ProgressEvent, SyncConfig, SyncSummary};
use crate::runner::{Control, Runner};
use crate::thread::{join, spawn_session};
use crate::{ConnectOptions, Connection, DriverError};

/// Connects, logs in and logs out (for `inboxd account add`): `Auth` for bad credentials, `Tls` for
/// certificate problems, `Io`/`Timeout` for unreachable servers.
pub async fn verify_login(source: &ImapSource) -> Result<(), DriverError> {
    verify_login_with(source, &ConnectOptions::default()).await
}

/// [`verify_login`] with explicit trust, plaintext policy and timeout.
pub async fn verify_login_with(
    source: &ImapSource,
    opts: &ConnectOptions,
) -> Result<(), DriverError> {
    let conn = Connection::connect(source, opts).await?;
    conn.logout().await;
    Ok(())
}

/// Runs one full sync cycle of `account` (folder list, every folder refreshed and grown, messages fetched,
/// all committed to the store), then logs out. Connection errors end it (no retries). The session runs on
/// the IMAP sessions' runtime (`thread.rs`), so the returned future is `Send`; `progress` is called from there.
pub async fn sync_once(
    store: Store,
    account: AccountId,
    progress: impl Fn(ProgressEvent) + Send + 'static,
) -> Result<SyncSummary, DriverError> {
    sync_once_with(store, account, SyncConfig::default(), progress).await
}

/// [`sync_once`] with explicit settings (tests pass their trust roots here).
pub async fn sync_once_with(
    store: Store,
    account: AccountId,
    config: SyncConfig,
    progress: impl Fn(ProgressEvent) + Send + 'static,
) -> Result<SyncSummary, DriverError> {
    let name = format!("imap-sync-{account}");
    join(spawn_session(name, move || {
        run_once(store, account, config, progress)
    }))
    .await
}

async fn run_once(
    store: Store,
    account: AccountId,
    config: SyncConfig,
    progress: impl Fn(ProgressEvent) + Send + 'static,
) -> Result<SyncSummary, DriverError> {
    let config = SyncConfig {
        use_idle: false,
        // The cycle ends when the engine schedules the next one; make that unmistakably later.
        poll_interval: config.poll_interval.max(Duration::from_secs(60)),
        ..config
    };
    let mut runner = Runner::new(store, account, &config, Box::new(progress)).await?;
    loop {
        runner.run_actions().await?;
        if runner.cycle_done() {
            break;
        }
        if !runner.is_connected() && (runner.last_error.is_some() || runner.is_stopped()) {
            return Err(runner
                .last_error
                .take()
                .unwrap_or(DriverError::Closed(None)));
        }
        let ev = runner.next_event(None).await;
        runner.on_event(ev).await?;
    }
    // Log out politely, bounded in time.
    runner
        .on_event(crate::runner::Event::Control(Control::Shutdown))
        .await?;
    let _ = tokio::time::timeout(config.connect.timeout, async {
        loop {
            if runner.run_actions().await.is_err() || !runner.is_connected() {
                break;
            }
            let ev = runner.next_event(None).await;
            if runner.on_event(ev).await.is_err() {
                break;
            }
        }
    })
    .await;
    runner.settle().await?;
    let summary = std::mem::take(&mut runner.summary);
    // Freeing the engine state of a big account takes milliseconds; the caller need not wait for it. A task
    // spawned from this one goes to this worker's LIFO slot, which other workers do not steal, so it runs on
    // this thread once the result is sent: the state is freed by the thread that allocated it (10k messages:
    // ~10 ms; ~23 ms from a blocking-pool thread, every free crossing threads in the allocator).
    tokio::spawn(async move { drop(runner) });
    Ok(summary)
}
