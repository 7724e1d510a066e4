//! `AccountSync`: the per-account sans-IO sync engine. Inputs (IMAP responses, connection events, the
//! restored snapshot, user requests, timer wake-ups) go in with `now`; actions (connect, IMAP commands,
//! store batches) come out; `poll_timeout` says when to wake it next.
//!
//! What belongs here: the connection life cycle (login, capabilities, reconnect backoff), the scheduler that
//! runs one job at a time with one command in flight, and the refresh timer. What does not: the sync logic
//! itself (`tasks`), the state and its batches (`db`, `batch`).

use std::collections::VecDeque;
use std::time::Duration;

use inboxd_model::Timestamp;

use crate::batch::Snapshot;
use crate::db::Db;
use crate::plan::Task;
use crate::reply::{Capabilities, Reply};
use crate::tasks::{Cx, Job, JobSpec, Step, make_job};
use crate::wire::{Command, Response, Untagged};
use crate::{Action, Credentials, FolderId, FolderKind, Input, SyncConfig, Umid};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Conn {
    /// Offline; connect at `retry_at` (`None`: as soon as there is work).
    Down {
        retry_at: Option<Timestamp>,
    },
    Connecting,
    /// LOGIN / AUTHENTICATE sent.
    Authenticating,
    /// CAPABILITY sent after login.
    Capabilities,
    Ready,
    /// IDLE sent at `since`; `done` once DONE went out.
    Idling {
        since: Timestamp,
        done: bool,
    },
    LoggingOut,
    Stopped,
}

/// The sync engine for one account. See the crate docs for the driving loop.
#[derive(Debug)]
pub struct AccountSync {
    config: SyncConfig,
    db: Db,
    conn: Conn,
    caps: Capabilities,
    /// Untagged responses collected for the command in flight (`Some` while one is in flight).
    inflight: Option<Vec<Untagged>>,
    /// The folder a SELECT in flight is for.
    selecting: Option<FolderId>,
    selected: Option<FolderId>,
    /// The SELECT in flight / the selection is read-write (SELECT, not EXAMINE).
    selecting_rw: bool,
    selected_rw: bool,
    job: Option<Box<dyn Job>>,
    queue: VecDeque<JobSpec>,
    cycle_due: bool,
    next_cycle_at: Option<Timestamp>,
    backoff: Duration,
    out: VecDeque<Action>,
    last_applied: u64,
    /// INBOX was (re)selected for IDLE this quiet period; a failed SELECT must not loop.
    idle_select_tried: bool,
    /// `now` of the latest input, for work run from `poll_action`.
    now: Timestamp,
}

impl AccountSync {
    /// A fresh engine with empty state; feed `Input::Restored` first when state was persisted.
    pub fn new(config: SyncConfig) -> Self {
        Self {
            backoff: config.retry_min,
            config,
            db: Db::default(),
            conn: Conn::Down { retry_at: None },
            caps: Capabilities::default(),
            inflight: None,
            selecting: None,
            selected: None,
            selecting_rw: false,
            selected_rw: false,
            job: None,
            queue: VecDeque::new(),
            cycle_due: true,
            next_cycle_at: None,
            out: VecDeque::new(),
            last_applied: 0,
            idle_select_tried: false,
            now: Timestamp(0),
        }
    }

    /// Feeds one input.
    pub fn handle(&mut self, input: Input, now: Timestamp) {
        self.now = now;
        // Work postponed behind the command in flight comes first: the input may end that job.
        self.run_deferred();
        match input {
            Input::Restored(snap) => self.restore(snap),
            Input::Connected {
                capabilities,
                preauthenticated,
            } => self.on_connected(capabilities, preauthenticated),
            Input::Response(r) => self.on_response(r, now),
            Input::Disconnected => self.on_disconnected(now),
            Input::SyncNow => self.request_cycle(),
            Input::Grow { folder } => self.push_front(JobSpec::Grow(folder)),
            Input::FetchBody { umid } => {
                self.db.queue_task(Task::SyncBody { umid });
                self.push_front(JobSpec::Body(umid));
                self.flush_batch();
            }
            Input::Ops(ops) => {
                crate::tasks::plan_ops::plan(&mut self.db, &ops);
                self.flush_batch();
                self.queue_local_ops(true);
            }
            Input::FolderOps(ops) => {
                for op in ops {
                    self.db.queue_task(Task::Folder(op));
                }
                self.flush_batch();
                self.queue_local_ops(true);
            }
            Input::BatchApplied { seq } => self.last_applied = self.last_applied.max(seq),
            Input::Timer => {}
            Input::Shutdown => self.on_shutdown(),
        }
        self.drive(now);
    }

