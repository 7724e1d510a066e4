//! The engine's in-memory account state, and the one place that mutates it.
//!
//! Every mutation goes through a `Db` method that changes memory *and* records the same change in the pending
//! `Batch`, so "state in memory" and "what the batches wrote" cannot drift apart (tests check
//! `Snapshot::apply(batches) == db.snapshot()`). What does not belong here: IMAP, task sequencing.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

// The indexes below are only looked up, never iterated in an order that reaches a batch: foldhash (seeded)
// instead of SipHash, which showed up in the initial sync's profile.
use foldhash::HashMap;
use inboxd_threading::{Addr, ConvMessage, HeaderIdMap, Resolution, ThreadHeaders, churn};

use crate::batch::{Batch, ConvMerge, MessageWrite, Snapshot};
use crate::flags::FlagSetTable;
use crate::plan::Task;
use crate::{
    Body, ConvId, Conversation, Counters, FlagSet, Folder, FolderId, FolderSyncState, Location,
    Message, Problem, TaskId, Umid,
};

/// In-memory account state plus the batch of changes not yet handed to the driver.
#[derive(Debug, Default)]
pub(crate) struct Db {
    folders: BTreeMap<FolderId, Folder>,
    sync_states: BTreeMap<FolderId, FolderSyncState>,
    /// Hashed, not ordered: only looked up (the snapshot sorts them); a hash lookup is cheaper than a
    /// B-tree walk on the initial sync's path, and so is the teardown.
    locations: HashMap<Umid, Location>,
    /// Shared with the batches that write them: a record goes to the store without a copy. Hashed, like
    /// `locations`.
    messages: HashMap<Umid, Arc<Message>>,
    /// Hashed, like `messages`: looked up by every churn, iterated only by the snapshot (which sorts).
    conversations: HashMap<ConvId, Conversation>,
    header_ids: HeaderIdMap<ConvId>,
    flag_sets: FlagSetTable,
    tasks: BTreeMap<TaskId, Task>,
    counters: Counters,
    /// Index: folder → UID → umid (the inverse of `locations`).
    uids: HashMap<FolderId, BTreeMap<u32, Umid>>,
    /// Index: conversation → its messages. A set, not a sorted `Vec` (which would save ~0.25 % of an initial
    /// sync): a merge re-homes messages one by one, quadratic in a `Vec` for big conversations.
    members: HashMap<ConvId, BTreeSet<Umid>>,
    batch: Batch,
    batch_seq: u64,
}

impl Db {
    pub(crate) fn from_snapshot(snap: Snapshot) -> Self {
        let mut db = Db {
            flag_sets: FlagSetTable::from_entries(&snap.flag_sets),
            folders: snap.folders,
            sync_states: snap.sync_states,
            conversations: snap.conversations.into_iter().collect(),
            tasks: snap.tasks,
            counters: snap.counters,
            ..Db::default()
        };
        for (id, conv) in snap.header_ids {
            db.header_ids.insert(id, conv);
        }
        for (umid, loc) in snap.locations {
            db.index_location(umid, loc);
        }
        for (umid, m) in snap.messages {
            add_member(&mut db.members, m.conv, umid);
            db.messages.insert(umid, Arc::new(m));
        }
        db
    }

    /// The state as a snapshot (what applying every emitted batch to an empty snapshot gives).
    pub(crate) fn snapshot(&self) -> Snapshot {
        let mut header_ids = BTreeMap::new();
        for conv in self.members.keys().chain(self.conversations.keys()) {
            for id in self.header_ids.ids_of(*conv) {
                header_ids.insert(id.clone(), *conv);
            }
        }
        Snapshot {
            folders: self.folders.clone(),
            sync_states: self.sync_states.clone(),
            locations: self.locations.iter().map(|(u, l)| (*u, *l)).collect(),
            messages: self
                .messages
                .iter()
                .map(|(u, m)| (*u, Message::clone(m)))
                .collect(),
            conversations: self
                .conversations
                .iter()
                .map(|(c, s)| (*c, s.clone()))
                .collect(),
            header_ids,
            flag_sets: self.flag_sets.entries().clone(),
            tasks: self.tasks.clone(),
            counters: self.counters,
        }
    }

