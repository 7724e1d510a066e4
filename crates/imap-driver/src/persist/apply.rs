//! One engine `Batch` → one store transaction: items (folders, conversations, messages) through the normal
//! `Txn` methods, so change ids and WaitSet events follow, plus the engine's own maps in `sync_state`.
//!
//! Order matters: folders (parents first) and conversations before the messages that point at them;
//! message deletions before insertions (a UIDVALIDITY reset reuses UIDs); conversation and folder deletions
//! last, once their messages moved away.

use inboxd_imap_sync::{
    Batch, ConvId, Conversation, Folder, FolderKind, Message, MessageWrite, Umid,
};
use inboxd_model::{ItemId, Timestamp};
use inboxd_store::{
    Address as StoreAddress, ConversationSummary, NewFolder, NewMessage, StoreError, Txn,
    folder_ids,
};

use super::codec::{self, space};
use super::mirror::Mirror;

/// What one applied batch changed, for progress reports and summaries.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ApplyStats {
    pub messages_added: u64,
    pub messages_updated: u64,
    pub messages_deleted: u64,
    pub folders_changed: u64,
    pub problems: u64,
}

/// Applies `batch` inside `txn`, updating `mirror` as it goes (on error the caller must reload the mirror:
/// the transaction rolls back).
pub(crate) fn apply(
    txn: &mut Txn<'_>,
    batch: &Batch,
    mirror: &mut Mirror,
) -> Result<ApplyStats, StoreError> {
    let mut stats = ApplyStats::default();
    put_folders(txn, batch, mirror, &mut stats)?;
    for (id, conv) in &batch.conversations {
        if let Some(c) = conv {
            put_conversation(txn, *id, c, mirror)?;
        }
    }
    for (umid, loc) in &batch.locations {
        let key = umid.0.to_string();
        match loc {
            Some(l) => {
                mirror.locations.insert(*umid, *l);
                txn.sync_put(
                    space::LOCATION,
                    &key,
                    Some(&codec::location_to(l).to_string()),
                )?;
            }
            None => {
                mirror.locations.remove(umid);
                txn.sync_put(space::LOCATION, &key, None)?;
            }
        }
    }
    write_messages(txn, batch, mirror, &mut stats)?;
    for (id, conv) in &batch.conversations {
        if conv.is_none() {
            if let Some(item) = mirror.convs.remove(id) {
                delete_ignoring_missing(txn.delete_conversation(item))?;
            }
            txn.sync_put(space::CONVERSATION, &id.0.to_string(), None)?;
        }
    }
    delete_folders(txn, batch, mirror, &mut stats)?;
    write_engine_maps(txn, batch)?;
    for (umid, body) in &batch.bodies {
        if let Some(item) = mirror.messages.get(umid) {
            let attachments = body.parts.iter().any(|p| p.file_name.is_some());
            delete_ignoring_missing(txn.set_message_body(
                *item,
                Some(&body.snippet),
                attachments,
                true,
            ))?;
        }
    }
    for p in &batch.problems {
        tracing::warn!(kind = ?p.kind, folder = ?p.folder, uid = ?p.uid, detail = %p.detail, "sync problem");
    }
    stats.problems = batch.problems.len() as u64;
    Ok(stats)
}

/// A missing item means an earlier cascade (folder or conversation delete) already removed it.
fn delete_ignoring_missing(r: Result<(), StoreError>) -> Result<(), StoreError> {
    match r {
        Err(StoreError::NoSuchItem | StoreError::NoSuchFolder) => Ok(()),
        other => other,
    }
}

fn special_use(kind: FolderKind) -> Option<&'static str> {
    Some(match kind {
        FolderKind::Drafts => "\\Drafts",
        FolderKind::Sent => "\\Sent",
        FolderKind::Trash => "\\Trash",
        FolderKind::Junk => "\\Junk",
        FolderKind::Archive => "\\Archive",
        FolderKind::All => "\\All",
        FolderKind::Flagged => "\\Flagged",
        FolderKind::Inbox | FolderKind::Normal => return None,
    })
}

