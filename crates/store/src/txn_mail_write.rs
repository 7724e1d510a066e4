//! The two mail writes a sync makes for nearly every message, `Txn::insert_message` and
//! `Txn::put_conversation`, kept lean for that reason: static SQL, no existence pre-checks (the foreign
//! keys and the `messages_uid` unique index already enforce those rules; only after a statement failed
//! do we look up which rule it broke, to return the precise error), and a conversation replace that
//! compares old and new values inside its one UPDATE instead of reading the row first.
//! `EncodedMessage` is a message's row values computed ahead of the transaction (`NewMessage::encode`), so a
//! caller can do that part on another thread. The other message and conversation operations live in
//! `txn_mail.rs`.

use inboxd_model::ItemId;
use rusqlite::{ErrorCode, params};

use crate::addr_json::pairs_to_json;
use crate::codec::{
    addrs_to_json, check_words, join_checked, join_words, normalize_flags, to_i64, ts_sql,
};
use crate::error::DbExt;
use crate::item::{ConversationSummary, ItemKind, NewMessage};
use crate::{StoreError, Txn};

pub(crate) static FOLDER_EXISTS: &str =
    "SELECT EXISTS (SELECT 1 FROM folders WHERE account = ?1 AND id = ?2)";
pub(crate) static CONVERSATION_EXISTS: &str =
    "SELECT EXISTS (SELECT 1 FROM conversations WHERE account = ?1 AND id = ?2)";
pub(crate) static MESSAGE_EXISTS: &str =
    "SELECT EXISTS (SELECT 1 FROM messages WHERE account = ?1 AND id = ?2)";

static INSERT_MESSAGE: &str = "INSERT INTO messages (account, id, folder, conversation, imap_uid, \
     message_id, in_reply_to, refs, subject, from_addrs, to_addrs, cc_addrs, date, internal_date, size, \
     flags, snippet, has_attachments, body_fetched, created_change, mod_change) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?20)";

static INSERT_CONVERSATION: &str = "INSERT INTO conversations (account, id, subject, participants, \
     first_date, last_date, message_count, unread_count, flagged, has_attachments, snippet, \
     created_change, mod_change) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12)";

/// `UPDATE_CONVERSATION` for a conversation already written in this transaction: `mod_change` is
/// already the pending change id, and leaving it out of the SET spares the `conversations_mod` index
/// entry's delete and re-insert (threads get several messages per sync batch).
pub(crate) static UPDATE_CONVERSATION_AGAIN: &str = "UPDATE conversations SET subject = ?3, \
     participants = ?4, first_date = ?5, last_date = ?6, message_count = ?7, unread_count = ?8, \
     flagged = ?9, has_attachments = ?10, snippet = ?11 \
     WHERE account = ?1 AND id = ?2 AND mod_change = ?12 AND NOT (subject IS ?3 AND participants IS ?4 \
     AND first_date IS ?5 AND last_date IS ?6 AND message_count IS ?7 AND unread_count IS ?8 \
     AND flagged IS ?9 AND has_attachments IS ?10 AND snippet IS ?11)";

/// Changes a row only if some value differs (`IS`: NULL-safe), so "nothing changed" and "no such
/// conversation" both report 0 rows; `put_conversation` tells them apart only then.
pub(crate) static UPDATE_CONVERSATION: &str = "UPDATE conversations SET subject = ?3, participants = ?4, \
     first_date = ?5, last_date = ?6, message_count = ?7, unread_count = ?8, flagged = ?9, \
     has_attachments = ?10, snippet = ?11, mod_change = ?12 \
     WHERE account = ?1 AND id = ?2 AND NOT (subject IS ?3 AND participants IS ?4 \
     AND first_date IS ?5 AND last_date IS ?6 AND message_count IS ?7 AND unread_count IS ?8 \
     AND flagged IS ?9 AND has_attachments IS ?10 AND snippet IS ?11)";

