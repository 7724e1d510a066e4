//! The IO shell around the sans-IO engine: one `std::sync::Mutex<WaitSets>` (never held across
//! `.await`), a ticket → oneshot map for parked requests, a thread consuming the store's change events,
//! and a timer task driven by `poll_timeout`. Request parsing and response building live in the handler
//! files; engine rules live in `inboxd-waitset`.

use std::collections::HashMap;
use std::sync::mpsc::RecvTimeoutError;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};
use std::time::Duration;

use inboxd_model::{AccountId, ChangeEvent, ChangeId};
use inboxd_store::{AccountStatus, Store};
use inboxd_waitset::{
    AccountLookup, AccountState, Completion, Config, Stats, Ticket, WaitResponse, WaitSets,
};
use tokio::sync::{Notify, oneshot};

use crate::clock::Clock;
use crate::shutdown::Shutdown;

/// The timer re-checks at least this often, so a manual (test) clock that jumps is noticed.
const MAX_TIMER_SLEEP: Duration = Duration::from_millis(250);
/// Events handled per lock acquisition when many are queued.
const EVENT_BATCH: usize = 256;

/// Engine plus the senders of its parked requests; one lock so a completion never misses its sender.
pub(crate) struct State {
    pub(crate) engine: WaitSets,
    waiters: HashMap<Ticket, oneshot::Sender<WaitResponse>>,
}

impl State {
    /// Sends each completion to its waiting request; a request that went away just drops it (its data
    /// is still unacknowledged, so the client gets it again).
    pub(crate) fn deliver(&mut self, completions: Vec<Completion>) {
        if !completions.is_empty() {
            let n = u64::try_from(completions.len()).unwrap_or(u64::MAX);
            metrics::counter!("inboxd_waitset_completions_total").increment(n);
        }
        for c in completions {
            if let Some(tx) = self.waiters.remove(&c.ticket) {
                let _ = tx.send(c.response);
            }
        }
    }

    /// Registers the sender for a freshly parked ticket.
    pub(crate) fn park(&mut self, ticket: Ticket) -> oneshot::Receiver<WaitResponse> {
        let (tx, rx) = oneshot::channel();
        self.waiters.insert(ticket, tx);
        rx
    }
}

/// The WaitSet service of one server: engine, store, clock and the background feeders.
pub struct WaitSetShell {
    state: Mutex<State>,
    pub(crate) store: Store,
    pub(crate) clock: Clock,
    timer_wake: Notify,
}

impl WaitSetShell {
    /// A shell with no background work yet; call [`WaitSetShell::start`] inside the runtime.
    pub fn new(config: Config, store: Store, clock: Clock) -> Arc<Self> {
        Arc::new(Self {
            state: Mutex::new(State {
                engine: WaitSets::new(config),
                waiters: HashMap::new(),
            }),
            store,
            clock,
            timer_wake: Notify::new(),
        })
    }

