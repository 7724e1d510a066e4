//! Messages and conversations of a batch: engine records become store messages (with the UID from their
//! location) and conversation summaries; deletions first, since a UIDVALIDITY reset reuses UIDs.

use inboxd_imap_sync::{Batch, ConvId, Conversation, Message, MessageWrite, Umid};
use inboxd_model::{ItemId, Timestamp};
use inboxd_store::{
    Address as StoreAddress, AddressList, ConversationSummary, EncodedMessage, ItemKind,
    NewMessage, StoreError, Txn,
};

use super::codec::{self, space};
use super::header_ids::{self, Written};
use super::mirror::Mirror;
use super::typed;
use super::{ApplyStats, delete_ignoring_missing, set_loc_row};

/// The store row of record `m`, placed nowhere yet (folder 0, no conversation, no UID): `put_message` places
/// it. The address lists are encoded straight from the record's addresses (those without an email are left
/// out, as the store has no place for them).
fn encode(m: &Message) -> Result<EncodedMessage, StoreError> {
    let pairs = |list: &'_ [inboxd_imap_sync::Address]| {
        AddressList::encode(
            list.iter()
                .filter_map(|a| Some((a.name.as_deref(), a.email.as_deref()?))),
        )
    };
    let mut row = new_message(m).encode()?;
    row.set_thread_ids(clean_ids(&m.in_reply_to), clean_ids(&m.references))?;
    row.set_addresses(pairs(m.from.as_slice()), pairs(&m.to), pairs(&m.cc));
    Ok(row)
}

/// [`encode`]'s message, without its address lists and thread ids.
fn new_message(m: &Message) -> NewMessage {
    NewMessage {
        folder: ItemId(0),
        conversation: None,
        imap_uid: None,
        message_id: (!m.synthesized_id).then(|| m.message_id.clone()),
        in_reply_to: Vec::new(),
        references: Vec::new(),
        subject: m.subject.clone(),
        from: Vec::new(),
        to: Vec::new(),
        cc: Vec::new(),
        date: m.sent_date.unwrap_or(m.date),
        internal_date: m.date,
        size: u64::from(m.size),
        flags: clean_flags(m.flags.as_slice()),
        snippet: m.snippet.clone(),
        has_attachments: m.has_attachments,
        body_fetched: false,
    }
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

pub(super) fn put_conversation(
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
        Some(&codec::conversation_to(c, item)),
    )
}

/// Writes the batch's message records and rows; returns the header ids the written records list.
pub(super) fn write_messages<'b>(
    txn: &mut Txn<'_>,
    batch: &'b Batch,
    mirror: &mut Mirror,
    stats: &mut ApplyStats,
) -> Result<Written<'b>, StoreError> {
    let mut written = Written::default();
    for (umid, w) in &batch.messages {
        if matches!(w, MessageWrite::Delete) {
            if let Some(item) = mirror.messages.remove(umid) {
                delete_ignoring_missing(txn.delete_message(item))?;
                stats.messages_deleted += 1;
            }
            header_ids::keep_ids_of_deleted(txn, batch, *umid, &mut mirror.hid_rows)?;
            let key = umid.0.to_string();
            txn.sync_put(space::MESSAGE, &key, None)?;
            // The location the record carried outlives it (e.g. an expunge still to go upstream).
            if let Some(l) = mirror
                .locations
                .get(umid)
                .filter(|_| !mirror.loc_rows.contains(umid))
            {
                let text = typed::location_to(l);
                set_loc_row(txn, mirror, *umid, Some(&text))?;
            }
        }
    }
    for (umid, w) in &batch.messages {
        match w {
            MessageWrite::Put(m) => {
                if put_message(txn, *umid, m, mirror, stats)? {
                    written.record(m);
                }
            }
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
    Ok(written)
}

fn clean_flags(flags: &[String]) -> Vec<String> {
    flags
        .iter()
        .filter(|f| !f.is_empty() && !f.chars().any(|c| c.is_whitespace() || c.is_control()))
        .cloned()
        .collect()
}

/// The ids the store can keep (it refuses empty ones and ones with whitespace, which the engine's normalized
/// ids never are).
fn clean_ids(ids: &[String]) -> impl Iterator<Item = &str> {
    // Plain ASCII (nearly every id) settles it without decoding characters.
    let storable = |w: &&str| {
        !w.is_empty()
            && (w.bytes().all(|b| b.is_ascii_graphic()) || !w.chars().any(char::is_whitespace))
    };
    ids.iter().map(String::as_str).filter(storable)
}

/// Writes one message's row and record; false when it was skipped (no record written).
fn put_message(
    txn: &mut Txn<'_>,
    umid: Umid,
    m: &Message,
    mirror: &mut Mirror,
    stats: &mut ApplyStats,
) -> Result<bool, StoreError> {
    let Some(folder) = mirror.folder_item(m.folder) else {
        tracing::warn!(?umid, folder = ?m.folder, "message in an unknown folder skipped");
        return Ok(false);
    };
    let uid = mirror
        .locations
        .get(&umid)
        .filter(|l| l.folder == m.folder)
        .map(|l| l.uid);
    let conv = mirror.convs.get(&m.conv).copied();
    let existing = match mirror.messages.get(&umid) {
        Some(item) => txn
            .item_kind(*item)?
            .filter(|k| *k == ItemKind::Message)
            .map(|_| *item),
        None => None,
    };
    let item = match existing {
        Some(item) => {
            txn.move_message(item, folder, uid)?;
            txn.update_message_flags(item, &clean_flags(m.flags.as_slice()))?;
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
            let mut row = encode(m)?;
            row.folder = folder;
            row.conversation = conv;
            row.imap_uid = uid;
            stats.messages_added += 1;
            txn.insert_encoded(row)?
        }
    };
    mirror.messages.insert(umid, item);
    txn.sync_put(
        space::MESSAGE,
        &umid.0.to_string(),
        Some(&typed::message_to(m, item, mirror.locations.get(&umid))),
    )?;
    Ok(true)
}
