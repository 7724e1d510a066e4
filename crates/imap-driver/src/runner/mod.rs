//! The loop that drives one `AccountSync`: executes its actions (connect, send, store, disconnect), feeds
//! it responses, timer wake-ups and control requests, and reports progress. Shared by the long-running
//! worker and the one-shot `sync_once`. Map: this file holds the state, the event loop and the hand-off of
//! batches to the background committer (`crate::commits`); `imap` the connection side.

use std::collections::VecDeque;
use std::time::Duration;

use inboxd_imap_sync::wire::Response;
use inboxd_imap_sync::{AccountSync, Action, Batch, Input};
use inboxd_model::{AccountId, ItemId};
use inboxd_store::{ImapSource, Store};

use crate::clock::now;
use crate::commits::{CommitOutcome, Commits};
use crate::config::{ProgressEvent, SyncConfig, SyncSummary};
use crate::ops;
use crate::persist::{self, Mirror};
use crate::{ConnectOptions, Connection, DriverError};

mod imap;

use imap::read_only;

/// What woke the loop.
pub(crate) enum Event {
    Response(Result<Response, DriverError>),
    Timer,
    Control(Control),
    /// The store commit running in the background finished.
    Committed(CommitOutcome),
}

/// Requests from a worker handle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Control {
    SyncNow,
    /// Fetch the body of this store message (`WorkerHandle::fetch_body`).
    FetchBody(ItemId),
    Shutdown,
}

/// One account's engine, connection and store mirror.
pub(crate) struct Runner {
    store: Store,
    account: AccountId,
    source: ImapSource,
    opts: ConnectOptions,
    engine: AccountSync,
    mirror: Mirror,
    conn: Option<Connection>,
    tags: u64,
    /// Segments of the command in flight still waiting for the server's `+`.
    pending: VecDeque<Vec<u8>>,
    inflight: Option<String>,
    /// The command in flight is IDLE (DONE not sent yet): the server owes no reply until something changes.
    idling: bool,
    /// Mailbox of a SELECT/EXAMINE in flight and the EXISTS seen for it.
    opening: Option<(String, u32)>,
    /// A LOGIN/AUTHENTICATE is in flight (its refusal becomes `DriverError::Auth`).
    logging_in: bool,
    pub(crate) summary: SyncSummary,
    /// The error of the current connection attempt or session; cleared by a successful login.
    pub(crate) last_error: Option<DriverError>,
    progress: Box<dyn Fn(ProgressEvent) + Send>,
    /// Client-op rows fed to the engine, deleted by the next commit (`ops::ack`).
    acks: Vec<(String, String)>,
    /// Consecutive failed store commits (a persistent store failure must not spin).
    store_failures: u32,
    /// Batches being committed on the blocking pool while the engine goes on; a running commit holds the
    /// mirror until it is settled.
    commits: Commits,
}

impl Runner {
    /// Loads the account's source and persisted engine state.
    pub(crate) async fn new(
        store: Store,
        account: AccountId,
        config: &SyncConfig,
        progress: Box<dyn Fn(ProgressEvent) + Send>,
    ) -> Result<Runner, DriverError> {
        let (st, acct) = (store.clone(), account.clone());
        let (source, snap, mirror) = blocking(move || {
            let a = st
                .account(&acct)?
                .ok_or(inboxd_store::StoreError::NoSuchAccount)?;
            if let Some(src) = &a.imap {
                // State built from another mailbox must not be resumed against this one.
                persist::check_source(&st, &acct, src, now())?;
            }
            let (snap, mirror) = persist::load(&st, &acct)?;
            Ok((a.imap, snap, mirror))
        })
        .await?;
        let source =
            source.ok_or_else(|| DriverError::Config("account has no IMAP source".into()))?;
        let commits = Commits::new(store.clone(), account.clone());
        let mut engine = AccountSync::new(config.engine(&source));
        engine.handle(Input::Restored(snap), now());
        let mut runner = Runner {
            store,
            account,
            source,
            opts: config.connect.clone(),
            engine,
            mirror,
            conn: None,
            tags: 0,
            pending: VecDeque::new(),
            inflight: None,
            idling: false,
            opening: None,
            logging_in: false,
            summary: SyncSummary::default(),
            last_error: None,
            progress,
            store_failures: 0,
            acks: Vec::new(),
            commits,
        };
        runner.pick_up_ops().await?;
        Ok(runner)
    }

