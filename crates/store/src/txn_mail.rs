//! `Txn` operations on messages and conversations, plus the reads the sync engine needs inside a
//! transaction. The store keeps conversation summaries as given (`put_conversation`); computing them
//! (churn) is the sync engine's job.

use inboxd_model::ItemId;
use rusqlite::{OptionalExtension, Row, params};

use crate::codec::{join_words, normalize_flags, split_words};
use crate::error::DbExt;
use crate::item::{Conversation, Folder, Item, ItemKind, Message};
use crate::read::{self, Filter};
use crate::txn_mail_write::{CONVERSATION_EXISTS, FOLDER_EXISTS, MESSAGE_EXISTS};
use crate::{StoreError, Txn};

pub(crate) static MESSAGE_FLAGS: &str = "SELECT flags FROM messages WHERE account = ?1 AND id = ?2";
pub(crate) static MESSAGE_PLACE: &str =
    "SELECT folder, imap_uid FROM messages WHERE account = ?1 AND id = ?2";
pub(crate) static MESSAGE_BODY: &str =
    "SELECT snippet, has_attachments, body_fetched FROM messages WHERE account = ?1 AND id = ?2";
pub(crate) static MESSAGE_CONVERSATION: &str =
    "SELECT conversation FROM messages WHERE account = ?1 AND id = ?2";

