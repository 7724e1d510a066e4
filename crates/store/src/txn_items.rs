//! `Txn` operations on typed items (contacts, appointments, tasks, documents), the kind-dispatching
//! `delete_item`, and wiping an account's items.

use std::collections::BTreeMap;

use inboxd_model::{ItemId, ItemType};
use rusqlite::params;

use crate::codec::{attrs_to_json, type_letter};
use crate::error::DbExt;
use crate::item::{GenericItem, Item, ItemKind};
use crate::read::{self, Filter};
use crate::{StoreError, Txn};

/// Keys must be non-empty; values are free text.
fn check_attrs(attrs: &BTreeMap<String, String>) -> Result<(), StoreError> {
    if attrs.keys().any(String::is_empty) {
        return Err(StoreError::invalid("attribute names must not be empty"));
    }
    Ok(())
}

impl Txn<'_> {
    pub(crate) fn require_generic(&self, id: ItemId) -> Result<GenericItem, StoreError> {
        read::generic(self.conn(), self.key(), Filter::Id(id))?
            .into_iter()
            .next()
            .ok_or(StoreError::NoSuchItem)
    }

    /// Creates a contact, appointment, task or document in `folder`. Empty values are not stored.
    /// Other types are `Invalid`; a missing folder is `NoSuchFolder`.
    pub fn create_item(
        &mut self,
        item_type: ItemType,
        folder: ItemId,
        attrs: &BTreeMap<String, String>,
    ) -> Result<ItemId, StoreError> {
        let kind = ItemKind::generic(item_type).ok_or_else(|| {
            StoreError::invalid(format!(
                "{item_type:?} is not a typed item; use its own method"
            ))
        })?;
        check_attrs(attrs)?;
        self.require_folder(folder)?;
        let stored: BTreeMap<String, String> = attrs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let id = self.next_item_id()?;
        let change = self.change_sql()?;
        self.conn()
            .execute(
                "INSERT INTO items (account, id, type, folder, attrs, created_change, mod_change) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
                params![
                    self.key(),
                    id.0,
                    type_letter(item_type),
                    folder.0,
                    attrs_to_json(&stored)?,
                    change
                ],
            )
            .db()?;
        self.touch(id, kind);
        Ok(id)
    }

    /// Merges `attrs` into a typed item: a non-empty value sets the key, an empty value removes it.
    /// A merge that changes nothing touches nothing.
    pub fn modify_item(
        &mut self,
        id: ItemId,
        attrs: &BTreeMap<String, String>,
    ) -> Result<(), StoreError> {
        check_attrs(attrs)?;
        let item = self.require_generic(id)?;
        let mut merged = item.attrs.clone();
        for (k, v) in attrs {
            if v.is_empty() {
                merged.remove(k);
            } else {
                merged.insert(k.clone(), v.clone());
            }
        }
        if merged == item.attrs {
            return Ok(());
        }
        let change = self.change_sql()?;
        self.conn()
            .execute(
                "UPDATE items SET attrs = ?3, mod_change = ?4 WHERE account = ?1 AND id = ?2",
                params![self.key(), id.0, attrs_to_json(&merged)?, change],
            )
            .db()?;
        self.touch(id, item_kind(&item));
        Ok(())
    }

    /// Moves a typed item to another folder.
    pub fn move_item(&mut self, id: ItemId, folder: ItemId) -> Result<(), StoreError> {
        let item = self.require_generic(id)?;
        self.require_folder(folder)?;
        if item.folder == folder {
            return Ok(());
        }
        let change = self.change_sql()?;
        self.conn()
            .execute(
                "UPDATE items SET folder = ?3, mod_change = ?4 WHERE account = ?1 AND id = ?2",
                params![self.key(), id.0, folder.0, change],
            )
            .db()?;
        self.touch(id, item_kind(&item));
        Ok(())
    }

    /// Deletes any item by id: typed items directly, and messages, conversations and folders as
    /// their own delete methods do. `NoSuchItem` if the account has no such item.
    pub fn delete_item(&mut self, id: ItemId) -> Result<(), StoreError> {
        match read::item(self.conn(), self.key(), id)? {
            None => Err(StoreError::NoSuchItem),
            Some(Item::Folder(_)) => self.delete_folder(id).map(|_| ()),
            Some(Item::Message(_)) => self.delete_message(id),
            Some(Item::Conversation(_)) => self.delete_conversation(id),
            Some(Item::Generic(g)) => {
                self.conn()
                    .execute(
                        "DELETE FROM items WHERE account = ?1 AND id = ?2",
                        params![self.key(), id.0],
                    )
                    .db()?;
                self.touch_deleted(id, item_kind(&g));
                Ok(())
            }
        }
    }

    /// Removes every item of the account, recording each as deleted (account deletion).
    pub(crate) fn delete_all_items(&mut self) -> Result<(), StoreError> {
        let all = read::items(self.conn(), self.key(), Filter::All)?;
        for table in ["items", "messages", "conversations", "folders"] {
            self.conn()
                .execute(
                    &format!("DELETE FROM {table} WHERE account = ?1"),
                    params![self.key()],
                )
                .db()?;
        }
        for item in all {
            self.touch_deleted(item.id(), item.kind());
        }
        Ok(())
    }
}

fn item_kind(g: &GenericItem) -> ItemKind {
    // Stored types are always generic ones (checked on creation).
    ItemKind::generic(g.item_type).unwrap_or(ItemKind::Document)
}