/// The system folder an IMAP folder of this kind should be shown as.
fn system_folder(kind: FolderKind) -> Option<ItemId> {
    match kind {
        FolderKind::Inbox => Some(folder_ids::INBOX),
        FolderKind::Drafts => Some(folder_ids::DRAFTS),
        FolderKind::Sent => Some(folder_ids::SENT),
        FolderKind::Trash => Some(folder_ids::TRASH),
        FolderKind::Junk => Some(folder_ids::JUNK),
        _ => None,
    }
}

fn put_folders(
    txn: &mut Txn<'_>,
    batch: &Batch,
    mirror: &mut Mirror,
    stats: &mut ApplyStats,
) -> Result<(), StoreError> {
    let mut puts: Vec<&Folder> = batch.folders.values().flatten().collect();
    puts.sort_by_key(|f| (f.depth, f.id));
    for f in puts {
        let item = match mirror.folder_item(f.id) {
            Some(item) => {
                update_folder(txn, item, f, mirror)?;
                item
            }
            None => create_folder(txn, f, mirror)?,
        };
        mirror.folders.insert(f.id, (f.clone(), item));
        txn.sync_put(
            space::FOLDER,
            &f.id.0.to_string(),
            Some(&codec::folder_to(f, item).to_string()),
        )?;
        stats.folders_changed += 1;
    }
    Ok(())
}

fn parent_item(f: &Folder, mirror: &Mirror) -> ItemId {
    f.delimiter
        .and_then(|d| f.path.rsplit_once(d))
        .and_then(|(parent, _)| mirror.folder_by_path(parent))
        .unwrap_or(folder_ids::ROOT)
}

fn store_name(f: &Folder) -> String {
    let name: String = f
        .name
        .chars()
        .map(|c| if c == '/' || c.is_control() { '_' } else { c })
        .collect();
    if name.trim().is_empty() {
        f.path.replace('/', "_")
    } else {
        name
    }
}

fn update_folder(
    txn: &mut Txn<'_>,
    item: ItemId,
    f: &Folder,
    mirror: &Mirror,
) -> Result<(), StoreError> {
    txn.set_folder_imap(item, Some(&f.path), special_use(f.kind))?;
    if folder_ids::is_system(item) {
        return Ok(());
    }
    let parent = parent_item(f, mirror);
    // Renames can collide with a sibling; keep the old name rather than fail the batch.
    if let Err(e) = txn.rename_folder(item, &store_name(f)) {
        tracing::debug!(%e, path = %f.path, "folder rename skipped");
    }
    if let Err(e) = txn.move_folder(item, parent) {
        tracing::debug!(%e, path = %f.path, "folder move skipped");
    }
    Ok(())
}

/// Adopts a matching unclaimed system or sibling folder, or creates one (suffixing the name on clashes).
fn create_folder(txn: &mut Txn<'_>, f: &Folder, mirror: &Mirror) -> Result<ItemId, StoreError> {
    let parent = parent_item(f, mirror);
    let name = store_name(f);
    let existing = txn.folders()?;
    let claimed = |id: ItemId| mirror.folders.values().any(|(_, item)| *item == id);
    let adopt = system_folder(f.kind)
        .filter(|id| !claimed(*id))
        .or_else(|| {
            existing
                .iter()
                .find(|e| {
                    e.parent == Some(parent)
                        && e.name.eq_ignore_ascii_case(&name)
                        && e.imap_path.is_none()
                        && !claimed(e.id)
                })
                .map(|e| e.id)
        });
    if let Some(id) = adopt {
        txn.set_folder_imap(id, Some(&f.path), special_use(f.kind))?;
        return Ok(id);
    }
    for attempt in 1..=20u32 {
        let candidate = if attempt == 1 {
            name.clone()
        } else {
            format!("{name} ({attempt})")
        };
        let new = NewFolder {
            parent,
            name: candidate,
            view: Some(inboxd_model::ItemType::Message),
            imap_path: Some(f.path.clone()),
            special_use: special_use(f.kind).map(str::to_string),
        };
        match txn.create_folder(new) {
            Ok(id) => return Ok(id),
            Err(StoreError::Invalid(_)) => continue,
            Err(e) => return Err(e),
        }
    }
    Err(StoreError::Invalid(format!(
        "no free folder name for {}",
        f.path
    )))
}