    /// Hands out the pending batch, if it holds anything.
    pub(crate) fn take_batch(&mut self) -> Option<Batch> {
        if self.batch.is_empty() {
            return None;
        }
        self.batch_seq += 1;
        let mut batch = std::mem::take(&mut self.batch);
        batch.seq = self.batch_seq;
        Some(batch)
    }

    pub(crate) fn problem(&mut self, p: Problem) {
        self.batch.problems.push(p);
    }

    // ---- ids ----

    pub(crate) fn alloc_umid(&mut self) -> Umid {
        self.counters.next_umid += 1;
        self.batch.counters = Some(self.counters);
        Umid(self.counters.next_umid)
    }

    fn alloc_folder_id(&mut self) -> FolderId {
        self.counters.next_folder += 1;
        self.batch.counters = Some(self.counters);
        FolderId(self.counters.next_folder)
    }

    // ---- folders ----

    pub(crate) fn folders(&self) -> &BTreeMap<FolderId, Folder> {
        &self.folders
    }

    pub(crate) fn folder(&self, id: FolderId) -> Option<&Folder> {
        self.folders.get(&id)
    }

    pub(crate) fn folder_by_path(&self, path: &str) -> Option<&Folder> {
        self.folders.values().find(|f| f.path == path)
    }

    /// Creates a folder record with a fresh id (the caller fills in everything but the id).
    pub(crate) fn create_folder(&mut self, mut folder: Folder) -> FolderId {
        folder.id = self.alloc_folder_id();
        let id = folder.id;
        self.put_folder(folder);
        id
    }

    /// Writes a folder record if it differs from the stored one.
    pub(crate) fn put_folder(&mut self, folder: Folder) {
        if self.folders.get(&folder.id) == Some(&folder) {
            return;
        }
        self.batch.folders.insert(folder.id, Some(folder.clone()));
        self.folders.insert(folder.id, folder);
    }

    /// Deletes a folder, its sync state and its messages.
    pub(crate) fn delete_folder(&mut self, id: FolderId) {
        self.drop_folder_messages(id);
        self.folders.remove(&id);
        self.batch.folders.insert(id, None);
        if self.sync_states.remove(&id).is_some() {
            self.batch.sync_states.insert(id, None);
        }
    }

    // ---- sync states ----

    pub(crate) fn sync_state(&self, id: FolderId) -> FolderSyncState {
        self.sync_states.get(&id).cloned().unwrap_or_default()
    }

    pub(crate) fn put_sync_state(&mut self, id: FolderId, st: FolderSyncState) {
        if self.sync_states.get(&id) == Some(&st) {
            return;
        }
        self.batch.sync_states.insert(id, Some(st.clone()));
        self.sync_states.insert(id, st);
    }

    // ---- locations and flags ----

    pub(crate) fn uids(&self, folder: FolderId) -> Option<&BTreeMap<u32, Umid>> {
        self.uids.get(&folder)
    }

    pub(crate) fn umid_at(&self, folder: FolderId, uid: u32) -> Option<Umid> {
        self.uids.get(&folder)?.get(&uid).copied()
    }

    pub(crate) fn location(&self, umid: Umid) -> Option<Location> {
        self.locations.get(&umid).copied()
    }

    /// Records a newly found message copy at `folder`/`uid` with `flags`.
    pub(crate) fn add_location(&mut self, umid: Umid, folder: FolderId, uid: u32, flags: &FlagSet) {
        let (slot, entry) = self.flag_sets.acquire(flags);
        self.batch.flag_sets.insert(slot, Some(entry));
        let loc = Location {
            folder,
            uid,
            flag_set: slot,
        };
        self.batch.locations.insert(umid, Some(loc));
        self.index_location(umid, loc);
    }

