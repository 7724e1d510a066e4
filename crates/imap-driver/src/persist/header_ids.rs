//! The headerIdMap in the store: mostly derived from the message records, with a `hid` row only for the
//! entries the records cannot give back.
//!
//! The engine maps every header id of a live message (Message-ID, References, In-Reply-To) to that message's
//! conversation; a merge re-homes the messages and their ids together. So a message record that lists its
//! ids (`typed::thread_ids`) with its conversation says what those entries are, and loading derives them
//! from the records. What the records cannot say gets a row: the ids of a deleted message whose
//! conversation lives on (the engine keeps them so that late replies still join), those ids re-pointed by a
//! later merge, ids of messages whose record was not written, and every entry of stores written before
//! records listed their ids. When both speak, the records win: a live message's ids always map to its
//! conversation, while a row may be left over from before the message came back.
//!
//! Why: a `hid` row per id was a random-key insert per message, and every commit of an initial sync
//! rewrote most of those pages (about 13 % of the 10k sync's wall time in `bench/sync`).

use std::collections::BTreeMap;

use inboxd_imap_sync::{Batch, ConvId, Message, Umid};
use inboxd_store::{StoreError, Txn};
use rustc_hash::{FxHashMap, FxHashSet};

use super::codec::space;
use super::typed;

/// Header ids → conversation as given by the message records a batch wrote.
#[derive(Debug, Default)]
pub(super) struct Written<'b> {
    ids: FxHashMap<&'b str, ConvId>,
}

impl<'b> Written<'b> {
    /// Notes the ids of a record just written.
    pub(super) fn record(&mut self, m: &'b Message) {
        for id in typed::thread_ids(m) {
            self.ids.insert(id, m.conv);
        }
    }

    fn says(&self, id: &str, conv: ConvId) -> bool {
        self.ids.get(id) == Some(&conv)
    }
}

/// Writes the batch's headerIdMap changes the written records do not already say (after `write_messages`);
/// a row left for an entry a record now says goes, so rows never pile up. `rows` is the set of ids that
/// have one.
pub(super) fn write(
    txn: &mut Txn<'_>,
    batch: &Batch,
    written: &Written<'_>,
    rows: &mut FxHashSet<String>,
) -> Result<(), StoreError> {
    for (id, conv) in &batch.header_ids {
        match conv {
            Some(c) if written.says(id, *c) => {
                if rows.remove(id) {
                    txn.sync_put(space::HEADER_ID, id, None)?;
                }
            }
            Some(c) => {
                txn.sync_put(space::HEADER_ID, id, Some(&c.0.to_string()))?;
                rows.insert(id.clone());
            }
            None => {
                if rows.remove(id) {
                    txn.sync_put(space::HEADER_ID, id, None)?;
                }
            }
        }
    }
    Ok(())
}

/// Before the record of `umid` is deleted: its ids stay mapped while its conversation lives, so they get
/// rows, unless this batch deletes the conversation or sets those entries itself.
pub(super) fn keep_ids_of_deleted(
    txn: &mut Txn<'_>,
    batch: &Batch,
    umid: Umid,
    rows: &mut FxHashSet<String>,
) -> Result<(), StoreError> {
    let Some(text) = txn.sync_get(space::MESSAGE, &umid.0.to_string())? else {
        return Ok(());
    };
    let stored = typed::message_from(umid, &text);
    let conv = stored.message.conv;
    if matches!(batch.conversations.get(&conv), Some(None)) {
        return Ok(());
    }
    let value = conv.0.to_string();
    for id in stored.ids.iter().flatten() {
        if !batch.header_ids.contains_key(id) {
            txn.sync_put(space::HEADER_ID, id, Some(&value))?;
            rows.insert(id.clone());
        }
    }
    Ok(())
}

/// The headerIdMap at load: the records' ids first, then the rows for ids no record lists. Also returns
/// the ids that have a row (for [`write`]).
pub(super) fn load(
    records: &[(Umid, Message, Option<Vec<String>>)],
    rows: Vec<(String, ConvId)>,
) -> (BTreeMap<String, ConvId>, FxHashSet<String>) {
    let mut map = BTreeMap::new();
    for (_, m, ids) in records {
        for id in ids.iter().flatten() {
            map.insert(id.clone(), m.conv);
        }
    }
    let mut with_rows = FxHashSet::default();
    for (id, conv) in rows {
        with_rows.insert(id.clone());
        map.entry(id).or_insert(conv);
    }
    (map, with_rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(umid: u64, conv: u64) -> Message {
        Message {
            umid: Umid(umid),
            conv: ConvId(conv),
            folder: inboxd_imap_sync::FolderId(1),
            message_id: String::new(),
            synthesized_id: false,
            references: Vec::new(),
            in_reply_to: Vec::new(),
            subject: String::new(),
            from: None,
            to: Vec::new(),
            cc: Vec::new(),
            date: inboxd_model::Timestamp(0),
            sent_date: None,
            flags: inboxd_imap_sync::FlagSet::new(Vec::<String>::new()),
            size: 0,
            snippet: None,
            has_attachments: false,
        }
    }

    #[test]
    fn records_win_and_rows_fill_what_no_record_lists() {
        let ids = |v: &[&str]| Some(v.iter().map(|s| s.to_string()).collect::<Vec<_>>());
        let records = vec![
            (Umid(1), message(1, 7), ids(&["a@x", "r@x"])),
            // A record of an earlier build lists nothing: its entries are rows.
            (Umid(2), message(2, 8), None),
        ];
        let rows = vec![
            // Left over from before the message came back: the record says otherwise.
            ("a@x".to_string(), ConvId(3)),
            ("gone@x".to_string(), ConvId(7)),
            ("old@x".to_string(), ConvId(8)),
        ];
        let (map, with_rows) = load(&records, rows);
        let want: BTreeMap<String, ConvId> = [("a@x", 7), ("gone@x", 7), ("old@x", 8), ("r@x", 7)]
            .into_iter()
            .map(|(id, c)| (id.to_string(), ConvId(c)))
            .collect();
        assert_eq!(map, want);
        assert_eq!(with_rows.len(), 3);
        assert!(with_rows.contains("a@x"));
    }

    #[test]
    fn a_record_lists_its_ids_without_the_usual_repeats_and_no_empty_one() {
        let m = Message {
            message_id: "m@x".into(),
            references: vec!["a@x".into(), "".into(), "b@x".into()],
            in_reply_to: vec!["b@x".into(), "m@x".into(), "c@x".into()],
            ..message(1, 1)
        };
        assert_eq!(
            typed::thread_ids(&m).collect::<Vec<_>>(),
            ["m@x", "a@x", "b@x", "c@x"]
        );
    }
}
