//! One engine `Batch` → one store transaction: items (folders, conversations, messages) through the normal
//! `Txn` methods, so change ids and WaitSet events follow, plus the engine's own maps in `sync_state`.
//!
//! Order matters: folders (parents first) and conversations before the messages that point at them;
//! message deletions before insertions (a UIDVALIDITY reset reuses UIDs); conversation and folder deletions
//! last, once their messages moved away. Fetched bodies: their parts go to the `body` space (`crate::body`)
//! in the same commit, and leave it when their message is deleted.

use inboxd_imap_sync::{Batch, MessageWrite, Umid};
use inboxd_store::{StoreError, Txn};

use crate::body;

use super::codec::{self, space};
use super::folders::{delete_folders, put_folders};
use super::header_ids;
use super::messages::{put_conversation, write_messages};
use super::mirror::Mirror;
use super::typed;

/// What one applied batch changed, for progress reports and summaries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyStats {
    pub messages_added: u64,
    pub messages_updated: u64,
    pub messages_deleted: u64,
    pub folders_changed: u64,
    pub problems: u64,
}

impl ApplyStats {
    /// Adds another batch's counts (batches committed together).
    pub(crate) fn add(&mut self, other: &ApplyStats) {
        self.messages_added += other.messages_added;
        self.messages_updated += other.messages_updated;
        self.messages_deleted += other.messages_deleted;
        self.folders_changed += other.folders_changed;
        self.problems += other.problems;
    }
}

/// Applies `batch` inside `txn`, updating `mirror` as it goes (on error the caller must reload the mirror:
/// the transaction rolls back).
pub(crate) fn apply(
    txn: &mut Txn<'_>,
    batch: &Batch,
    mirror: &mut Mirror,
) -> Result<ApplyStats, StoreError> {
    let mut stats = ApplyStats::default();
    // An initial sync grows these maps by a chunk per batch: room up front instead of repeated rehashes.
    mirror.messages.reserve(batch.messages.len());
    mirror.locations.reserve(batch.locations.len());
    mirror.convs.reserve(batch.conversations.len());
    put_folders(txn, batch, mirror, &mut stats)?;
    for (id, conv) in &batch.conversations {
        if let Some(c) = conv {
            put_conversation(txn, *id, c, mirror)?;
        }
    }
    put_locations(txn, batch, mirror)?;
    forget_deleted_bodies(txn, batch, mirror)?;
    let written = write_messages(txn, batch, mirror, &mut stats)?;
    for (id, conv) in &batch.conversations {
        if conv.is_none() {
            if let Some(item) = mirror.convs.remove(id) {
                delete_ignoring_missing(txn.delete_conversation(item))?;
            }
            txn.sync_put(space::CONVERSATION, &id.0.to_string(), None)?;
        }
    }
    delete_folders(txn, batch, mirror, &mut stats)?;
    header_ids::write(txn, batch, &written, &mut mirror.hid_rows)?;
    write_engine_maps(txn, batch)?;
    for (umid, body) in &batch.bodies {
        if let Some(item) = mirror.messages.get(umid) {
            let attachments = body.parts.iter().any(|p| p.file_name.is_some());
            match txn.set_message_body(*item, Some(&body.snippet), attachments, true) {
                Ok(()) => body::put_body(txn, *item, body)?,
                Err(StoreError::NoSuchItem | StoreError::NoSuchFolder) => {}
                Err(e) => return Err(e),
            }
        }
    }
    for p in &batch.problems {
        tracing::warn!(kind = ?p.kind, folder = ?p.folder, uid = ?p.uid, detail = %p.detail, "sync problem");
    }
    stats.problems = batch.problems.len() as u64;
    Ok(stats)
}

/// The batch's UID locations. A message record written by this batch carries its location, so it needs no
/// `loc` row (an older one is dropped): one row less per synced message. Otherwise the `loc` row is the newer
/// word and overrides what a record carries, [`typed::NO_LOCATION`] included when a message whose record
/// stays lost its location. `write_messages` keeps the location of a record it deletes.
fn put_locations(txn: &mut Txn<'_>, batch: &Batch, mirror: &mut Mirror) -> Result<(), StoreError> {
    for (umid, loc) in &batch.locations {
        match loc {
            Some(l) => mirror.locations.insert(*umid, *l),
            None => mirror.locations.remove(umid),
        };
        let row = match (batch.messages.get(umid), loc) {
            // The record written below carries the location.
            (Some(MessageWrite::Put(_)), _) => None,
            (_, Some(l)) => Some(typed::location_to(l)),
            (Some(MessageWrite::Delete), None) => None,
            // A record written earlier may carry the old location.
            (_, None) if mirror.messages.contains_key(umid) => Some(typed::NO_LOCATION.to_owned()),
            (_, None) => None,
        };
        set_loc_row(txn, mirror, *umid, row.as_deref())?;
    }
    Ok(())
}

/// Writes (`Some`) or drops the `loc` row of `umid`, keeping `mirror.loc_rows` (which umids have one) true.
pub(super) fn set_loc_row(
    txn: &mut Txn<'_>,
    mirror: &mut Mirror,
    umid: Umid,
    text: Option<&str>,
) -> Result<(), StoreError> {
    let had = match text {
        Some(_) => !mirror.loc_rows.insert(umid),
        None => mirror.loc_rows.remove(&umid),
    };
    if text.is_some() || had {
        txn.sync_put(space::LOCATION, &umid.0.to_string(), text)?;
    }
    Ok(())
}

/// Drops the stored bodies of the messages this batch deletes; runs before `write_messages`, which forgets
/// their store ids.
fn forget_deleted_bodies(
    txn: &mut Txn<'_>,
    batch: &Batch,
    mirror: &Mirror,
) -> Result<(), StoreError> {
    for (umid, w) in &batch.messages {
        if matches!(w, MessageWrite::Delete)
            && let Some(item) = mirror.messages.get(umid)
        {
            body::remove_body(txn, *item)?;
        }
    }
    Ok(())
}

/// A missing item means an earlier cascade (folder or conversation delete) already removed it.
pub(super) fn delete_ignoring_missing(r: Result<(), StoreError>) -> Result<(), StoreError> {
    match r {
        Err(StoreError::NoSuchItem | StoreError::NoSuchFolder) => Ok(()),
        other => other,
    }
}

fn write_engine_maps(txn: &mut Txn<'_>, batch: &Batch) -> Result<(), StoreError> {
    for (id, st) in &batch.sync_states {
        let v = st.as_ref().map(|s| codec::state_to(s).to_string());
        txn.sync_put(space::STATE, &id.0.to_string(), v.as_deref())?;
    }
    for (id, e) in &batch.flag_sets {
        let v = e.as_ref().map(|e| codec::flag_set_to(e).to_string());
        txn.sync_put(space::FLAG_SET, &id.0.to_string(), v.as_deref())?;
    }
    for (id, t) in &batch.tasks {
        let v = t.as_ref().map(|t| codec::task_to(t).to_string());
        txn.sync_put(space::TASK, &id.0.to_string(), v.as_deref())?;
    }
    if let Some(c) = &batch.counters {
        txn.sync_put(
            space::COUNTERS,
            "c",
            Some(&codec::counters_to(c).to_string()),
        )?;
    }
    Ok(())
}