/// A [`NewMessage`] with its text columns encoded and checked as [`Txn::insert_message`] would (address lists
/// as JSON, id and flag lists joined, flags sorted): encoding needs no store state, so it can run ahead on any
/// thread. A sync does it on its engine's thread, because the writer's transaction is what an initial sync
/// waits for. Placement (`folder`, `conversation`, `imap_uid`) stays assignable until the insert.
#[derive(Clone, Debug)]
pub struct EncodedMessage {
    pub folder: ItemId,
    pub conversation: Option<ItemId>,
    pub imap_uid: Option<u32>,
    message_id: Option<String>,
    in_reply_to: String,
    references: String,
    subject: String,
    from: String,
    to: String,
    cc: String,
    date: i64,
    internal_date: i64,
    size: i64,
    flags: String,
    snippet: Option<String>,
    has_attachments: bool,
    body_fetched: bool,
}

/// An address list encoded for a message row ([`AddressList::encode`]), for
/// [`EncodedMessage::set_addresses`].
#[derive(Clone, Debug)]
pub struct AddressList(String);

impl AddressList {
    /// Encodes `(display name, email)` pairs borrowed from the caller's own address records: a sync's
    /// messages carry dozens of list addresses, and copying each into an [`Address`](crate::Address) just to
    /// encode it cost more than the encoding.
    pub fn encode<'a>(pairs: impl Iterator<Item = (Option<&'a str>, &'a str)> + Clone) -> Self {
        Self(pairs_to_json(pairs))
    }
}

impl EncodedMessage {
    /// Replaces the From, To and Cc lists.
    pub fn set_addresses(&mut self, from: AddressList, to: AddressList, cc: AddressList) {
        self.from = from.0;
        self.to = to.0;
        self.cc = cc.0;
    }

    /// Replaces the In-Reply-To and References ids with ids borrowed from the caller's records (no copy of
    /// each into a `Vec<String>` first); `Invalid` for an empty id or one with whitespace, as
    /// [`Txn::insert_message`] refuses them.
    pub fn set_thread_ids<'a>(
        &mut self,
        in_reply_to: impl Iterator<Item = &'a str>,
        references: impl Iterator<Item = &'a str>,
    ) -> Result<(), StoreError> {
        self.in_reply_to = join_checked("in-reply-to", in_reply_to)?;
        self.references = join_checked("references", references)?;
        Ok(())
    }
}

impl NewMessage {
    /// The message's row values; `Invalid` for bad flags or references, or an out-of-range date or size.
    pub fn encode(self) -> Result<EncodedMessage, StoreError> {
        let flags = normalize_flags(&self.flags)?;
        check_words("references", &self.references)?;
        check_words("in-reply-to", &self.in_reply_to)?;
        Ok(EncodedMessage {
            folder: self.folder,
            conversation: self.conversation,
            imap_uid: self.imap_uid,
            message_id: self.message_id,
            in_reply_to: join_words(&self.in_reply_to),
            references: join_words(&self.references),
            subject: self.subject,
            from: addrs_to_json(&self.from),
            to: addrs_to_json(&self.to),
            cc: addrs_to_json(&self.cc),
            date: ts_sql(self.date)?,
            internal_date: ts_sql(self.internal_date)?,
            size: to_i64(self.size)?,
            flags: join_words(&flags),
            snippet: self.snippet,
            has_attachments: self.has_attachments,
            body_fetched: self.body_fetched,
        })
    }
}