    /// Forgets a message copy's location and releases its flag-set reference (gaia forgot this decrement).
    pub(crate) fn remove_location(&mut self, umid: Umid) {
        let Some(loc) = self.locations.remove(&umid) else {
            return;
        };
        if let Some(uids) = self.uids.get_mut(&loc.folder) {
            uids.remove(&loc.uid);
        }
        self.release_flag_set(loc.flag_set);
        self.batch.locations.insert(umid, None);
    }

    /// Compares `flags` with the recorded slot; on a change moves the reference and updates the message.
    /// Returns whether the flags changed.
    pub(crate) fn update_flags(&mut self, umid: Umid, flags: &FlagSet) -> bool {
        let Some(mut loc) = self.locations.get(&umid).copied() else {
            return false;
        };
        if self.flag_sets.find(flags) == Some(loc.flag_set) {
            return false;
        }
        let (slot, entry) = self.flag_sets.acquire(flags);
        self.batch.flag_sets.insert(slot, Some(entry));
        self.release_flag_set(loc.flag_set);
        loc.flag_set = slot;
        self.locations.insert(umid, loc);
        self.batch.locations.insert(umid, Some(loc));
        // A client's change not yet carried out upstream stays visible on top of what the server says.
        let local = self.with_pending_flags(umid, flags);
        if let Some(m) = self.messages.get_mut(&umid)
            && m.flags != local
        {
            Arc::make_mut(m).flags = local.clone();
            self.batch.set_flags(umid, local);
        }
        true
    }

    /// The flags the server had at the message's location when last seen.
    pub(crate) fn upstream_flags(&self, umid: Umid) -> Option<FlagSet> {
        let loc = self.locations.get(&umid)?;
        self.flag_sets
            .entries()
            .get(&loc.flag_set)
            .map(|e| e.flags.clone())
    }

    /// Records that the server's flags at the message's location are now `flags` (a STORE we sent), leaving
    /// the message record alone.
    pub(crate) fn set_upstream_flags(&mut self, umid: Umid, flags: &FlagSet) {
        let Some(mut loc) = self.locations.get(&umid).copied() else {
            return;
        };
        if self.flag_sets.find(flags) == Some(loc.flag_set) {
            return;
        }
        let (slot, entry) = self.flag_sets.acquire(flags);
        self.batch.flag_sets.insert(slot, Some(entry));
        self.release_flag_set(loc.flag_set);
        loc.flag_set = slot;
        self.locations.insert(umid, loc);
        self.batch.locations.insert(umid, Some(loc));
    }

    /// Sets a message record's flags (the local view) and re-churns its conversation.
    pub(crate) fn set_local_flags(&mut self, umid: Umid, flags: FlagSet) {
        let Some(m) = self.messages.get_mut(&umid) else {
            return;
        };
        if m.flags == flags {
            return;
        }
        Arc::make_mut(m).flags = flags.clone();
        let conv = m.conv;
        self.batch.set_flags(umid, flags);
        self.churn(conv);
    }

    /// Moves a message copy's location to `folder`/`uid`, keeping its flags there.
    pub(crate) fn relocate(&mut self, umid: Umid, folder: FolderId, uid: u32) {
        let flags = self.upstream_flags(umid).unwrap_or_default();
        self.remove_location(umid);
        self.add_location(umid, folder, uid, &flags);
        // The record itself did not change, but the store keeps the UID with it: rewrite it.
        if let Some(m) = self.messages.get(&umid) {
            self.batch
                .messages
                .insert(umid, MessageWrite::Put(Arc::clone(m)));
        }
    }

    /// `upstream` with the pending `StoreFlags` change of `umid` applied.
    fn with_pending_flags(&self, umid: Umid, upstream: &FlagSet) -> FlagSet {
        let pending = self.tasks.values().find_map(|t| match t {
            Task::StoreFlags {
                umid: u,
                add,
                remove,
            } if *u == umid => Some((add, remove)),
            _ => None,
        });
        match pending {
            Some((add, remove)) => FlagSet::new(
                upstream
                    .as_slice()
                    .iter()
                    .filter(|f| !remove.contains(f))
                    .chain(add.iter()),
            ),
            None => upstream.clone(),
        }
    }