fn delete_folders(
    txn: &mut Txn<'_>,
    batch: &Batch,
    mirror: &mut Mirror,
    stats: &mut ApplyStats,
) -> Result<(), StoreError> {
    for (id, f) in &batch.folders {
        if f.is_some() {
            continue;
        }
        if let Some((_, item)) = mirror.folders.remove(id) {
            if folder_ids::is_system(item) {
                txn.set_folder_imap(item, None, None)?;
            } else {
                match txn.delete_folder(item) {
                    Ok(_) | Err(StoreError::NoSuchFolder | StoreError::NoSuchItem) => {}
                    Err(e) => return Err(e),
                }
            }
        }
        txn.sync_put(space::FOLDER, &id.0.to_string(), None)?;
        stats.folders_changed += 1;
    }
    Ok(())
}

fn summary(id: Option<ItemId>, c: &Conversation) -> ConversationSummary {
    ConversationSummary {
        id,
        subject: c.subject.clone(),
        participants: c
            .participants
            .iter()
            .map(|a| StoreAddress {
                name: a.name.clone(),
                email: a.email.clone(),
            })
            .collect(),
        first_date: Timestamp(u64::try_from(c.first_date).unwrap_or(0)),
        last_date: Timestamp(u64::try_from(c.last_date).unwrap_or(0)),
        message_count: u32::try_from(c.message_count).unwrap_or(u32::MAX),
        unread_count: u32::try_from(c.unread_count).unwrap_or(u32::MAX),
        flagged: c.flagged,
        has_attachments: c.has_attachments,
        snippet: c.snippet.clone(),
    }
}

fn put_conversation(
    txn: &mut Txn<'_>,
    id: ConvId,
    c: &Conversation,
    mirror: &mut Mirror,
) -> Result<(), StoreError> {
    let item = match mirror.convs.get(&id) {
        Some(item) => match txn.put_conversation(summary(Some(*item), c)) {
            Err(StoreError::NoSuchItem) => txn.put_conversation(summary(None, c))?,
            other => other?,
        },
        None => txn.put_conversation(summary(None, c))?,
    };
    mirror.convs.insert(id, item);
    txn.sync_put(
        space::CONVERSATION,
        &id.0.to_string(),
        Some(&codec::conversation_to(c, item).to_string()),
    )
}

fn write_messages(
    txn: &mut Txn<'_>,
    batch: &Batch,
    mirror: &mut Mirror,
    stats: &mut ApplyStats,
) -> Result<(), StoreError> {
    for (umid, w) in &batch.messages {
        if matches!(w, MessageWrite::Delete) {
            if let Some(item) = mirror.messages.remove(umid) {
                delete_ignoring_missing(txn.delete_message(item))?;
                stats.messages_deleted += 1;
            }
            txn.sync_put(space::MESSAGE, &umid.0.to_string(), None)?;
        }
    }
    for (umid, w) in &batch.messages {
        match w {
            MessageWrite::Put(m) => put_message(txn, *umid, m, mirror, stats)?,
            MessageWrite::Flags(flags) => {
                let key = umid.0.to_string();
                let Some(item) = mirror.messages.get(umid).copied() else {
                    continue;
                };
                delete_ignoring_missing(
                    txn.update_message_flags(item, &clean_flags(flags.as_slice())),
                )?;
                if let Some(text) = txn.sync_get(space::MESSAGE, &key)? {
                    let mut v = codec::parse(&text);
                    v["flags"] = serde_json::json!(flags.as_slice());
                    txn.sync_put(space::MESSAGE, &key, Some(&v.to_string()))?;
                }
                stats.messages_updated += 1;
            }
            MessageWrite::Delete => {}
        }
    }
    Ok(())
}