impl Txn<'_> {
    fn require_conversation(&self, id: ItemId) -> Result<Conversation, StoreError> {
        read::conversations(self.conn(), self.key(), Filter::Id(id))?
            .into_iter()
            .next()
            .ok_or(StoreError::NoSuchItem)
    }

    /// A UID names one message per folder; a second one is refused up front for a clear error.
    pub(crate) fn check_uid_free(
        &self,
        folder: ItemId,
        uid: Option<u32>,
        except: Option<ItemId>,
    ) -> Result<(), StoreError> {
        let Some(uid) = uid else { return Ok(()) };
        let mut stmt = self
            .conn()
            .prepare_cached(
                "SELECT id FROM messages WHERE account = ?1 AND folder = ?2 AND imap_uid = ?3",
            )
            .db()?;
        let owners = stmt
            .query_map(params![self.key(), folder.0, i64::from(uid)], |r| {
                r.get::<_, i64>(0)
            })
            .db()?;
        let mut taken = false;
        for owner in owners {
            taken |= Some(ItemId(owner.db()?)) != except;
        }
        if taken {
            return Err(StoreError::invalid(format!(
                "UID {uid} already used in folder {folder}"
            )));
        }
        Ok(())
    }

    /// Columns of one message (`sql` selects them by `account = ?1 AND id = ?2`), or `NoSuchItem`. The
    /// update methods below compare only what they may change: decoding the whole row (address JSON,
    /// references) cost more than the rest of such a no-op call.
    fn message_cols<T>(
        &mut self,
        sql: &'static str,
        id: ItemId,
        map: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        let key = self.key();
        self.hot(sql)?
            .query_row(params![key, id.0], map)
            .optional()
            .db()?
            .ok_or(StoreError::NoSuchItem)
    }

    /// Replaces a message's flags (sorted and de-duplicated). Unchanged flags touch nothing.
    pub fn update_message_flags(&mut self, id: ItemId, flags: &[String]) -> Result<(), StoreError> {
        let flags = normalize_flags(flags)?;
        let old: String = self.message_cols(MESSAGE_FLAGS, id, |r| r.get(0))?;
        if split_words(&old) == flags {
            return Ok(());
        }
        self.stamp(ItemKind::Message, id, "flags = ?3", join_words(&flags))
    }

    /// Moves a message to `folder` with its UID there (`None`: not known yet). Same folder and UID
    /// touch nothing.
    pub fn move_message(
        &mut self,
        id: ItemId,
        folder: ItemId,
        uid: Option<u32>,
    ) -> Result<(), StoreError> {
        let (old_folder, old_uid): (i64, Option<i64>) =
            self.message_cols(MESSAGE_PLACE, id, |r| Ok((r.get(0)?, r.get(1)?)))?;
        if !self.exists(FOLDER_EXISTS, folder)? {
            return Err(StoreError::NoSuchFolder);
        }
        if ItemId(old_folder) == folder && old_uid == uid.map(i64::from) {
            return Ok(());
        }
        self.check_uid_free(folder, uid, Some(id))?;
        let change = self.change_sql()?;
        self.conn()
            .prepare_cached(
                "UPDATE messages SET folder = ?3, imap_uid = ?4, mod_change = ?5 WHERE account = ?1 AND id = ?2",
            )
            .db()?
            .execute(params![self.key(), id.0, folder.0, uid.map(i64::from), change])
            .db()?;
        self.touch(id, ItemKind::Message);
        Ok(())
    }

    /// Records body extraction results: the snippet, whether there are attachments, whether the body
    /// was fetched.
    pub fn set_message_body(
        &mut self,
        id: ItemId,
        snippet: Option<&str>,
        has_attachments: bool,
        body_fetched: bool,
    ) -> Result<(), StoreError> {
        let old: (Option<String>, bool, bool) =
            self.message_cols(MESSAGE_BODY, id, |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        if old.0.as_deref() == snippet && old.1 == has_attachments && old.2 == body_fetched {
            return Ok(());
        }
        let change = self.change_sql()?;
        self.conn()
            .prepare_cached(
                "UPDATE messages SET snippet = ?3, has_attachments = ?4, body_fetched = ?5, mod_change = ?6 \
                 WHERE account = ?1 AND id = ?2",
            )
            .db()?
            .execute(params![self.key(), id.0, snippet, has_attachments, body_fetched, change])
            .db()?;
        self.touch(id, ItemKind::Message);
        Ok(())
    }

    /// Puts a message into a conversation (`NoSuchItem` if either is missing).
    pub fn set_message_conversation(
        &mut self,
        msg: ItemId,
        conv: ItemId,
    ) -> Result<(), StoreError> {
        let old: Option<i64> = self.message_cols(MESSAGE_CONVERSATION, msg, |r| r.get(0))?;
        if !self.exists(CONVERSATION_EXISTS, conv)? {
            return Err(StoreError::NoSuchItem);
        }
        if old == Some(conv.0) {
            return Ok(());
        }
        self.stamp(ItemKind::Message, msg, "conversation = ?3", conv.0)
    }

    /// Deletes a message. Its conversation's summary is left to the caller.
    pub fn delete_message(&mut self, id: ItemId) -> Result<(), StoreError> {
        if !self.exists(MESSAGE_EXISTS, id)? {
            return Err(StoreError::NoSuchItem);
        }
        self.conn()
            .prepare_cached("DELETE FROM messages WHERE account = ?1 AND id = ?2")
            .db()?
            .execute(params![self.key(), id.0])
            .db()?;
        self.touch_deleted(id, ItemKind::Message);
        Ok(())
    }

    /// Deletes a conversation. Messages still in it are detached (conversation `None`, recorded as
    /// modified) rather than deleted.
    pub fn delete_conversation(&mut self, id: ItemId) -> Result<(), StoreError> {
        self.require_conversation(id)?;
        for m in read::messages(self.conn(), self.key(), Filter::InConversation(id))? {
            self.stamp(
                ItemKind::Message,
                m.id,
                "conversation = ?3",
                Option::<i64>::None,
            )?;
        }
        self.conn()
            .execute(
                "DELETE FROM conversations WHERE account = ?1 AND id = ?2",
                params![self.key(), id.0],
            )
            .db()?;
        self.touch_deleted(id, ItemKind::Conversation);
        Ok(())
    }

    /// Any item of this account, as it stands inside this transaction.
    pub fn item(&self, id: ItemId) -> Result<Option<Item>, StoreError> {
        read::item(self.conn(), self.key(), id)
    }

    /// The kind of an item of this account (`None`: no such item), without loading it: the cheap
    /// existence check (`item` decodes the whole row, a message's addresses and references included).
    pub fn item_kind(&self, id: ItemId) -> Result<Option<ItemKind>, StoreError> {
        read::item_kind(self.conn(), self.key(), id)
    }

    /// All folders, ascending by id.
    pub fn folders(&self) -> Result<Vec<Folder>, StoreError> {
        read::folders(self.conn(), self.key(), Filter::All)
    }

    /// Messages in a folder, ascending by id.
    pub fn messages_in_folder(&self, folder: ItemId) -> Result<Vec<Message>, StoreError> {
        read::messages(self.conn(), self.key(), Filter::InFolder(folder))
    }

    /// Messages of a conversation, ascending by id.
    pub fn conversation_messages(&self, conv: ItemId) -> Result<Vec<Message>, StoreError> {
        read::messages(self.conn(), self.key(), Filter::InConversation(conv))
    }

    /// The message with this UID in this folder.
    pub fn message_by_uid(&self, folder: ItemId, uid: u32) -> Result<Option<Message>, StoreError> {
        Ok(
            read::messages(self.conn(), self.key(), Filter::Uid(folder, uid))?
                .into_iter()
                .next(),
        )
    }

    /// Messages whose Message-ID header (without `<>`) is `header_id` (duplicates possible).
    pub fn messages_by_header_id(&self, header_id: &str) -> Result<Vec<Message>, StoreError> {
        read::messages_by_header_id(self.conn(), self.key(), header_id)
    }
}
