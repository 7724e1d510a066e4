//! `Txn` operations on folders: system folders for a new account, create, rename, move, delete
//! (recursive), and the IMAP mapping (`imap_path`, `special_use`).

use std::collections::BTreeSet;

use inboxd_model::{ItemId, ItemType};
use rusqlite::params;

use crate::codec::type_letter;
use crate::error::DbExt;
use crate::item::{DeletedFolder, Folder, ItemKind, NewFolder, folder_ids};
use crate::read::{self, Filter};
use crate::{StoreError, Txn};

/// One system folder every account starts with.
struct SystemFolder {
    id: ItemId,
    parent: Option<ItemId>,
    name: &'static str,
    view: Option<ItemType>,
    imap_path: Option<&'static str>,
}

/// The system folders, parents first (Zimbra's ids and names).
const SYSTEM_FOLDERS: [SystemFolder; 10] = [
    SystemFolder {
        id: folder_ids::ROOT,
        parent: None,
        name: "USER_ROOT",
        view: None,
        imap_path: None,
    },
    SystemFolder {
        id: folder_ids::INBOX,
        parent: Some(folder_ids::ROOT),
        name: "Inbox",
        view: Some(ItemType::Message),
        imap_path: Some("INBOX"),
    },
    SystemFolder {
        id: folder_ids::TRASH,
        parent: Some(folder_ids::ROOT),
        name: "Trash",
        view: Some(ItemType::Message),
        imap_path: None,
    },
    SystemFolder {
        id: folder_ids::JUNK,
        parent: Some(folder_ids::ROOT),
        name: "Junk",
        view: Some(ItemType::Message),
        imap_path: None,
    },
    SystemFolder {
        id: folder_ids::SENT,
        parent: Some(folder_ids::ROOT),
        name: "Sent",
        view: Some(ItemType::Message),
        imap_path: None,
    },
    SystemFolder {
        id: folder_ids::DRAFTS,
        parent: Some(folder_ids::ROOT),
        name: "Drafts",
        view: Some(ItemType::Message),
        imap_path: None,
    },
    SystemFolder {
        id: folder_ids::CONTACTS,
        parent: Some(folder_ids::ROOT),
        name: "Contacts",
        view: Some(ItemType::Contact),
        imap_path: None,
    },
    SystemFolder {
        id: folder_ids::CALENDAR,
        parent: Some(folder_ids::ROOT),
        name: "Calendar",
        view: Some(ItemType::Appointment),
        imap_path: None,
    },
    SystemFolder {
        id: folder_ids::TASKS,
        parent: Some(folder_ids::ROOT),
        name: "Tasks",
        view: Some(ItemType::Task),
        imap_path: None,
    },
    SystemFolder {
        id: folder_ids::BRIEFCASE,
        parent: Some(folder_ids::ROOT),
        name: "Briefcase",
        view: Some(ItemType::Document),
        imap_path: None,
    },
];

const MAX_FOLDER_NAME: usize = 255;

fn check_folder_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.trim().is_empty()
        && name.chars().count() <= MAX_FOLDER_NAME
        && !name.contains('/')
        && !name.chars().any(char::is_control);
    if ok {
        Ok(())
    } else {
        Err(StoreError::invalid(format!("bad folder name {name:?}")))
    }
}

fn refuse_system(id: ItemId, what: &str) -> Result<(), StoreError> {
    if folder_ids::is_system(id) {
        return Err(StoreError::invalid(format!(
            "cannot {what} system folder {id}"
        )));
    }
    Ok(())
}