    /// The next thing to do, if any.
    ///
    /// When the queue is empty this runs work a job postponed so that its next command could go out first
    /// (the header chunks of `sync_message`: the server prepares chunk n+1 while the engine threads chunk
    /// n), which may queue the batch of that work. So drain this after executing each action, as the
    /// driving loop in the crate docs does; the order of actions is the same as without postponing.
    #[must_use]
    pub fn poll_action(&mut self) -> Option<Action> {
        if self.out.is_empty() {
            self.run_deferred();
        }
        self.out.pop_front()
    }

    fn run_deferred(&mut self) {
        let Some(mut job) = self.job.take() else {
            return;
        };
        if job.has_deferred() {
            let now = self.now;
            let step = self.with_cx(now, |cx| {
                job.run_deferred(cx);
                Step::Done
            });
            debug_assert!(matches!(step, Step::Done));
            self.flush_batch();
        }
        self.job = Some(job);
    }

    /// When to send `Input::Timer` next (`None`: only on other inputs).
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        match self.conn {
            Conn::Down { retry_at } => retry_at,
            Conn::Ready if self.is_quiet() => self.next_cycle_at,
            Conn::Idling { since, done: false } => {
                let renew = since.plus(self.config.idle_max);
                Some(self.next_cycle_at.map_or(renew, |n| n.min(renew)))
            }
            _ => None,
        }
    }

    /// The state as the emitted batches describe it (for tests and diagnostics).
    pub fn snapshot(&self) -> Snapshot {
        self.db.snapshot()
    }

    /// The highest batch `seq` the driver reported as committed.
    pub fn last_applied_batch(&self) -> u64 {
        self.last_applied
    }

    fn restore(&mut self, snap: Snapshot) {
        self.db = Db::from_snapshot(snap);
        self.job = None;
        self.queue.clear();
        self.cycle_due = true;
        if !matches!(self.conn, Conn::Down { .. }) {
            // A new session on the restored state: the old connection's SELECT and job are void.
            self.conn = Conn::Down { retry_at: None };
            self.inflight = None;
            self.selected = None;
            self.out.push_back(Action::Disconnect);
        }
    }

    fn request_cycle(&mut self) {
        self.cycle_due = true;
        if let Conn::Down { retry_at: Some(_) } = self.conn {
            self.conn = Conn::Down { retry_at: None };
        }
    }

    fn push_front(&mut self, spec: JobSpec) {
        self.queue.retain(|s| *s != spec);
        self.queue.push_front(spec);
    }

    fn is_quiet(&self) -> bool {
        self.job.is_none() && self.inflight.is_none() && self.queue.is_empty() && !self.cycle_due
    }

    fn send(&mut self, cmd: Command) {
        self.selecting = match &cmd {
            Command::Select { mailbox } | Command::Examine { mailbox } => {
                self.db.folder_by_path(mailbox).map(|f| f.id)
            }
            _ => None,
        };
        self.selecting_rw = matches!(cmd, Command::Select { .. });
        self.inflight = Some(Vec::new());
        self.out.push_back(Action::Send(cmd));
    }

    fn flush_batch(&mut self) {
        if let Some(batch) = self.db.take_batch() {
            self.out.push_back(Action::Store(batch));
        }
    }

    // ---- connection life cycle ----

    fn on_connected(&mut self, capabilities: Vec<String>, preauthenticated: bool) {
        if self.conn != Conn::Connecting {
            return;
        }
        self.caps = Capabilities::new(capabilities);
        self.selected = None;
        if preauthenticated {
            self.conn = Conn::Capabilities;
            self.send(Command::Capability);
            return;
        }
        let Credentials { user, password } = self.config.credentials.clone();
        self.conn = Conn::Authenticating;
        if self.caps.has("LOGINDISABLED") && self.caps.has("AUTH=PLAIN") {
            self.send(Command::AuthenticatePlain { user, password });
        } else {
            self.send(Command::Login { user, password });
        }
    }

    fn on_disconnected(&mut self, now: Timestamp) {
        self.inflight = None;
        self.job = None;
        self.queue.clear();
        self.selected = None;
        self.selecting = None;
        self.flush_batch();
        if matches!(self.conn, Conn::LoggingOut | Conn::Stopped) {
            self.conn = Conn::Stopped;
            return;
        }
        self.cycle_due = true;
        self.conn = Conn::Down {
            retry_at: Some(now.plus(self.backoff)),
        };
        self.backoff = (self.backoff * 2).min(self.config.retry_max);
    }

    fn on_shutdown(&mut self) {
        match self.conn {
            Conn::Down { .. } | Conn::Connecting => self.conn = Conn::Stopped,
            Conn::Stopped | Conn::LoggingOut => {}
            _ => {
                self.queue.clear();
                self.cycle_due = false;
                if self.inflight.is_none() {
                    self.job = None;
                    self.conn = Conn::LoggingOut;
                    self.send(Command::Logout);
                } else {
                    // Let the command in flight finish; `drive` logs out once the connection is quiet.
                    self.job = None;
                    self.conn = Conn::LoggingOut;
                }
            }
        }
    }

    fn on_response(&mut self, r: Response, now: Timestamp) {
        match r {
            Response::Untagged(u) => self.on_untagged(u),
            Response::Continue(_) => {}
            Response::Tagged {
                status, code, text, ..
            } => {
                let Some(untagged) = self.inflight.take() else {
                    return;
                };
                let reply = Reply {
                    status,
                    code,
                    text,
                    untagged,
                };
                self.on_completion(reply, now);
            }
        }
    }

    fn on_untagged(&mut self, u: Untagged) {
        if let Conn::Idling { done: false, .. } = self.conn {
            // New mail or expunges while idling: leave IDLE and run a cycle.
            if matches!(
                u,
                Untagged::Exists(_) | Untagged::Expunge(_) | Untagged::Fetch { .. }
            ) {
                self.cycle_due = true;
            }
            return;
        }
        if let Some(v) = self.inflight.as_mut() {
            v.push(u);
        }
    }

    fn on_completion(&mut self, reply: Reply, now: Timestamp) {
        if let Some(folder) = self.selecting.take() {
            self.selected = reply.is_ok().then_some(folder);
            self.selected_rw = self.selecting_rw;
        }
        match self.conn {
            Conn::Authenticating => self.after_login(reply),
            Conn::Capabilities => {
                self.caps = reply.capabilities().unwrap_or_else(|| self.caps.clone());
                self.conn = Conn::Ready;
            }
            Conn::Idling { .. } => self.conn = Conn::Ready,
            Conn::LoggingOut => self.out.push_back(Action::Disconnect),
            _ => self.continue_job(reply, now),
        }
    }

    fn after_login(&mut self, reply: Reply) {
        if !reply.is_ok() {
            // Bad credentials: stay down until someone asks again (no hammering the server).
            let detail = format!("login: {:?} {}", reply.status, reply.text);
            self.db.problem(crate::Problem::new(
                crate::ProblemKind::CommandFailed,
                detail,
            ));
            self.flush_batch();
            self.conn = Conn::LoggingOut;
            self.send(Command::Logout);
            return;
        }
        self.backoff = self.config.retry_min;
        match reply.capabilities() {
            Some(caps) => {
                self.caps = caps;
                self.conn = Conn::Ready;
            }
            None => {
                self.conn = Conn::Capabilities;
                self.send(Command::Capability);
            }
        }
    }

    // ---- scheduling ----

    fn drive(&mut self, now: Timestamp) {
        match self.conn {
            Conn::Down { retry_at } => {
                let wanted = self.cycle_due || !self.queue.is_empty();
                if wanted && retry_at.is_none_or(|t| t <= now) {
                    self.conn = Conn::Connecting;
                    self.out.push_back(Action::Connect);
                }
            }
            Conn::Ready => self.run_jobs(now),
            Conn::Idling { since, done: false } => {
                let renew = now >= since.plus(self.config.idle_max);
                let due = self.next_cycle_at.is_some_and(|t| t <= now);
                if self.cycle_due || due || renew || !self.queue.is_empty() {
                    self.conn = Conn::Idling { since, done: true };
                    self.cycle_due |= due;
                    self.inflight = Some(Vec::new());
                    self.out.push_back(Action::Send(Command::Done));
                }
            }
            // A shutdown waited for the command in flight; now log out.
            Conn::LoggingOut
                if self.inflight.is_none()
                    && self.job.is_none()
                    && !self.out.iter().any(|a| {
                        matches!(a, Action::Send(Command::Logout) | Action::Disconnect)
                    }) =>
            {
                self.send(Command::Logout);
            }
            _ => {}
        }
    }

    fn run_jobs(&mut self, now: Timestamp) {
        while self.job.is_none() && self.inflight.is_none() {
            if self.queue.is_empty() && !self.plan_more(now) {
                self.go_quiet(now);
                return;
            }
            let Some(spec) = self.queue.pop_front() else {
                return;
            };
            let mut job = make_job(spec);
            let step = self.with_cx(now, |cx| job.start(cx));
            self.after_step(job, step);
        }
    }

    fn continue_job(&mut self, reply: Reply, now: Timestamp) {
        let Some(mut job) = self.job.take() else {
            return;
        };
        let step = self.with_cx(now, |cx| job.on_reply(cx, reply));
        self.after_step(job, step);
        self.run_jobs(now);
    }

    fn with_cx(&mut self, now: Timestamp, f: impl FnOnce(&mut Cx<'_>) -> Step) -> Step {
        let mut cx = Cx {
            db: &mut self.db,
            now,
            config: &self.config,
            caps: &self.caps,
            selected: self.selected,
            selected_rw: self.selected_rw,
            follow_ups: Vec::new(),
        };
        let step = f(&mut cx);
        let follow_ups = std::mem::take(&mut cx.follow_ups);
        for spec in follow_ups.into_iter().rev() {
            self.push_front(spec);
        }
        step
    }

    fn after_step(&mut self, job: Box<dyn Job>, step: Step) {
        // A read-only fetch goes out before the batch of the previous reply is stored, so the server
        // prepares the next chunk while the driver commits (the store never depends on a fetch being sent;
        // commands that change the server keep their batch first, as crash safety needs).
        let early = matches!(&step, Step::Send(Command::UidFetch { .. }));
        if !early {
            self.flush_batch();
        }
        if let Step::Send(cmd) = step {
            self.job = Some(job);
            self.send(cmd);
        }
        self.flush_batch();
    }

    /// Queues the next cycle's work when one is due; false when there is nothing to do.
    fn plan_more(&mut self, now: Timestamp) -> bool {
        let due = self.cycle_due || self.next_cycle_at.is_some_and(|t| t <= now);
        if !due {
            return false;
        }
        self.cycle_due = false;
        self.next_cycle_at = None;
        self.idle_select_tried = false;
        // Client operations first: a refresh must not meet a half-done move.
        self.queue_local_ops(false);
        let bodies: Vec<Umid> = self
            .db
            .tasks()
            .values()
            .filter_map(|t| match t {
                Task::SyncBody { umid } => Some(*umid),
                _ => None,
            })
            .collect();
        self.queue.extend(bodies.into_iter().map(JobSpec::Body));
        self.queue.push_back(JobSpec::FolderList);
        true
    }

    /// Queues the jobs that carry out pending client operations: flags first (they address the message where
    /// the server has it now), then moves and deletions in task order. `urgent` puts them before queued work.
    fn queue_local_ops(&mut self, urgent: bool) {
        // Folder changes first: a message may be on its way into a renamed folder.
        let mut specs: Vec<JobSpec> = self
            .db
            .tasks()
            .iter()
            .filter(|(_, t)| matches!(t, Task::Folder(_)))
            .map(|(id, _)| JobSpec::Folder(*id))
            .collect();
        // Moves interrupted after their COPY finish before flags are stored: the copy has the flags the source
        // had then, which is what the location still records.
        let moves = |copied: bool| {
            self.db
                .tasks()
                .iter()
                .filter(move |(_, t)| match t {
                    Task::Move { copied: c, .. } => *c == copied,
                    Task::Delete { .. } => !copied,
                    _ => false,
                })
                .map(|(id, _)| JobSpec::Move(*id))
        };
        specs.extend(moves(true));
        if self
            .db
            .tasks()
            .values()
            .any(|t| matches!(t, Task::StoreFlags { .. }))
        {
            specs.push(JobSpec::StoreFlags);
        }
        specs.extend(moves(false));
        if urgent {
            for spec in specs.into_iter().rev() {
                self.push_front(spec);
            }
        } else {
            self.queue.retain(|s| !specs.contains(s));
            self.queue.extend(specs);
        }
    }

    fn go_quiet(&mut self, now: Timestamp) {
        if self.next_cycle_at.is_none() {
            self.next_cycle_at = Some(now.plus(self.config.refresh_interval));
        }
        if !(self.config.use_idle && self.caps.has("IDLE")) {
            return;
        }
        let inbox = self
            .db
            .folders()
            .values()
            .find(|f| f.kind == FolderKind::Inbox)
            .map(|f| (f.id, f.path.clone()));
        let Some((id, path)) = inbox else { return };
        if self.selected != Some(id) {
            if std::mem::replace(&mut self.idle_select_tried, true) {
                return;
            }
            // Select INBOX through a one-step job so the reply is routed normally; IDLE follows when quiet.
            self.job = Some(Box::new(SelectOnly));
            self.send(if self.config.read_only {
                Command::Examine { mailbox: path }
            } else {
                Command::Select { mailbox: path }
            });
            return;
        }
        self.conn = Conn::Idling {
            since: now,
            done: false,
        };
        self.out.push_back(Action::Send(Command::Idle));
    }
}

/// A job that only waits for a SELECT to complete (used before IDLE).
#[derive(Debug)]
struct SelectOnly;

impl Job for SelectOnly {
    fn start(&mut self, _cx: &mut Cx<'_>) -> Step {
        Step::Done
    }

    fn on_reply(&mut self, _cx: &mut Cx<'_>, _reply: Reply) -> Step {
        Step::Done
    }
}

#[cfg(test)]
mod send_check {
    /// Drivers may move an engine between threads (e.g. a multi-threaded runtime's tasks).
    #[test]
    fn the_engine_is_send() {
        fn send<T: Send>() {}
        send::<super::AccountSync>();
    }
}
