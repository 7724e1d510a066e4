//! The virtual-time harness: an engine, the toy server standing in for the network, and a `Snapshot`
//! standing in for the store, pumped synchronously. Time moves only when a test says so (`advance`,
//! `advance_to_timeout`), like quinn's test `Pair`.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use inboxd_model::Timestamp;

use super::ToyServer;
use crate::wire::Command;
use crate::{
    AccountSync, Action, Batch, Body, FlagSet, Input, Problem, Snapshot, SyncConfig, Umid,
    parse_headers,
};

/// Most actions one `pump` processes; a runaway engine fails the test instead of hanging it.
const MAX_ACTIONS: usize = 1_000_000;

/// Engine + toy server + store image, driven in virtual time.
#[derive(Debug)]
pub struct Harness {
    pub engine: AccountSync,
    pub server: ToyServer,
    pub config: SyncConfig,
    /// The store image: every batch applied with `Snapshot::apply`.
    pub store: Snapshot,
    pub bodies: BTreeMap<Umid, Body>,
    pub problems: Vec<Problem>,
    pub batches: Vec<Batch>,
    /// Every command the engine sent.
    pub sent: Vec<Command>,
    pub now: Timestamp,
    /// When false, `Action::Connect` fails with `Input::Disconnected`.
    pub online: bool,
    /// Drop the connection instead of answering the command after this many more commands.
    pub drop_after: Option<usize>,
    connected: bool,
}

impl Harness {
    pub fn new(server: ToyServer, config: SyncConfig, now: Timestamp) -> Self {
        Self {
            engine: AccountSync::new(config.clone()),
            server,
            config,
            store: Snapshot::default(),
            bodies: BTreeMap::new(),
            problems: Vec::new(),
            batches: Vec::new(),
            sent: Vec::new(),
            now,
            online: true,
            drop_after: None,
            connected: false,
        }
    }

    /// A config for tests: user/pass, IDLE off, small chunks so chunking is exercised.
    pub fn test_config() -> SyncConfig {
        let mut c = SyncConfig::new(crate::Credentials {
            user: "user".into(),
            password: "pass".into(),
        });
        c.use_idle = false;
        c.fetch_chunk = 7;
        c.uid_set_chars = 40;
        c
    }

    /// Feeds one input and pumps until the engine waits.
    pub fn input(&mut self, input: Input) {
        self.engine.handle(input, self.now);
        self.pump();
    }

    /// Runs a sync cycle now.
    pub fn sync(&mut self) {
        self.input(Input::SyncNow);
    }

    /// Moves virtual time forward and wakes the engine.
    pub fn advance(&mut self, d: Duration) {
        self.now = self.now.plus(d);
        self.input(Input::Timer);
    }

    /// Jumps to the engine's next deadline (if any) and wakes it; returns whether there was one.
    pub fn advance_to_timeout(&mut self) -> bool {
        let Some(t) = self.engine.poll_timeout() else {
            return false;
        };
        self.now = self.now.max(t);
        self.input(Input::Timer);
        true
    }

    /// Simulates a process restart: a new engine restored from the store image.
    pub fn restart(&mut self) {
        self.engine = AccountSync::new(self.config.clone());
        self.connected = false;
        self.input(Input::Restored(self.store.clone()));
    }

    /// Commands sent since `from` (an index into `sent`), by name.
    pub fn command_names(&self, from: usize) -> Vec<&'static str> {
        self.sent.iter().skip(from).map(Command::name).collect()
    }

    fn pump(&mut self) {
        for _ in 0..MAX_ACTIONS {
            let Some(action) = self.engine.poll_action() else {
                return;
            };
            self.perform(action);
        }
        panic!("engine did not settle after {MAX_ACTIONS} actions");
    }

    fn perform(&mut self, action: Action) {
        match action {
            Action::Connect if self.online => {
                self.connected = true;
                let caps = Vec::new();
                self.engine.handle(
                    Input::Connected {
                        capabilities: caps,
                        preauthenticated: false,
                    },
                    self.now,
                );
            }
            Action::Connect => self.engine.handle(Input::Disconnected, self.now),
            Action::Send(cmd) => self.send(cmd),
            Action::Store(batch) => {
                self.store.apply(&batch);
                self.bodies.extend(batch.bodies.clone());
                self.problems.extend(batch.problems.clone());
                let seq = batch.seq;
                self.batches.push(batch);
                self.engine.handle(Input::BatchApplied { seq }, self.now);
            }
            Action::Disconnect => {
                if self.connected {
                    self.connected = false;
                    self.engine.handle(Input::Disconnected, self.now);
                }
            }
        }
    }

    fn send(&mut self, cmd: Command) {
        if !self.connected {
            return;
        }
        self.sent.push(cmd.clone());
        if let Some(n) = self.drop_after.as_mut() {
            if *n == 0 {
                self.drop_after = None;
                self.connected = false;
                self.engine.handle(Input::Disconnected, self.now);
                return;
            }
            *n -= 1;
        }
        for r in self.server.answer(&cmd) {
            self.engine.handle(Input::Response(r), self.now);
        }
    }
}

