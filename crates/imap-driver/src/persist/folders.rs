//! Folders of a batch: IMAP mailboxes become store folders (INBOX and special-use mailboxes adopt the
//! matching system folder; others are created under their parent path), renamed, moved or deleted.

use inboxd_imap_sync::{Batch, Folder, FolderKind};
use inboxd_model::ItemId;
use inboxd_store::{NewFolder, StoreError, Txn, folder_ids};

use super::ApplyStats;
use super::codec::{self, space};
use super::mirror::Mirror;

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

pub(super) fn put_folders(
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

pub(super) fn delete_folders(
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