impl Txn<'_> {
    /// The folder, or `NoSuchFolder`.
    pub(crate) fn require_folder(&self, id: ItemId) -> Result<Folder, StoreError> {
        read::folders(self.conn(), self.key(), Filter::Id(id))?
            .into_iter()
            .next()
            .ok_or(StoreError::NoSuchFolder)
    }

    /// Sibling names compare case-insensitively, as in Zimbra.
    fn check_no_sibling(
        &self,
        parent: ItemId,
        name: &str,
        except: Option<ItemId>,
    ) -> Result<(), StoreError> {
        let wanted = name.to_lowercase();
        let clash = read::folders(self.conn(), self.key(), Filter::InFolder(parent))?
            .into_iter()
            .any(|f| Some(f.id) != except && f.name.to_lowercase() == wanted);
        if clash {
            return Err(StoreError::invalid(format!(
                "folder {name:?} already exists there"
            )));
        }
        Ok(())
    }

    fn insert_folder(
        &mut self,
        id: ItemId,
        f: &NewFolder,
        parent: Option<ItemId>,
    ) -> Result<(), StoreError> {
        let change = self.change_sql()?;
        self.conn()
            .execute(
                "INSERT INTO folders (account, id, parent, name, view, imap_path, special_use, \
                 created_change, mod_change) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?8)",
                params![
                    self.key(),
                    id.0,
                    parent.map(|p| p.0),
                    f.name,
                    f.view.map(type_letter),
                    f.imap_path,
                    f.special_use,
                    change
                ],
            )
            .db()?;
        self.touch(id, ItemKind::Folder);
        Ok(())
    }

    pub(crate) fn create_system_folders(&mut self) -> Result<(), StoreError> {
        for sys in &SYSTEM_FOLDERS {
            let f = NewFolder {
                parent: sys.parent.unwrap_or_default(),
                name: sys.name.to_string(),
                view: sys.view,
                imap_path: sys.imap_path.map(str::to_string),
                special_use: None,
            };
            self.insert_folder(sys.id, &f, sys.parent)?;
        }
        Ok(())
    }

    /// Creates a folder under `parent` (`NoSuchFolder` if missing). Names: non-empty, no `/`, unique
    /// among siblings case-insensitively (`Invalid` otherwise).
    pub fn create_folder(&mut self, f: NewFolder) -> Result<ItemId, StoreError> {
        check_folder_name(&f.name)?;
        self.require_folder(f.parent)?;
        self.check_no_sibling(f.parent, &f.name, None)?;
        let id = self.next_item_id()?;
        self.insert_folder(id, &f, Some(f.parent))?;
        Ok(id)
    }

    /// Renames a user folder (system folders are `Invalid`).
    pub fn rename_folder(&mut self, id: ItemId, name: &str) -> Result<(), StoreError> {
        refuse_system(id, "rename")?;
        check_folder_name(name)?;
        let folder = self.require_folder(id)?;
        if folder.name == name {
            return Ok(());
        }
        self.check_no_sibling(folder.parent.unwrap_or_default(), name, Some(id))?;
        self.stamp(ItemKind::Folder, id, "name = ?3", name)
    }

    /// Moves a user folder under `parent`; moving a folder into itself or its own subtree is `Invalid`.
    pub fn move_folder(&mut self, id: ItemId, parent: ItemId) -> Result<(), StoreError> {
        refuse_system(id, "move")?;
        let folder = self.require_folder(id)?;
        self.require_folder(parent)?;
        if folder.parent == Some(parent) {
            return Ok(());
        }
        if self.subtree(id)?.contains(&parent) {
            return Err(StoreError::invalid(
                "cannot move a folder into its own subtree",
            ));
        }
        self.check_no_sibling(parent, &folder.name, Some(id))?;
        self.stamp(ItemKind::Folder, id, "parent = ?3", parent.0)
    }

    /// Sets the remote mailbox name and special-use attribute (system folders allowed).
    pub fn set_folder_imap(
        &mut self,
        id: ItemId,
        imap_path: Option<&str>,
        special_use: Option<&str>,
    ) -> Result<(), StoreError> {
        let folder = self.require_folder(id)?;
        if folder.imap_path.as_deref() == imap_path && folder.special_use.as_deref() == special_use
        {
            return Ok(());
        }
        let change = self.change_sql()?;
        self.conn()
            .execute(
                "UPDATE folders SET imap_path = ?3, special_use = ?4, mod_change = ?5 \
                 WHERE account = ?1 AND id = ?2",
                params![self.key(), id.0, imap_path, special_use, change],
            )
            .db()?;
        self.touch(id, ItemKind::Folder);
        Ok(())
    }

    /// The folder and all folders below it, children before parents.
    fn subtree(&self, id: ItemId) -> Result<Vec<ItemId>, StoreError> {
        let mut stmt = self
            .conn()
            .prepare_cached(
                "WITH RECURSIVE sub(id, depth) AS ( \
                   SELECT id, 0 FROM folders WHERE account = ?1 AND id = ?2 \
                   UNION ALL \
                   SELECT f.id, sub.depth + 1 FROM folders f JOIN sub ON f.parent = sub.id \
                   WHERE f.account = ?1) \
                 SELECT id FROM sub ORDER BY depth DESC, id",
            )
            .db()?;
        let rows = stmt
            .query_map(params![self.key(), id.0], |r| {
                r.get::<_, i64>(0).map(ItemId)
            })
            .db()?;
        rows.map(|r| r.db()).collect()
    }

    /// Deletes a user folder with everything in it: subfolders, messages and typed items (all
    /// recorded as deleted). Conversation summaries are not recomputed here: the report lists the
    /// conversations that lost messages so the caller can re-churn or delete them.
    pub fn delete_folder(&mut self, id: ItemId) -> Result<DeletedFolder, StoreError> {
        refuse_system(id, "delete")?;
        self.require_folder(id)?;
        let mut report = DeletedFolder::default();
        let mut convs = BTreeSet::new();
        for folder in self.subtree(id)? {
            for m in read::messages(self.conn(), self.key(), Filter::InFolder(folder))? {
                convs.extend(m.conversation);
                report.messages.push(m.id);
            }
            for g in read::generic(self.conn(), self.key(), Filter::InFolder(folder))? {
                report.items.push(g.id);
                self.delete_item(g.id)?;
            }
            self.conn()
                .execute(
                    "DELETE FROM messages WHERE account = ?1 AND folder = ?2",
                    params![self.key(), folder.0],
                )
                .db()?;
            self.conn()
                .execute(
                    "DELETE FROM folders WHERE account = ?1 AND id = ?2",
                    params![self.key(), folder.0],
                )
                .db()?;
            report.folders.push(folder);
            self.touch_deleted(folder, ItemKind::Folder);
        }
        for m in &report.messages {
            self.touch_deleted(*m, ItemKind::Message);
        }
        report.messages.sort();
        report.items.sort();
        report.conversations = convs.into_iter().collect();
        Ok(report)
    }
}

