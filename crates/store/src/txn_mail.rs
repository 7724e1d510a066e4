//! `Txn` operations on messages and conversations, plus the reads the sync engine needs inside a
//! transaction. The store keeps conversation summaries as given (`put_conversation`); computing them
//! (churn) is the sync engine's job.

use inboxd_model::ItemId;
use rusqlite::params;

use crate::codec::{addrs_to_json, check_words, join_words, normalize_flags, to_i64, ts_sql};
use crate::error::DbExt;
use crate::item::{Conversation, ConversationSummary, Folder, Item, ItemKind, Message, NewMessage};
use crate::read::{self, Filter};
use crate::{StoreError, Txn};

impl Txn<'_> {
    fn require_message(&self, id: ItemId) -> Result<Message, StoreError> {
        read::messages(self.conn(), self.key(), Filter::Id(id))?
            .into_iter()
            .next()
            .ok_or(StoreError::NoSuchItem)
    }

    fn require_conversation(&self, id: ItemId) -> Result<Conversation, StoreError> {
        read::conversations(self.conn(), self.key(), Filter::Id(id))?
            .into_iter()
            .next()
            .ok_or(StoreError::NoSuchItem)
    }

    /// Whether a row with this id exists in `table` (a cheap check: no row decoding).
    fn exists(&self, table: &str, id: ItemId) -> Result<bool, StoreError> {
        let sql = format!("SELECT EXISTS (SELECT 1 FROM {table} WHERE account = ?1 AND id = ?2)");
        self.conn()
            .prepare_cached(&sql)
            .db()?
            .query_row(params![self.key(), id.0], |r| r.get(0))
            .db()
    }

    /// A UID names one message per folder; a second one is refused up front for a clear error.
    fn check_uid_free(
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

    /// Inserts a message. `NoSuchFolder` for a missing folder, `NoSuchItem` for a missing
    /// conversation, `Invalid` for a UID already used in the folder or bad flags/references.
    pub fn insert_message(&mut self, m: NewMessage) -> Result<ItemId, StoreError> {
        let flags = normalize_flags(&m.flags)?;
        check_words("references", &m.references)?;
        check_words("in-reply-to", &m.in_reply_to)?;
        if !self.exists("folders", m.folder)? {
            return Err(StoreError::NoSuchFolder);
        }
        if let Some(conv) = m.conversation
            && !self.exists("conversations", conv)?
        {
            return Err(StoreError::NoSuchItem);
        }
        self.check_uid_free(m.folder, m.imap_uid, None)?;
        let id = self.next_item_id()?;
        let change = self.change_sql()?;
        self.conn()
            .prepare_cached(
                "INSERT INTO messages (account, id, folder, conversation, imap_uid, message_id, in_reply_to, \
                 refs, subject, from_addrs, to_addrs, cc_addrs, date, internal_date, size, flags, snippet, \
                 has_attachments, body_fetched, created_change, mod_change) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?20)",
            )
            .db()?
            .execute(params![
                self.key(),
                id.0,
                m.folder.0,
                m.conversation.map(|c| c.0),
                m.imap_uid.map(i64::from),
                m.message_id,
                join_words(&m.in_reply_to),
                join_words(&m.references),
                m.subject,
                addrs_to_json(&m.from)?,
                addrs_to_json(&m.to)?,
                addrs_to_json(&m.cc)?,
                ts_sql(m.date)?,
                ts_sql(m.internal_date)?,
                to_i64(m.size)?,
                join_words(&flags),
                m.snippet,
                m.has_attachments,
                m.body_fetched,
                change,
            ])
            .db()?;
        self.touch(id, ItemKind::Message);
        Ok(id)
    }

    /// Replaces a message's flags (sorted and de-duplicated). Unchanged flags touch nothing.
    pub fn update_message_flags(&mut self, id: ItemId, flags: &[String]) -> Result<(), StoreError> {
        let flags = normalize_flags(flags)?;
        if self.require_message(id)?.flags == flags {
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
        let msg = self.require_message(id)?;
        self.require_folder(folder)?;
        if msg.folder == folder && msg.imap_uid == uid {
            return Ok(());
        }
        self.check_uid_free(folder, uid, Some(id))?;
        let change = self.change_sql()?;
        self.conn()
            .execute(
                "UPDATE messages SET folder = ?3, imap_uid = ?4, mod_change = ?5 WHERE account = ?1 AND id = ?2",
                params![self.key(), id.0, folder.0, uid.map(i64::from), change],
            )
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
        let msg = self.require_message(id)?;
        if msg.snippet.as_deref() == snippet
            && msg.has_attachments == has_attachments
            && msg.body_fetched == body_fetched
        {
            return Ok(());
        }
        let change = self.change_sql()?;
        self.conn()
            .execute(
                "UPDATE messages SET snippet = ?3, has_attachments = ?4, body_fetched = ?5, mod_change = ?6 \
                 WHERE account = ?1 AND id = ?2",
                params![self.key(), id.0, snippet, has_attachments, body_fetched, change],
            )
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
        let m = self.require_message(msg)?;
        self.require_conversation(conv)?;
        if m.conversation == Some(conv) {
            return Ok(());
        }
        self.stamp(ItemKind::Message, msg, "conversation = ?3", conv.0)
    }

    /// Deletes a message. Its conversation's summary is left to the caller.
    pub fn delete_message(&mut self, id: ItemId) -> Result<(), StoreError> {
        self.require_message(id)?;
        self.conn()
            .execute(
                "DELETE FROM messages WHERE account = ?1 AND id = ?2",
                params![self.key(), id.0],
            )
            .db()?;
        self.touch_deleted(id, ItemKind::Message);
        Ok(())
    }

    /// Creates (`id: None`) or replaces (`id: Some`, `NoSuchItem` if it is not a conversation) a
    /// conversation summary. Replacing with identical values touches nothing.
    pub fn put_conversation(&mut self, c: ConversationSummary) -> Result<ItemId, StoreError> {
        let (id, created) = match c.id {
            Some(id) => {
                let old = self.require_conversation(id)?;
                if same_summary(&old, &c) {
                    return Ok(id);
                }
                (id, false)
            }
            None => (self.next_item_id()?, true),
        };
        let change = self.change_sql()?;
        let sql = if created {
            "INSERT INTO conversations (account, id, subject, participants, first_date, last_date, \
             message_count, unread_count, flagged, has_attachments, snippet, created_change, mod_change) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)"
        } else {
            "UPDATE conversations SET subject = ?3, participants = ?4, first_date = ?5, last_date = ?6, \
             message_count = ?7, unread_count = ?8, flagged = ?9, has_attachments = ?10, snippet = ?11, \
             mod_change = ?12 WHERE account = ?1 AND id = ?2"
        };
        self.conn()
            .prepare_cached(sql)
            .db()?
            .execute(params![
                self.key(),
                id.0,
                c.subject,
                addrs_to_json(&c.participants)?,
                ts_sql(c.first_date)?,
                ts_sql(c.last_date)?,
                i64::from(c.message_count),
                i64::from(c.unread_count),
                c.flagged,
                c.has_attachments,
                c.snippet,
                change,
            ])
            .db()?;
        self.touch(id, ItemKind::Conversation);
        Ok(id)
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

fn same_summary(old: &Conversation, new: &ConversationSummary) -> bool {
    old.subject == new.subject
        && old.participants == new.participants
        && old.first_date == new.first_date
        && old.last_date == new.last_date
        && old.message_count == new.message_count
        && old.unread_count == new.unread_count
        && old.flagged == new.flagged
        && old.has_attachments == new.has_attachments
        && old.snippet == new.snippet
}