    fn release_flag_set(&mut self, slot: crate::FlagSetId) {
        let entry = self.flag_sets.release(slot);
        self.batch.flag_sets.insert(slot, entry);
    }

    fn index_location(&mut self, umid: Umid, loc: Location) {
        self.uids
            .entry(loc.folder)
            .or_default()
            .insert(loc.uid, umid);
        self.locations.insert(umid, loc);
    }

    // ---- messages and conversations ----

    pub(crate) fn message(&self, umid: Umid) -> Option<&Message> {
        self.messages.get(&umid).map(|m| &**m)
    }

    pub(crate) fn members(&self, conv: ConvId) -> impl Iterator<Item = Umid> + '_ {
        self.members.get(&conv).into_iter().flatten().copied()
    }

    /// Assigns a message's header ids to a conversation (new / join / merge decided by `inboxd-threading`),
    /// recording the headerIdMap writes; returns the conversation and how it was decided. A merge's message
    /// moves are left to the caller (`sync_merge`).
    pub(crate) fn assign(
        &mut self,
        headers: &ThreadHeaders,
        umid: Umid,
    ) -> (ConvId, Resolution<ConvId>) {
        let a = self.header_ids.assign(headers, || ConvId::founded_by(umid));
        let conv = a.conversation;
        for id in a.added_ids.into_iter().chain(a.moved_ids) {
            self.batch.header_ids.insert(id, Some(conv));
        }
        (conv, a.resolution)
    }

    /// Inserts or replaces a message record.
    pub(crate) fn put_message(&mut self, m: Message) {
        let (umid, conv) = (m.umid, m.conv);
        let m = match self.messages.entry(umid) {
            Entry::Occupied(mut old) => {
                if **old.get() == m {
                    return;
                }
                if old.get().conv != conv {
                    remove_member(&mut self.members, old.get().conv, umid);
                }
                let m = Arc::new(m);
                old.insert(Arc::clone(&m));
                m
            }
            Entry::Vacant(slot) => Arc::clone(slot.insert(Arc::new(m))),
        };
        add_member(&mut self.members, conv, umid);
        self.batch.messages.insert(umid, MessageWrite::Put(m));
    }

    /// Deletes a message record; returns its conversation (to re-churn).
    pub(crate) fn delete_message(&mut self, umid: Umid) -> Option<ConvId> {
        let m = self.messages.remove(&umid)?;
        remove_member(&mut self.members, m.conv, umid);
        self.batch.messages.insert(umid, MessageWrite::Delete);
        Some(m.conv)
    }

    /// Recomputes a conversation's summary from its messages; deletes it (and its headerIdMap entries, which
    /// gaia leaked) when none is left.
    pub(crate) fn churn(&mut self, conv: ConvId) {
        let mut msgs: Vec<ConvMessage> =
            Vec::with_capacity(self.members.get(&conv).map_or(0, BTreeSet::len));
        msgs.extend(
            self.members(conv)
                .filter_map(|u| self.messages.get(&u))
                .map(|m| conv_message(m)),
        );
        let summary = churn(&msgs);
        if summary.is_empty() {
            self.members.remove(&conv);
            if self.conversations.remove(&conv).is_some() {
                self.batch.conversations.insert(conv, None);
            }
            for id in self.header_ids.remove_conversation(conv) {
                self.batch.header_ids.insert(id, None);
            }
            return;
        }
        if self.conversations.get(&conv) != Some(&summary) {
            self.batch.conversations.insert(conv, Some(summary.clone()));
            self.conversations.insert(conv, summary);
        }
    }

    /// Records that `from` were merged into `into` and deletes their summaries (their messages must already
    /// have been re-homed).
    pub(crate) fn record_merge(&mut self, into: ConvId, from: Vec<ConvId>) {
        for conv in &from {
            self.members.remove(conv);
            if self.conversations.remove(conv).is_some() {
                self.batch.conversations.insert(*conv, None);
            }
        }
        self.batch.merges.push(ConvMerge { into, from });
    }

    /// Drops every message of a folder (folder deleted, or UIDVALIDITY changed) and re-churns their
    /// conversations. Pending per-message tasks for them are finished.
    pub(crate) fn drop_folder_messages(&mut self, folder: FolderId) {
        let umids: Vec<Umid> = self
            .uids
            .remove(&folder)
            .map(|m| m.into_values().collect())
            .unwrap_or_default();
        let mut convs = BTreeSet::new();
        for umid in &umids {
            self.remove_location(*umid);
            convs.extend(self.delete_message(*umid));
        }
        let gone: BTreeSet<Umid> = umids.into_iter().collect();
        let stale: Vec<TaskId> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.umid().is_some_and(|u| gone.contains(&u)))
            .map(|(id, _)| *id)
            .collect();
        for id in stale {
            self.finish_task(id);
        }
        for conv in convs {
            self.churn(conv);
        }
    }

    // ---- durable tasks ----

    pub(crate) fn tasks(&self) -> &BTreeMap<TaskId, Task> {
        &self.tasks
    }

    pub(crate) fn queue_task(&mut self, task: Task) -> TaskId {
        self.counters.next_task += 1;
        self.batch.counters = Some(self.counters);
        let id = TaskId(self.counters.next_task);
        self.batch.tasks.insert(id, Some(task.clone()));
        self.tasks.insert(id, task);
        id
    }

    /// Finishes every pending task about `umid` that `which` selects.
    pub(crate) fn finish_tasks_of(&mut self, umid: Umid, which: impl Fn(&Task) -> bool) {
        let ids: Vec<TaskId> = self
            .tasks
            .iter()
            .filter(|(_, t)| t.umid() == Some(umid) && which(t))
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            self.finish_task(id);
        }
    }

    /// The first pending task about `umid` that `which` selects.
    pub(crate) fn task_of(
        &self,
        umid: Umid,
        which: impl Fn(&Task) -> bool,
    ) -> Option<(TaskId, Task)> {
        self.tasks
            .iter()
            .find(|(_, t)| t.umid() == Some(umid) && which(t))
            .map(|(id, t)| (*id, t.clone()))
    }

    pub(crate) fn task(&self, id: TaskId) -> Option<&Task> {
        self.tasks.get(&id)
    }

    /// Replaces a pending task in place (same id, so it keeps its place in the queue).
    pub(crate) fn update_task(&mut self, id: TaskId, task: Task) {
        if self.tasks.get(&id) == Some(&task) {
            return;
        }
        self.batch.tasks.insert(id, Some(task.clone()));
        self.tasks.insert(id, task);
    }

    pub(crate) fn finish_task(&mut self, id: TaskId) {
        if self.tasks.remove(&id).is_some() {
            self.batch.tasks.insert(id, None);
        }
    }
}