fn clean_flags(flags: &[String]) -> Vec<String> {
    flags
        .iter()
        .filter(|f| !f.is_empty() && !f.chars().any(|c| c.is_whitespace() || c.is_control()))
        .cloned()
        .collect()
}

fn clean_ids(ids: &[String]) -> Vec<String> {
    ids.iter()
        .filter(|w| !w.is_empty() && !w.chars().any(char::is_whitespace))
        .cloned()
        .collect()
}

fn addr(a: &inboxd_imap_sync::Address) -> Option<StoreAddress> {
    Some(StoreAddress {
        name: a.name.clone(),
        email: a.email.clone()?,
    })
}

fn put_message(
    txn: &mut Txn<'_>,
    umid: Umid,
    m: &Message,
    mirror: &mut Mirror,
    stats: &mut ApplyStats,
) -> Result<(), StoreError> {
    let Some(folder) = mirror.folder_item(m.folder) else {
        tracing::warn!(?umid, folder = ?m.folder, "message in an unknown folder skipped");
        return Ok(());
    };
    let uid = mirror
        .locations
        .get(&umid)
        .filter(|l| l.folder == m.folder)
        .map(|l| l.uid);
    let conv = mirror.convs.get(&m.conv).copied();
    let flags = clean_flags(m.flags.as_slice());
    let existing = match mirror.messages.get(&umid) {
        Some(item) => txn.item(*item)?.map(|_| *item),
        None => None,
    };
    let item = match existing {
        Some(item) => {
            txn.move_message(item, folder, uid)?;
            txn.update_message_flags(item, &flags)?;
            if let Some(c) = conv {
                txn.set_message_conversation(item, c)?;
            }
            txn.set_message_body(
                item,
                m.snippet.as_deref(),
                m.has_attachments,
                m.snippet.is_some(),
            )?;
            stats.messages_updated += 1;
            item
        }
        None => {
            let new = NewMessage {
                folder,
                conversation: conv,
                imap_uid: uid,
                message_id: (!m.synthesized_id).then(|| m.message_id.clone()),
                in_reply_to: clean_ids(&m.in_reply_to),
                references: clean_ids(&m.references),
                subject: m.subject.clone(),
                from: m.from.iter().filter_map(addr).collect(),
                to: m.to.iter().filter_map(addr).collect(),
                cc: m.cc.iter().filter_map(addr).collect(),
                date: m.sent_date.unwrap_or(m.date),
                internal_date: m.date,
                size: u64::from(m.size),
                flags,
                snippet: m.snippet.clone(),
                has_attachments: m.has_attachments,
                body_fetched: false,
            };
            stats.messages_added += 1;
            txn.insert_message(new)?
        }
    };
    mirror.messages.insert(umid, item);
    txn.sync_put(
        space::MESSAGE,
        &umid.0.to_string(),
        Some(&codec::message_to(m, item).to_string()),
    )
}

fn write_engine_maps(txn: &mut Txn<'_>, batch: &Batch) -> Result<(), StoreError> {
    for (id, st) in &batch.sync_states {
        let v = st.as_ref().map(|s| codec::state_to(s).to_string());
        txn.sync_put(space::STATE, &id.0.to_string(), v.as_deref())?;
    }
    for (hid, conv) in &batch.header_ids {
        let v = conv.map(|c| c.0.to_string());
        txn.sync_put(space::HEADER_ID, hid, v.as_deref())?;
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
