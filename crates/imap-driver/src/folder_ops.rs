//! The hand-off of client folder changes (CreateFolderRequest, FolderActionRequest rename/delete): recorded by
//! the handler in the `ops` space under key `f<store folder id>` in the same commit as the local change,
//! turned into engine [`FolderOp`]s by the worker (see `ops` for the pick-up / ack contract).

use inboxd_imap_sync::{FolderId, FolderOp};
use inboxd_model::ItemId;
use inboxd_store::{StoreError, Txn, folder_ids};
use serde_json::{Value, json};

use crate::ops::OPS_SPACE;
use crate::persist::Mirror;

/// A client's change to one store folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum QueuedFolderOp {
    /// The folder was created locally under `parent` with `name`.
    Create {
        parent: ItemId,
        name: String,
    },
    Rename {
        name: String,
    },
    Delete,
}

fn key(folder: ItemId) -> String {
    format!("f{}", folder.0)
}

fn to_json(op: &QueuedFolderOp) -> Value {
    match op {
        QueuedFolderOp::Create { parent, name } => json!({"create": name, "parent": parent.0}),
        QueuedFolderOp::Rename { name } => json!({"rename": name}),
        QueuedFolderOp::Delete => json!({"delete": true}),
    }
}

fn from_json(v: &Value) -> Option<QueuedFolderOp> {
    let text = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(name) = text("create") {
        let parent = ItemId(v.get("parent").and_then(Value::as_i64)?);
        return Some(QueuedFolderOp::Create { parent, name });
    }
    if let Some(name) = text("rename") {
        return Some(QueuedFolderOp::Rename { name });
    }
    v.get("delete").map(|_| QueuedFolderOp::Delete)
}

/// Records a folder change inside the handler's transaction, merged with one still waiting: a rename of a
/// folder not created upstream yet renames the creation; deleting it cancels the creation.
pub fn queue_folder_op(
    txn: &mut Txn<'_>,
    folder: ItemId,
    op: QueuedFolderOp,
) -> Result<(), StoreError> {
    let k = key(folder);
    let earlier = txn
        .sync_get(OPS_SPACE, &k)?
        .and_then(|t| from_json(&serde_json::from_str(&t).unwrap_or(Value::Null)));
    let merged = match (earlier, op) {
        (Some(QueuedFolderOp::Create { .. }), QueuedFolderOp::Delete) => None,
        (Some(QueuedFolderOp::Create { parent, .. }), QueuedFolderOp::Rename { name }) => {
            Some(QueuedFolderOp::Create { parent, name })
        }
        (_, op) => Some(op),
    };
    let value = merged.map(|m| to_json(&m).to_string());
    txn.sync_put(OPS_SPACE, &k, value.as_deref())
}

/// The engine op for one `f…` row, if the folders it names are mirrored.
pub(crate) fn pick_up(key: &str, value: &str, mirror: &Mirror) -> Option<FolderOp> {
    let item = ItemId(key.strip_prefix('f')?.parse().ok()?);
    let op = from_json(&serde_json::from_str(value).unwrap_or(Value::Null))?;
    let engine_folder = |item: ItemId| {
        mirror
            .folders
            .iter()
            .find(|(_, (_, i))| *i == item)
            .map(|(id, _)| *id)
    };
    let picked = match op {
        QueuedFolderOp::Create { parent, name } if parent == folder_ids::ROOT => {
            Some(FolderOp::Create { parent: None, name })
        }
        QueuedFolderOp::Create { parent, name } => {
            engine_folder(parent).map(|p: FolderId| FolderOp::Create {
                parent: Some(p),
                name,
            })
        }
        QueuedFolderOp::Rename { name } => {
            engine_folder(item).map(|folder| FolderOp::Rename { folder, name })
        }
        QueuedFolderOp::Delete => engine_folder(item).map(|folder| FolderOp::Delete { folder }),
    };
    if picked.is_none() {
        tracing::info!(%item, "folder change without an IMAP counterpart stays local");
    }
    picked
}
