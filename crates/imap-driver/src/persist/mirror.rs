//! The driver's view of what the store holds for one account: engine ids → store item ids, and the UID
//! locations needed to write messages. Loaded with the engine snapshot at start, kept in step by `apply`.

use std::collections::BTreeMap;

use rustc_hash::{FxHashMap, FxHashSet};

use inboxd_imap_sync::{
    ConvId, FlagSetId, Folder, FolderId, Location, Message, Snapshot, TaskId, Umid,
};
use inboxd_model::{AccountId, ItemId};
use inboxd_store::{Store, StoreError};

use super::codec::{self, space};
use super::{header_ids, typed};

/// Engine-to-store id maps for one account. Keyed by ids the engine allocates (never by server or sender
/// data), so a fast non-keyed hash is safe: these maps take one insert per synced message.
#[derive(Debug, Default)]
pub(crate) struct Mirror {
    pub folders: BTreeMap<FolderId, (Folder, ItemId)>,
    pub messages: FxHashMap<Umid, ItemId>,
    pub convs: FxHashMap<ConvId, ItemId>,
    pub locations: FxHashMap<Umid, Location>,
    /// Messages with a row in the `loc` space (one that overrides the location their record carries).
    pub loc_rows: FxHashSet<Umid>,
    /// Header ids with a row in the `hid` space (see `header_ids.rs`).
    pub hid_rows: FxHashSet<String>,
}

impl Mirror {
    /// The store folder for an engine folder path, if mirrored.
    pub(crate) fn folder_by_path(&self, path: &str) -> Option<ItemId> {
        self.folders
            .values()
            .find(|(f, _)| f.path == path)
            .map(|(_, item)| *item)
    }

    pub(crate) fn folder_item(&self, id: FolderId) -> Option<ItemId> {
        self.folders.get(&id).map(|(_, item)| *item)
    }
}

fn parse_key<T: std::str::FromStr>(k: &str) -> Option<T> {
    k.parse().ok()
}

/// The message records of `account`: (umid, record, store item, location written with the record, header
/// ids listed in the record).
type MessageRows = Vec<(
    Umid,
    Message,
    Option<ItemId>,
    Option<Location>,
    Option<Vec<String>>,
)>;

/// The records, lean ones completed from their store rows. A lean record whose row is gone (a client
/// deleted the message locally; the expunge upstream is still queued) keeps what it has: the engine only
/// needs its location, flags and conversation until the delete goes out.
fn load_messages(store: &Store, account: &AccountId) -> Result<MessageRows, StoreError> {
    // The rows are read on another thread while the records load and decode.
    let (records, rows) = std::thread::scope(|s| {
        let rows = s.spawn(|| store.messages(account));
        let records: Result<Vec<(Umid, typed::StoredMessage)>, StoreError> =
            store.sync_load(account, space::MESSAGE).map(|all| {
                all.into_iter()
                    .filter_map(|(k, v)| {
                        let umid = Umid(parse_key::<u64>(&k)?);
                        Some((umid, typed::message_from(umid, &v)))
                    })
                    .collect()
            });
        let rows = rows
            .join()
            .map_err(|_| StoreError::Backend("loading message rows panicked".into()));
        (records, rows)
    });
    let (mut records, rows) = (records?, rows??);
    // Records and rows meet by store item in one merge: the rows come ordered by id (`Store::messages`), the
    // records are sorted here. (A map of the rows by id cost more than the rest of the join: tens of MB of
    // fresh pages at 100k messages.)
    records.sort_unstable_by_key(|(_, stored)| stored.item.map_or(i64::MAX, |i| i.0));
    let mut rows = rows.into_iter().peekable();
    Ok(records
        .into_iter()
        // Each row completes one record (one umid per store message), so it is moved, not cloned.
        .map(|(umid, mut stored)| {
            if let Some(item) = stored.item {
                while rows.next_if(|r| r.id.0 < item.0).is_some() {}
                if stored.lean
                    && let Some(row) = rows.next_if(|r| r.id == item)
                {
                    typed::fill_from_row(&mut stored, row);
                }
            }
            (umid, stored.message, stored.item, stored.loc, stored.ids)
        })
        .collect())
}