impl Txn<'_> {
    /// Runs one of the conversation statements (they share their parameters); the rows it changed.
    fn write_conversation(
        &mut self,
        sql: &'static str,
        id: ItemId,
        c: &ConversationSummary,
    ) -> Result<usize, StoreError> {
        let change = self.change_sql()?;
        let key = self.key();
        self.hot(sql)?
            .execute(params![
                key,
                id.0,
                c.subject,
                addrs_to_json(&c.participants),
                ts_sql(c.first_date)?,
                ts_sql(c.last_date)?,
                i64::from(c.message_count),
                i64::from(c.unread_count),
                c.flagged,
                c.has_attachments,
                c.snippet,
                change,
            ])
            .db()
    }

    /// Whether the row `sql` (one of the `*_EXISTS` statements) asks about exists.
    pub(crate) fn exists(&self, sql: &'static str, id: ItemId) -> Result<bool, StoreError> {
        self.conn()
            .prepare_cached(sql)
            .db()?
            .query_row(params![self.key(), id.0], |r| r.get(0))
            .db()
    }

    /// Inserts a message. `NoSuchFolder` for a missing folder, `NoSuchItem` for a missing
    /// conversation, `Invalid` for a UID already used in the folder or bad flags/references.
    pub fn insert_message(&mut self, m: NewMessage) -> Result<ItemId, StoreError> {
        self.insert_encoded(m.encode()?)
    }

    /// [`Txn::insert_message`] for a message encoded beforehand ([`NewMessage::encode`]).
    pub fn insert_encoded(&mut self, m: EncodedMessage) -> Result<ItemId, StoreError> {
        let id = self.peek_item_id()?;
        let change = self.change_sql()?;
        let key = self.key();
        let inserted = self.hot(INSERT_MESSAGE)?.execute(params![
            key,
            id.0,
            m.folder.0,
            m.conversation.map(|c| c.0),
            m.imap_uid.map(i64::from),
            m.message_id,
            m.in_reply_to,
            m.references,
            m.subject,
            m.from,
            m.to,
            m.cc,
            m.date,
            m.internal_date,
            m.size,
            m.flags,
            m.snippet,
            m.has_attachments,
            m.body_fetched,
            change,
        ]);
        if let Err(e) = inserted {
            return Err(self.insert_failure(m.folder, m.conversation, m.imap_uid, e));
        }
        self.use_item_id(id);
        self.touch(id, ItemKind::Message);
        Ok(id)
    }

    /// The error for a failed message insert: a constraint failure becomes the rule it broke, checked
    /// in the order callers rely on (folder, conversation, UID). The failed statement was rolled back by
    /// SQLite on its own; the transaction goes on.
    fn insert_failure(
        &self,
        folder: ItemId,
        conversation: Option<ItemId>,
        uid: Option<u32>,
        e: rusqlite::Error,
    ) -> StoreError {
        let backend = StoreError::Backend(e.to_string());
        if e.sqlite_error_code() != Some(ErrorCode::ConstraintViolation) {
            return backend;
        }
        match self.broken_insert_rule(folder, conversation, uid) {
            Err(rule) => rule,
            Ok(()) => backend,
        }
    }

    fn broken_insert_rule(
        &self,
        folder: ItemId,
        conversation: Option<ItemId>,
        uid: Option<u32>,
    ) -> Result<(), StoreError> {
        if !self.exists(FOLDER_EXISTS, folder)? {
            return Err(StoreError::NoSuchFolder);
        }
        if let Some(conv) = conversation
            && !self.exists(CONVERSATION_EXISTS, conv)?
        {
            return Err(StoreError::NoSuchItem);
        }
        self.check_uid_free(folder, uid, None)
    }

    /// Creates (`id: None`) or replaces (`id: Some`, `NoSuchItem` if it is not a conversation) a
    /// conversation summary. Replacing with identical values touches nothing.
    pub fn put_conversation(&mut self, c: ConversationSummary) -> Result<ItemId, StoreError> {
        let again = c.id.is_some_and(|id| self.touched(id));
        let (id, sql) = match c.id {
            Some(id) if again => (id, UPDATE_CONVERSATION_AGAIN),
            Some(id) => (id, UPDATE_CONVERSATION),
            None => (self.peek_item_id()?, INSERT_CONVERSATION),
        };
        let mut written = self.write_conversation(sql, id, &c)?;
        if written == 0 && again {
            // Not settled by the shortcut's `mod_change` guard: the full statement decides.
            written = self.write_conversation(UPDATE_CONVERSATION, id, &c)?;
        }
        if written == 0 {
            // Only an UPDATE changes no row: the values were the same, or there is no such conversation.
            return match self.exists(CONVERSATION_EXISTS, id)? {
                true => Ok(id),
                false => Err(StoreError::NoSuchItem),
            };
        }
        if c.id.is_none() {
            self.use_item_id(id);
        }
        self.touch(id, ItemKind::Conversation);
        Ok(id)
    }
}