    /// Feeds the client ops waiting in the store to the engine (at start and on every wake-up).
    async fn pick_up_ops(&mut self) -> Result<(), DriverError> {
        // Reads the mirror, which a background commit may hold.
        self.settle().await?;
        let (st, acct) = (self.store.clone(), self.account.clone());
        let rows = blocking(move || ops::pending(&st, &acct)).await?;
        let fresh: Vec<(String, String)> = rows
            .into_iter()
            .filter(|r| !self.acks.contains(r))
            .collect();
        if fresh.is_empty() {
            return Ok(());
        }
        let (messages, folders) = ops::pick_up(&fresh, &self.mirror);
        self.acks.extend(fresh);
        if !folders.is_empty() {
            self.feed(Input::FolderOps(folders));
        }
        if !messages.is_empty() {
            self.feed(Input::Ops(messages));
        }
        Ok(())
    }

    pub(crate) fn is_connected(&self) -> bool {
        self.conn.is_some()
    }

    /// Offline with nothing scheduled: the engine stopped (e.g. after a refused login).
    pub(crate) fn is_stopped(&self) -> bool {
        self.conn.is_none() && self.engine.poll_timeout().is_none()
    }

    /// Connected, nothing in flight, nothing queued, everything committed, and the engine only waits for
    /// its next cycle.
    pub(crate) fn cycle_done(&self) -> bool {
        self.conn.is_some()
            && self.inflight.is_none()
            && self.commits.is_idle()
            && self.engine.poll_timeout().is_some_and(|t| t > now())
    }

    pub(crate) fn feed(&mut self, input: Input) {
        self.engine.handle(input, now());
    }

    /// Executes every queued action. Store failures past a few retries are returned.
    pub(crate) async fn run_actions(&mut self) -> Result<(), DriverError> {
        while let Some(action) = self.engine.poll_action() {
            match action {
                Action::Connect => self.connect().await,
                Action::Send(cmd) => {
                    if !read_only(&cmd) {
                        // The engine orders a batch before a command that changes the server (e.g. the
                        // copied-marker before COPY): that batch must be durable before the command goes.
                        self.settle().await?;
                    }
                    self.send(cmd).await;
                }
                Action::Store(batch) => self.commit(batch),
                Action::Disconnect => {
                    if let Some(c) = self.conn.take() {
                        drop(c);
                        self.reset_inflight();
                        self.feed(Input::Disconnected);
                    }
                }
            }
        }
        if !self.acks.is_empty() {
            // Client ops that produced no batch: acknowledge them on their own.
            ops::ack_alone(&self.store, &self.account, std::mem::take(&mut self.acks)).await?;
        }
        Ok(())
    }

    /// Hands `batch` to the background committer and returns: the engine parses the next replies while SQLite
    /// writes. Commits stay in order and the engine hears `BatchApplied` only once its batch is durable.
    fn commit(&mut self, batch: Batch) {
        self.commits.push(batch, std::mem::take(&mut self.acks));
        if !self.commits.is_running() {
            self.commits.start(std::mem::take(&mut self.mirror));
        }
    }

    /// Waits until every batch handed over is committed, and tells the engine.
    pub(crate) async fn settle(&mut self) -> Result<(), DriverError> {
        // Bounded: each round commits what was queued before it, and nothing queues meanwhile.
        while self.commits.is_running() {
            let outcome = self.commits.finished().await;
            self.committed(outcome).await?;
        }
        Ok(())
    }