/// Checks that a store image mirrors the server: same folders, and per folder the same UIDs with the same
/// flags and Message-IDs; every located message threaded, no pending message tasks, conversations
/// consistent with their messages. Returns a description of the first difference.
pub fn check_mirror(server: &ToyServer, store: &Snapshot) -> Result<(), String> {
    let server_paths: BTreeSet<&str> = server.mailboxes.keys().map(String::as_str).collect();
    let store_paths: BTreeSet<&str> = store.folders.values().map(|f| f.path.as_str()).collect();
    if server_paths != store_paths {
        return Err(format!(
            "folders differ: server {server_paths:?}, store {store_paths:?}"
        ));
    }
    for (path, mb) in &server.mailboxes {
        let folder = store
            .folders
            .values()
            .find(|f| &f.path == path)
            .ok_or_else(|| format!("no folder {path}"))?;
        let want: BTreeMap<u32, (FlagSet, Option<String>)> = mb
            .messages
            .iter()
            .map(|m| {
                let id = parse_headers(&m.raw).thread.message_id;
                (m.uid, (FlagSet::new(&m.flags), id))
            })
            .collect();
        let mut got = BTreeMap::new();
        for (umid, loc) in store
            .locations
            .iter()
            .filter(|(_, l)| l.folder == folder.id)
        {
            let msg = store.messages.get(umid).ok_or_else(|| {
                format!("{path} uid {} ({umid}) located but not threaded", loc.uid)
            })?;
            let flags = store
                .flag_sets
                .get(&loc.flag_set)
                .map(|e| e.flags.clone())
                .ok_or_else(|| format!("{umid}: missing flag set {}", loc.flag_set))?;
            if flags != msg.flags {
                return Err(format!(
                    "{umid}: location flags {flags:?} != message flags {:?}",
                    msg.flags
                ));
            }
            let id = (!msg.synthesized_id).then(|| msg.message_id.clone());
            got.insert(loc.uid, (flags, id));
        }
        if want != got {
            return Err(format!(
                "{path} differs:\n server {want:?}\n store  {got:?}"
            ));
        }
    }
    check_consistency(store)
}

fn check_consistency(store: &Snapshot) -> Result<(), String> {
    if let Some(t) = store
        .tasks
        .values()
        .find(|t| matches!(t, crate::Task::SyncMessage { .. }))
    {
        return Err(format!("pending task {t:?}"));
    }
    if store.messages.len() != store.locations.len() {
        return Err("messages and locations differ in number".into());
    }
    let mut counts: BTreeMap<crate::ConvId, usize> = BTreeMap::new();
    for m in store.messages.values() {
        *counts.entry(m.conv).or_default() += 1;
    }
    for (conv, n) in &counts {
        let summary = store
            .conversations
            .get(conv)
            .ok_or_else(|| format!("{conv} has messages but no summary"))?;
        if summary.message_count != *n {
            return Err(format!(
                "{conv}: summary says {} messages, store has {n}",
                summary.message_count
            ));
        }
    }
    if counts.len() != store.conversations.len() {
        return Err("conversations without messages".into());
    }
    let refs: BTreeMap<crate::FlagSetId, u32> =
        store
            .locations
            .values()
            .fold(BTreeMap::new(), |mut acc, l| {
                *acc.entry(l.flag_set).or_default() += 1;
                acc
            });
    let table: BTreeMap<crate::FlagSetId, u32> = store
        .flag_sets
        .iter()
        .map(|(id, e)| (*id, e.refs))
        .collect();
    if refs != table {
        return Err(format!("flag-set refcounts {table:?} != uses {refs:?}"));
    }
    Ok(())
}
