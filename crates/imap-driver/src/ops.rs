//! The hand-off of client operations from the SOAP handlers to the account's worker.
//!
//! A handler applies a change (flags, move, delete) to the store and, in the same commit, records the wanted
//! end state of each message in the `ops` space of the store's sync state ([`queue_op`]), keyed by the store
//! message id; then it wakes the worker. The worker ([`pick_up`]) maps the records to engine ids, feeds them to
//! the engine as `Input::Ops`, and deletes them ([`ack`]) in the same commit as the batch that made them
//! durable engine tasks, so an op is never lost and never planned twice across a crash. A record rewritten
//! between pick-up and ack is kept (its value no longer matches) and picked up again.
//!
//! What does not belong here: planning and executing the ops (`inboxd-imap-sync`), the local store change
//! (the handlers).

use inboxd_imap_sync::{FlagSet, FolderId, FolderOp, LocalOp, Umid};
use inboxd_model::{AccountId, ItemId};
use inboxd_store::{Item, Store, StoreError, Txn, folder_ids};
use serde_json::{Value, json};

use crate::persist::Mirror;

/// The sync-state space holding queued client operations.
pub const OPS_SPACE: &str = "ops";

/// One message's pending client change: the wanted end state (`None`: unchanged).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QueuedOp {
    /// The complete flag list after the change.
    pub flags: Option<Vec<String>>,
    /// The store folder the message was moved to.
    pub folder: Option<ItemId>,
    /// The message was deleted.
    pub delete: bool,
}

impl QueuedOp {
    fn to_json(&self) -> Value {
        json!({"flags": self.flags, "folder": self.folder.map(|f| f.0), "delete": self.delete})
    }

    fn from_json(v: &Value) -> Self {
        QueuedOp {
            flags: v.get("flags").and_then(Value::as_array).map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect()
            }),
            folder: v.get("folder").and_then(Value::as_i64).map(ItemId),
            delete: v.get("delete").and_then(Value::as_bool).unwrap_or(false),
        }
    }

    /// `later` on top of `self`: set fields replace, a deletion wins.
    fn merge(self, later: QueuedOp) -> QueuedOp {
        QueuedOp {
            flags: later.flags.or(self.flags),
            folder: later.folder.or(self.folder),
            delete: self.delete || later.delete,
        }
    }
}

/// Records a client's change to `message` inside the handler's transaction, merged with any change still
/// waiting for the worker.
pub fn queue_op(txn: &mut Txn<'_>, message: ItemId, op: QueuedOp) -> Result<(), StoreError> {
    let key = message.0.to_string();
    let merged = match txn.sync_get(OPS_SPACE, &key)? {
        Some(text) => QueuedOp::from_json(&parse(&text)).merge(op),
        None => op,
    };
    txn.sync_put(OPS_SPACE, &key, Some(&merged.to_json().to_string()))
}

/// The ops waiting for `account`'s worker, as `(key, value)` rows.
pub fn pending(store: &Store, account: &AccountId) -> Result<Vec<(String, String)>, StoreError> {
    store.sync_load(account, OPS_SPACE)
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

/// Turns loaded rows into engine ops: message ops, and folder ops (`f…` keys, see `folder_ops`). Every row
/// is acknowledged afterwards: rows about items the engine never mirrored (nothing upstream to change) are
/// dropped with the others.
pub(crate) fn pick_up(rows: &[(String, String)], mirror: &Mirror) -> (Vec<LocalOp>, Vec<FolderOp>) {
    let mut ops = Vec::new();
    let mut folders = Vec::new();
    for (key, value) in rows {
        if key.starts_with('f') {
            folders.extend(crate::folder_ops::pick_up(key, value, mirror));
            continue;
        }
        let Some(item) = key.parse::<i64>().ok().map(ItemId) else {
            continue;
        };
        let Some(umid) = umid_of(mirror, item) else {
            tracing::debug!(%item, "client op for a message not mirrored upstream dropped");
            continue;
        };
        let q = QueuedOp::from_json(&parse(value));
        let folder = q.folder.and_then(|f| folder_of(mirror, f));
        if q.folder.is_some() && folder.is_none() {
            tracing::warn!(%item, folder = ?q.folder, "move to a folder without an IMAP counterpart stays local");
        }
        ops.push(LocalOp {
            umid,
            flags: q.flags.map(FlagSet::new),
            folder,
            delete: q.delete,
        });
    }
    (ops, folders)
}

fn umid_of(mirror: &Mirror, item: ItemId) -> Option<Umid> {
    mirror
        .messages
        .iter()
        .find(|(_, i)| **i == item)
        .map(|(u, _)| *u)
}

fn folder_of(mirror: &Mirror, item: ItemId) -> Option<FolderId> {
    mirror
        .folders
        .iter()
        .find(|(_, (_, i))| *i == item)
        .map(|(id, _)| *id)
}

/// Deletes the picked-up rows that still hold the value that was picked up. A move into a user folder the
/// server does not have yet (created locally, CREATE still to come) keeps its row: the next pick-up, once the
/// folder is mirrored, carries the move out (the rest of the row is an end state, so feeding it again is
/// harmless).
pub(crate) fn ack(txn: &mut Txn<'_>, rows: &[(String, String)]) -> Result<(), StoreError> {
    for (key, value) in rows {
        if txn.sync_get(OPS_SPACE, key)?.as_deref() != Some(value.as_str()) {
            continue;
        }
        let target = QueuedOp::from_json(&parse(value)).folder;
        if let Some(folder) = target
            && !key.starts_with('f')
            && awaits_creation(txn, folder)?
        {
            continue;
        }
        txn.sync_put(OPS_SPACE, key, None)?;
    }
    Ok(())
}

/// Acknowledges rows in a commit of their own: those whose ops gave the engine nothing to store (no batch
/// came to carry the ack).
pub(crate) async fn ack_alone(
    store: &Store,
    account: &AccountId,
    rows: Vec<(String, String)>,
) -> Result<(), crate::DriverError> {
    let (store, account) = (store.clone(), account.clone());
    let when = crate::clock::now();
    crate::runner::blocking(move || {
        store
            .commit(&account, when, |txn| ack(txn, &rows))
            .map(|_| ())
    })
    .await
}

/// A user folder without an IMAP path yet: created locally, its CREATE pending.
fn awaits_creation(txn: &Txn<'_>, folder: ItemId) -> Result<bool, StoreError> {
    Ok(matches!(txn.item(folder)?, Some(Item::Folder(f))
        if f.imap_path.is_none() && !folder_ids::is_system(folder)))
}

#[cfg(test)]
#[path = "ops_tests.rs"]
mod tests;