/// Reads the engine snapshot and the id maps of `account` from the store. The message records (most of
/// the bytes) are read and decoded on a second thread meanwhile the other spaces load.
pub(crate) fn load(store: &Store, account: &AccountId) -> Result<(Snapshot, Mirror), StoreError> {
    std::thread::scope(|s| {
        let messages = s.spawn(|| load_messages(store, account));
        let rest = load_rest(store, account);
        let messages = messages
            .join()
            .map_err(|_| StoreError::Backend("loading message records panicked".into()))??;
        let (mut snap, mut mirror, hid_rows) = rest?;
        let mut threaded = Vec::with_capacity(messages.len());
        for (umid, message, item, loc, ids) in messages {
            if let Some(item) = item {
                mirror.messages.insert(umid, item);
            }
            // A `loc` row is newer than the location the record was written with.
            if let Some(loc) = loc.filter(|_| !mirror.loc_rows.contains(&umid)) {
                mirror.locations.insert(umid, loc);
                snap.locations.insert(umid, loc);
            }
            threaded.push((umid, message, ids));
        }
        (snap.header_ids, mirror.hid_rows) = header_ids::load(&threaded, hid_rows);
        snap.messages = threaded.into_iter().map(|(u, m, _)| (u, m)).collect();
        Ok((snap, mirror))
    })
}

/// `hid` rows: header id → conversation.
type HeaderIdRows = Vec<(String, ConvId)>;

/// Everything but the message records (and the headerIdMap, which needs them), with the `hid` rows.
fn load_rest(
    store: &Store,
    account: &AccountId,
) -> Result<(Snapshot, Mirror, HeaderIdRows), StoreError> {
    let mut snap = Snapshot::default();
    let mut mirror = Mirror::default();
    for (k, v) in store.sync_load(account, space::FOLDER)? {
        let (Some(id), v) = (parse_key::<u32>(&k), codec::parse(&v)) else {
            continue;
        };
        let f = codec::folder_from(FolderId(id), &v);
        if let Some(item) = codec::item_of(&v) {
            mirror.folders.insert(f.id, (f.clone(), item));
        }
        snap.folders.insert(f.id, f);
    }
    for (k, v) in store.sync_load(account, space::STATE)? {
        if let Some(id) = parse_key::<u32>(&k) {
            snap.sync_states
                .insert(FolderId(id), codec::state_from(&codec::parse(&v)));
        }
    }
    for (k, v) in store.sync_load(account, space::LOCATION)? {
        if let Some(id) = parse_key::<u64>(&k) {
            mirror.loc_rows.insert(Umid(id));
            if let Some(loc) = typed::location_from(&v) {
                mirror.locations.insert(Umid(id), loc);
                snap.locations.insert(Umid(id), loc);
            }
        }
    }
    for (k, v) in store.sync_load(account, space::CONVERSATION)? {
        let (Some(id), v) = (parse_key::<u64>(&k), codec::parse(&v)) else {
            continue;
        };
        if let Some(item) = codec::item_of(&v) {
            mirror.convs.insert(ConvId(id), item);
        }
        snap.conversations
            .insert(ConvId(id), codec::conversation_from(&v));
    }
    let hid_rows = store
        .sync_load(account, space::HEADER_ID)?
        .into_iter()
        .filter_map(|(k, v)| Some((k, ConvId(v.parse::<u64>().ok()?))))
        .collect();
    for (k, v) in store.sync_load(account, space::FLAG_SET)? {
        if let Some(id) = parse_key::<u32>(&k) {
            snap.flag_sets
                .insert(FlagSetId(id), codec::flag_set_from(&codec::parse(&v)));
        }
    }
    for (k, v) in store.sync_load(account, space::TASK)? {
        if let (Some(id), Some(task)) = (parse_key::<u64>(&k), codec::task_from(&codec::parse(&v)))
        {
            snap.tasks.insert(TaskId(id), task);
        }
    }
    if let Some((_, v)) = store
        .sync_load(account, space::COUNTERS)?
        .into_iter()
        .next()
    {
        snap.counters = codec::counters_from(&codec::parse(&v));
    }
    Ok((snap, mirror, hid_rows))
}
