//! Read operations on `Store`: items by id, kind and folder, the change id, and `changes_since`.
//!
//! Each call runs on one reader snapshot, so multi-query answers (like `changes_since`) are consistent.
//! Reads of a deleted account succeed and see no items.

use std::collections::BTreeMap;

use inboxd_model::{AccountId, ChangeId, ItemId, ItemType};

use crate::accounts::account_row_for;
use crate::item::{Changes, Conversation, DeletedItem, Folder, Item, ItemKind, Message};
use crate::read::{self, Filter};
use crate::{Store, StoreError, log};

impl Store {
    /// The account's current change id (its sync token); `NoSuchAccount` if unknown.
    pub fn change_id(&self, account: &AccountId) -> Result<ChangeId, StoreError> {
        self.read(|conn| Ok(account_row_for(conn, account)?.change_id))
    }

    /// Any item by id.
    pub fn item(&self, account: &AccountId, id: ItemId) -> Result<Option<Item>, StoreError> {
        self.read(|conn| read::item(conn, account_row_for(conn, account)?.key, id))
    }

    /// All items of one change type, ascending by id. `ItemType::Message` returns messages and
    /// conversations (both count as messages).
    pub fn list_items(&self, account: &AccountId, t: ItemType) -> Result<Vec<Item>, StoreError> {
        self.read(|conn| {
            let key = account_row_for(conn, account)?.key;
            let items: Vec<Item> = match t {
                ItemType::Folder => read::folders(conn, key, Filter::All)?
                    .into_iter()
                    .map(Item::Folder)
                    .collect(),
                ItemType::Message => {
                    let mut v: Vec<Item> = read::messages(conn, key, Filter::All)?
                        .into_iter()
                        .map(Item::Message)
                        .collect();
                    v.extend(
                        read::conversations(conn, key, Filter::All)?
                            .into_iter()
                            .map(Item::Conversation),
                    );
                    v.sort_by_key(Item::id);
                    v
                }
                _ => read::generic(conn, key, Filter::All)?
                    .into_iter()
                    .filter(|g| g.item_type == t)
                    .map(Item::Generic)
                    .collect(),
            };
            Ok(items)
        })
    }

    /// All folders, ascending by id.
    pub fn folders(&self, account: &AccountId) -> Result<Vec<Folder>, StoreError> {
        self.read(|conn| read::folders(conn, account_row_for(conn, account)?.key, Filter::All))
    }

    /// All conversations, ascending by id.
    pub fn conversations(&self, account: &AccountId) -> Result<Vec<Conversation>, StoreError> {
        self.read(|conn| {
            read::conversations(conn, account_row_for(conn, account)?.key, Filter::All)
        })
    }

    /// All messages of the account, ascending by id.
    pub fn messages(&self, account: &AccountId) -> Result<Vec<Message>, StoreError> {
        self.read(|conn| read::messages(conn, account_row_for(conn, account)?.key, Filter::All))
    }

    /// Messages in a folder, ascending by id (empty for a missing folder).
    pub fn messages_in_folder(
        &self,
        account: &AccountId,
        folder: ItemId,
    ) -> Result<Vec<Message>, StoreError> {
        self.read(|conn| {
            read::messages(
                conn,
                account_row_for(conn, account)?.key,
                Filter::InFolder(folder),
            )
        })
    }

    /// Messages of a conversation, ascending by id.
    pub fn conversation_messages(
        &self,
        account: &AccountId,
        conv: ItemId,
    ) -> Result<Vec<Message>, StoreError> {
        self.read(|conn| {
            read::messages(
                conn,
                account_row_for(conn, account)?.key,
                Filter::InConversation(conv),
            )
        })
    }

    /// The message with this UID in this folder.
    pub fn message_by_uid(
        &self,
        account: &AccountId,
        folder: ItemId,
        uid: u32,
    ) -> Result<Option<Message>, StoreError> {
        self.read(|conn| {
            let key = account_row_for(conn, account)?.key;
            Ok(read::messages(conn, key, Filter::Uid(folder, uid))?
                .into_iter()
                .next())
        })
    }

    /// What changed after change id `since`: the current state of every item created or modified
    /// later, the items deleted later (from the change log), and the current change id.
    ///
    /// `since = 0` means "I have nothing": every item, no deletions, never `MustResync`.
    /// `MustResync` when the log rows after `since` were trimmed, or when `since` is beyond the
    /// current change id (a token this store never issued, e.g. after restoring an older file).
    pub fn changes_since(
        &self,
        account: &AccountId,
        since: ChangeId,
    ) -> Result<Changes, StoreError> {
        self.read(|conn| {
            let row = account_row_for(conn, account)?;
            if since.0 == 0 {
                return Ok(Changes {
                    change_id: row.change_id,
                    changed: read::items(conn, row.key, Filter::All)?,
                    deleted: Vec::new(),
                });
            }
            if since > row.change_id || since < row.log_floor {
                return Err(StoreError::MustResync);
            }
            let deleted: BTreeMap<ItemId, ItemKind> = log::deleted_since(conn, row.key, since)?
                .into_iter()
                .collect();
            Ok(Changes {
                change_id: row.change_id,
                changed: read::items(conn, row.key, Filter::ModAfter(since))?,
                deleted: deleted
                    .into_iter()
                    .map(|(id, kind)| DeletedItem { id, kind })
                    .collect(),
            })
        })
    }
}