    async fn committed(&mut self, outcome: CommitOutcome) -> Result<(), DriverError> {
        let CommitOutcome {
            seq,
            folders_changed,
            result,
        } = outcome;
        match result? {
            (Ok(committed), mirror) => {
                self.mirror = mirror;
                if self.commits.has_queued() {
                    self.commits.start(std::mem::take(&mut self.mirror));
                }
                self.store_failures = 0;
                self.summary.add(&committed.value);
                (self.progress)(ProgressEvent::Stored(committed.value));
                self.feed(Input::BatchApplied { seq });
                if folders_changed {
                    // A folder the client created may be mirrored now: moves into it can go out.
                    Box::pin(self.pick_up_ops()).await?;
                }
                Ok(())
            }
            (Err(e), _) => {
                // The transaction rolled back: restart the engine from what the store really holds.
                tracing::error!(account = %self.account, %e, "store commit failed; restoring sync state");
                self.store_failures += 1;
                if self.store_failures > 3 {
                    return Err(DriverError::Store(e.to_string()));
                }
                // Batches queued behind the failed one built on it: the restored engine redoes their work.
                self.commits.clear_queue();
                let (st, acct) = (self.store.clone(), self.account.clone());
                let (snap, mirror) = blocking(move || persist::load(&st, &acct)).await?;
                self.mirror = mirror;
                self.conn = None;
                self.reset_inflight();
                self.feed(Input::Restored(snap));
                self.last_error = Some(DriverError::Store(e.to_string()));
                Ok(())
            }
        }
    }

    /// Waits for the next response, timer or control message.
    pub(crate) async fn next_event(
        &mut self,
        control: Option<&mut tokio::sync::mpsc::Receiver<Control>>,
    ) -> Event {
        let sleep = self
            .engine
            .poll_timeout()
            .map(|t| Duration::from_millis(t.0.saturating_sub(now().0)));
        // Silence is an error only while the server owes a reply (see `Connection::next_response`).
        let awaiting_reply = self.inflight.is_some() && !self.idling;
        let conn = self.conn.as_mut();
        let commits = &mut self.commits;
        tokio::select! {
            outcome = commits.finished() => Event::Committed(outcome),
            r = async { match conn { Some(c) => c.next_response(awaiting_reply).await, None => std::future::pending().await } } => {
                Event::Response(r)
            }
            _ = async { match sleep { Some(d) => tokio::time::sleep(d).await, None => std::future::pending().await } } => {
                Event::Timer
            }
            c = async { match control { Some(rx) => rx.recv().await, None => std::future::pending().await } } => {
                Event::Control(c.unwrap_or(Control::Shutdown))
            }
        }
    }

    /// Handles one event. Only a persistent store failure is returned.
    pub(crate) async fn on_event(&mut self, ev: Event) -> Result<(), DriverError> {
        match ev {
            Event::Committed(outcome) => return self.committed(outcome).await,
            Event::Response(Ok(r)) => self.on_response(r).await,
            Event::Response(Err(e)) => self.lost(e),
            Event::Timer => self.feed(Input::Timer),
            Event::Control(Control::SyncNow) => {
                if let Err(e) = self.pick_up_ops().await {
                    tracing::warn!(account = %self.account, %e, "cannot load client ops");
                }
                self.feed(Input::SyncNow);
            }
            Event::Control(Control::FetchBody(item)) => {
                // Looks the message up in the mirror, which a background commit may hold.
                self.settle().await?;
                self.fetch_body(item);
            }
            Event::Control(Control::Shutdown) => self.feed(Input::Shutdown),
        }
        Ok(())
    }

    /// Asks the engine for the body of a mirrored store message; unknown ids (local-only, deleted) are ignored.
    fn fetch_body(&mut self, item: ItemId) {
        let umid = self
            .mirror
            .messages
            .iter()
            .find_map(|(umid, i)| (*i == item).then_some(*umid));
        match umid {
            Some(umid) => self.feed(Input::FetchBody { umid }),
            None => {
                tracing::debug!(account = %self.account, %item, "body requested for an unmirrored message")
            }
        }
    }
}

/// Runs blocking store work off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, inboxd_store::StoreError> + Send + 'static,
) -> Result<T, DriverError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| DriverError::Store(format!("store task failed: {e}")))?
        .map_err(|e| DriverError::Store(e.to_string()))
}