impl Txn<'_> {
    /// Forgets everything mirrored from the account's IMAP source, for when it is pointed at another
    /// mailbox (a new host, port or user): every message and conversation, every non-system folder that
    /// mirrors a mailbox (with what is below it), the system folders' mailbox mapping (back to the
    /// defaults: Inbox ↔ `INBOX`), and all sync state, queued client operations included (they were meant
    /// for the old mailbox). All recorded as changes, so clients resync. Contacts, appointments, tasks
    /// and documents in system or local folders stay.
    pub fn forget_imap_mirror(&mut self) -> Result<(), StoreError> {
        let folders = read::folders(self.conn(), self.key(), Filter::All)?;
        for f in &folders {
            let mirrored = f.imap_path.is_some() && !folder_ids::is_system(f.id);
            // A parent deleted earlier took this one with it.
            if mirrored && self.require_folder(f.id).is_ok() {
                self.delete_folder(f.id)?;
            }
        }
        for m in read::messages(self.conn(), self.key(), Filter::All)? {
            self.touch_deleted(m.id, ItemKind::Message);
        }
        for c in read::conversations(self.conn(), self.key(), Filter::All)? {
            self.touch_deleted(c.id, ItemKind::Conversation);
        }
        for table in ["messages", "conversations"] {
            self.conn()
                .execute(
                    &format!("DELETE FROM {table} WHERE account = ?1"),
                    params![self.key()],
                )
                .db()?;
        }
        for sys in &SYSTEM_FOLDERS {
            self.set_folder_imap(sys.id, sys.imap_path, None)?;
        }
        self.sync_clear()
    }
}
