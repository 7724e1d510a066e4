//! `Batch` (what one engine step wants written, applied atomically by the store's commit path) and `Snapshot`
//! (everything the batches wrote, handed back to a new engine at start).
//!
//! Contract for the code that persists them:
//! - Apply batches in emission order (`Batch::seq` increases by one), each in one transaction.
//! - Every map is last-write-wins per key: `Some(v)` = put (insert or replace), `None` = delete.
//! - After a crash, restore from whatever was committed: batches are self-consistent units, so any prefix of
//!   the batch sequence is a valid state to resume from (the engine re-discovers what it lost).
//! - `Snapshot::apply` is the reference semantics: a store image built with it is exactly what
//!   `Input::Restored` expects. Bodies and problems are not part of the snapshot.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::plan::Task;
use crate::{
    Body, ConvId, Conversation, Counters, FlagSet, FlagSetEntry, FlagSetId, Folder, FolderId,
    FolderSyncState, Location, Message, Problem, TaskId, Umid,
};

/// A write to one message record.
// Values are moved, not copied around; boxing `Put` would only add an allocation per message.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, PartialEq, Debug)]
pub enum MessageWrite {
    /// Insert or replace the whole record: a new message, or one re-homed to another conversation by a merge
    /// (`conv` changed), or one whose snippet arrived.
    Put(Arc<Message>),
    /// Only the flags changed (the record's other fields stay).
    Flags(FlagSet),
    /// The message is gone (expunged upstream, or dropped by a UIDVALIDITY reset).
    Delete,
}

/// Conversations `from` were folded into `into`; their messages appear as `Put`s with the new `conv` and the
/// `from` conversations as deletions in the same batch. Listed separately so observers can redirect ids.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ConvMerge {
    pub into: ConvId,
    pub from: Vec<ConvId>,
}

/// One atomic set of store writes. See the module docs for the apply contract.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Batch {
    /// 1, 2, 3… per engine instance; echo it in `Input::BatchApplied`.
    pub seq: u64,
    pub folders: BTreeMap<FolderId, Option<Folder>>,
    pub sync_states: BTreeMap<FolderId, Option<FolderSyncState>>,
    /// umidLocationMap: where each message lives (folder, UID, flag-set slot).
    pub locations: BTreeMap<Umid, Option<Location>>,
    pub messages: BTreeMap<Umid, MessageWrite>,
    /// Conversation summaries (re-churned after every change to their messages).
    pub conversations: BTreeMap<ConvId, Option<Conversation>>,
    pub merges: Vec<ConvMerge>,
    /// headerIdMap: normalized Message-ID header value (own, References or In-Reply-To id of any message,
    /// also of messages we do not have) → the conversation it belongs to.
    pub header_ids: BTreeMap<String, Option<ConvId>>,
    /// The flag-set table: slot → flags and reference count.
    pub flag_sets: BTreeMap<FlagSetId, Option<FlagSetEntry>>,
    /// Fetched bodies (write-only for the engine).
    pub bodies: BTreeMap<Umid, Body>,
    /// Durable task queue: `Some` = queued (or updated), `None` = done.
    pub tasks: BTreeMap<TaskId, Option<Task>>,
    /// New allocation counters, when any id was allocated.
    pub counters: Option<Counters>,
    /// What went wrong along the way (not persisted in the snapshot; log or surface them).
    pub problems: Vec<Problem>,
}

impl Batch {
    /// True when applying it would change nothing durable (problems alone still make it worth emitting).
    pub fn is_empty(&self) -> bool {
        self.folders.is_empty()
            && self.sync_states.is_empty()
            && self.locations.is_empty()
            && self.messages.is_empty()
            && self.conversations.is_empty()
            && self.merges.is_empty()
            && self.header_ids.is_empty()
            && self.flag_sets.is_empty()
            && self.bodies.is_empty()
            && self.tasks.is_empty()
            && self.counters.is_none()
            && self.problems.is_empty()
    }

    /// Records new flags for a message, folding into a pending `Put` of the same batch.
    pub(crate) fn set_flags(&mut self, umid: Umid, flags: FlagSet) {
        match self.messages.get_mut(&umid) {
            Some(MessageWrite::Put(m)) => Arc::make_mut(m).flags = flags,
            Some(MessageWrite::Delete) => {}
            _ => {
                self.messages.insert(umid, MessageWrite::Flags(flags));
            }
        }
    }
}

/// Everything the batches wrote for one account: what `Input::Restored` takes at start.
#[derive(Clone, PartialEq, Debug, Default)]
pub struct Snapshot {
    pub folders: BTreeMap<FolderId, Folder>,
    pub sync_states: BTreeMap<FolderId, FolderSyncState>,
    pub locations: BTreeMap<Umid, Location>,
    pub messages: BTreeMap<Umid, Message>,
    pub conversations: BTreeMap<ConvId, Conversation>,
    pub header_ids: BTreeMap<String, ConvId>,
    pub flag_sets: BTreeMap<FlagSetId, FlagSetEntry>,
    pub tasks: BTreeMap<TaskId, Task>,
    pub counters: Counters,
}

impl Snapshot {
    /// Applies one batch: the reference semantics of every `Batch` field.
    pub fn apply(&mut self, batch: &Batch) {
        put_all(&mut self.folders, &batch.folders);
        put_all(&mut self.sync_states, &batch.sync_states);
        put_all(&mut self.locations, &batch.locations);
        put_all(&mut self.conversations, &batch.conversations);
        put_all(&mut self.header_ids, &batch.header_ids);
        put_all(&mut self.flag_sets, &batch.flag_sets);
        put_all(&mut self.tasks, &batch.tasks);
        for (umid, write) in &batch.messages {
            match write {
                MessageWrite::Put(m) => {
                    self.messages.insert(*umid, Message::clone(m));
                }
                MessageWrite::Flags(f) => {
                    if let Some(m) = self.messages.get_mut(umid) {
                        m.flags = f.clone();
                    }
                }
                MessageWrite::Delete => {
                    self.messages.remove(umid);
                }
            }
        }
        if let Some(c) = batch.counters {
            self.counters = c;
        }
    }
}

fn put_all<K: Ord + Clone, V: Clone>(map: &mut BTreeMap<K, V>, writes: &BTreeMap<K, Option<V>>) {
    for (k, v) in writes {
        match v {
            Some(v) => {
                map.insert(k.clone(), v.clone());
            }
            None => {
                map.remove(k);
            }
        }
    }
}