    /// Starts the change-event thread and the timer task. On `shutdown`, every parked request is
    /// answered (empty, echoing its seq) so graceful shutdown does not wait for long polls.
    pub fn start(self: &Arc<Self>, shutdown: Option<Shutdown>) {
        let events = self.store.subscribe();
        let weak = Arc::downgrade(self);
        let spawned = std::thread::Builder::new()
            .name("waitset-events".into())
            .spawn(move || consume_events(&weak, &events));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the waitset event thread");
        }
        tokio::spawn(run_timer(Arc::downgrade(self), shutdown));
    }

    /// Locks the engine. Poisoning is ignored: the engine never panics on input.
    pub(crate) fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Wakes the timer so it sees a new, possibly earlier deadline.
    pub(crate) fn deadline_changed(&self) {
        self.timer_wake.notify_one();
    }

    /// Engine counters (waitsets, parked requests, memberships).
    pub fn stats(&self) -> Stats {
        self.lock().engine.stats()
    }

    /// Runs due timers now (tests with a manual clock call this instead of waiting for the timer).
    pub fn tick(&self) {
        let now = self.clock.now();
        let mut st = self.lock();
        let done = st.engine.on_timeout(now);
        st.deliver(done);
        let stats = st.engine.stats();
        drop(st);
        publish_gauges(stats);
    }

    /// An account's status changed (deleted accounts leave their waitsets with MAILBOX_DELETED).
    pub fn account_changed(&self, account: &AccountId, status: AccountStatus) {
        let now = self.clock.now();
        let mut st = self.lock();
        let done = st
            .engine
            .on_account_status(account, engine_state(status), now);
        st.deliver(done);
    }

    /// Answers every parked request (server shutdown).
    pub fn release_all(&self) {
        let now = self.clock.now();
        let mut st = self.lock();
        let done = st.engine.expire_all_parked(now);
        st.deliver(done);
    }

    /// The parked request's client went away: forget the ticket (its data stays pending).
    pub(crate) fn abandon(&self, ticket: Ticket) {
        let now = self.clock.now();
        let mut st = self.lock();
        st.waiters.remove(&ticket);
        st.engine.abandon(ticket, now);
    }

    fn on_events(&self, batch: &[ChangeEvent]) {
        let now = self.clock.now();
        let mut st = self.lock();
        for ev in batch {
            let done = st.engine.on_change(ev, now);
            st.deliver(done);
        }
    }
}

/// Engine size as Prometheus gauges (refreshed by the timer, at least every `MAX_TIMER_SLEEP`).
#[allow(clippy::cast_precision_loss)] // gauges are f64; counts far below 2^52
fn publish_gauges(stats: Stats) {
    metrics::gauge!("inboxd_waitsets").set(stats.waitsets as f64);
    metrics::gauge!("inboxd_waitset_parked").set(stats.parked as f64);
    metrics::gauge!("inboxd_waitset_memberships").set(stats.memberships as f64);
}

fn engine_state(status: AccountStatus) -> AccountState {
    match status {
        AccountStatus::Active => AccountState::Active,
        AccountStatus::Maintenance => AccountState::Maintenance,
        AccountStatus::Deleted => AccountState::Deleted,
    }
}

/// The engine's view of accounts, read from the store under the engine lock (so a change event for
/// the account cannot slip between the read and the add).
pub(crate) struct StoreLookup<'a>(pub(crate) &'a Store);

impl AccountLookup for StoreLookup<'_> {
    fn state(&self, id: &AccountId) -> Option<(AccountState, ChangeId)> {
        let account = self.0.account(id).ok().flatten()?;
        let change_id = self.0.change_id(id).unwrap_or_default();
        Some((engine_state(account.status), change_id))
    }
}

/// Blocks on the store's event channel and feeds the engine until the shell is dropped.
fn consume_events(shell: &Weak<WaitSetShell>, events: &std::sync::mpsc::Receiver<ChangeEvent>) {
    loop {
        let first = match events.recv_timeout(Duration::from_secs(1)) {
            Ok(ev) => ev,
            Err(RecvTimeoutError::Timeout) => {
                if shell.strong_count() == 0 {
                    return;
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => return,
        };
        let mut batch = vec![first];
        batch.extend(events.try_iter().take(EVENT_BATCH));
        let Some(shell) = shell.upgrade() else { return };
        shell.on_events(&batch);
    }
}

/// Sleeps until the engine's next deadline (at most `MAX_TIMER_SLEEP`), then fires due timers.
async fn run_timer(shell: Weak<WaitSetShell>, shutdown: Option<Shutdown>) {
    loop {
        let Some(strong) = shell.upgrade() else {
            return;
        };
        let now = strong.clock.now();
        let next = strong.lock().engine.poll_timeout();
        let sleep = next.map_or(MAX_TIMER_SLEEP, |at| at.since(now).min(MAX_TIMER_SLEEP));
        let stop = async {
            match shutdown.clone() {
                Some(s) => s.wait().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            () = tokio::time::sleep(sleep) => {}
            () = strong.timer_wake.notified() => {}
            () = stop => {
                strong.release_all();
                return;
            }
        }
        strong.tick();
    }
}