fn add_member(members: &mut HashMap<ConvId, BTreeSet<Umid>>, conv: ConvId, umid: Umid) {
    members.entry(conv).or_default().insert(umid);
}

fn remove_member(members: &mut HashMap<ConvId, BTreeSet<Umid>>, conv: ConvId, umid: Umid) {
    if let Some(set) = members.get_mut(&conv) {
        set.remove(&umid);
    }
}

/// What churn needs from a message record.
pub(crate) fn conv_message(m: &Message) -> ConvMessage {
    ConvMessage {
        id: m.umid.0,
        date_ms: i64::try_from(m.date.as_millis()).unwrap_or(i64::MAX),
        subject: m.subject.clone(),
        from: m
            .from
            .iter()
            .filter_map(|a| {
                Some(Addr {
                    name: a.name.clone(),
                    email: a.email.clone()?,
                })
            })
            .collect(),
        unread: !m.flags.is_seen(),
        flagged: m.flags.is_flagged(),
        has_attachments: m.has_attachments,
        snippet: m.snippet.clone(),
        deleted: false,
    }
}

impl Db {
    /// Records a fetched body (write-only: bodies are not kept in memory).
    pub(crate) fn put_body(&mut self, body: Body) {
        self.batch.bodies.insert(body.umid, body);
    }
}
