//! Item value types: folders, messages, conversations and typed items, as stored and as requested.
//!
//! Ids are per account, allocated by the store, and shared by every kind. Reads return these types;
//! writes take the `New*` / summary types through `Txn`.

use std::collections::BTreeMap;

use inboxd_model::{ChangeId, ItemId, ItemType, Timestamp};
use serde::{Deserialize, Serialize};

/// Fixed ids of the system folders every account gets (Zimbra's numbering).
pub mod folder_ids {
    use inboxd_model::ItemId;

    pub const ROOT: ItemId = ItemId(1);
    pub const INBOX: ItemId = ItemId(2);
    pub const TRASH: ItemId = ItemId(3);
    pub const JUNK: ItemId = ItemId(4);
    pub const SENT: ItemId = ItemId(5);
    pub const DRAFTS: ItemId = ItemId(6);
    pub const CONTACTS: ItemId = ItemId(7);
    pub const CALENDAR: ItemId = ItemId(10);
    pub const TASKS: ItemId = ItemId(15);
    pub const BRIEFCASE: ItemId = ItemId(16);
    /// Ids below this are reserved for the system; user items start here.
    pub const FIRST_USER_ID: ItemId = ItemId(257);

    /// Whether `id` is one of the reserved system ids (such folders cannot be renamed, moved or deleted).
    pub fn is_system(id: ItemId) -> bool {
        id.0 < FIRST_USER_ID.0
    }
}

/// What kind of row an item is. Coarser for notifications: see [`ItemKind::item_type`].
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum ItemKind {
    Folder,
    Message,
    Conversation,
    Contact,
    Appointment,
    Task,
    Document,
}

impl ItemKind {
    /// The change type this kind counts as: conversations count as messages.
    pub fn item_type(self) -> ItemType {
        match self {
            ItemKind::Folder => ItemType::Folder,
            ItemKind::Message | ItemKind::Conversation => ItemType::Message,
            ItemKind::Contact => ItemType::Contact,
            ItemKind::Appointment => ItemType::Appointment,
            ItemKind::Task => ItemType::Task,
            ItemKind::Document => ItemType::Document,
        }
    }

    /// The kind of a typed (generic) item; `None` for folders and messages.
    pub fn generic(t: ItemType) -> Option<Self> {
        match t {
            ItemType::Contact => Some(ItemKind::Contact),
            ItemType::Appointment => Some(ItemKind::Appointment),
            ItemType::Task => Some(ItemKind::Task),
            ItemType::Document => Some(ItemKind::Document),
            ItemType::Folder | ItemType::Message => None,
        }
    }

    /// Storage letter: the item type letter, with `v` for conversations.
    pub(crate) fn letter(self) -> char {
        match self {
            ItemKind::Conversation => 'v',
            other => other.item_type().letter(),
        }
    }

    pub(crate) fn from_letter(c: char) -> Option<Self> {
        if c == 'v' {
            return Some(ItemKind::Conversation);
        }
        match ItemType::from_letter(c)? {
            ItemType::Folder => Some(ItemKind::Folder),
            ItemType::Message => Some(ItemKind::Message),
            t => ItemKind::generic(t),
        }
    }
}

/// An email address with an optional display name.
#[derive(Clone, PartialEq, Eq, Hash, Debug, Default, Serialize, Deserialize)]
pub struct Address {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub email: String,
}

/// A folder.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Folder {
    pub id: ItemId,
    /// `None` only for the root.
    pub parent: Option<ItemId>,
    pub name: String,
    /// The default item type shown in the folder (`None` for the root).
    pub view: Option<ItemType>,
    /// The remote mailbox name; `None` for local-only folders.
    pub imap_path: Option<String>,
    /// RFC 6154 special-use attribute (e.g. `\Sent`), if any.
    pub special_use: Option<String>,
    pub created_change: ChangeId,
    pub mod_change: ChangeId,
}

/// A message (headers and sync state; bodies are not stored here).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Message {
    pub id: ItemId,
    pub folder: ItemId,
    pub conversation: Option<ItemId>,
    /// UID in the folder's IMAP mailbox; `None` for local-only or not yet uploaded messages.
    pub imap_uid: Option<u32>,
    /// The Message-ID header value, without angle brackets.
    pub message_id: Option<String>,
    /// In-Reply-To header values (message ids without `<>`).
    pub in_reply_to: Vec<String>,
    /// References header values, oldest first.
    pub references: Vec<String>,
    pub subject: String,
    pub from: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// The Date header (or a fallback the caller chose).
    pub date: Timestamp,
    /// IMAP INTERNALDATE.
    pub internal_date: Timestamp,
    pub size: u64,
    /// IMAP flags and keywords, sorted and de-duplicated (`\Seen`, `\Flagged`, `$Label1`, …).
    pub flags: Vec<String>,
    /// `None`: not yet extracted.
    pub snippet: Option<String>,
    pub has_attachments: bool,
    pub body_fetched: bool,
    pub created_change: ChangeId,
    pub mod_change: ChangeId,
}

impl Message {
    /// No `\Seen` flag (system flags compare case-insensitively).
    pub fn is_unread(&self) -> bool {
        !self.has_flag("\\Seen")
    }

    pub fn is_flagged(&self) -> bool {
        self.has_flag("\\Flagged")
    }

    pub fn has_flag(&self, flag: &str) -> bool {
        self.flags.iter().any(|f| f.eq_ignore_ascii_case(flag))
    }
}

/// A conversation summary, maintained by the sync engine's churn (the store does not recompute it).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Conversation {
    pub id: ItemId,
    pub subject: String,
    pub participants: Vec<Address>,
    pub first_date: Timestamp,
    pub last_date: Timestamp,
    pub message_count: u32,
    pub unread_count: u32,
    pub flagged: bool,
    pub has_attachments: bool,
    pub snippet: Option<String>,
    pub created_change: ChangeId,
    pub mod_change: ChangeId,
}

/// A contact, appointment, task or document: a type and a string attribute map.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct GenericItem {
    pub id: ItemId,
    pub item_type: ItemType,
    pub folder: ItemId,
    pub attrs: BTreeMap<String, String>,
    pub created_change: ChangeId,
    pub mod_change: ChangeId,
}

/// Any stored item.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Item {
    Folder(Folder),
    Message(Message),
    Conversation(Conversation),
    Generic(GenericItem),
}

impl Item {
    pub fn id(&self) -> ItemId {
        match self {
            Item::Folder(f) => f.id,
            Item::Message(m) => m.id,
            Item::Conversation(c) => c.id,
            Item::Generic(g) => g.id,
        }
    }

    pub fn kind(&self) -> ItemKind {
        match self {
            Item::Folder(_) => ItemKind::Folder,
            Item::Message(_) => ItemKind::Message,
            Item::Conversation(_) => ItemKind::Conversation,
            // Generic items always hold one of the four generic types (checked on creation).
            Item::Generic(g) => ItemKind::generic(g.item_type).unwrap_or(ItemKind::Document),
        }
    }

    /// The change type (conversations count as messages).
    pub fn item_type(&self) -> ItemType {
        self.kind().item_type()
    }

    /// The containing folder (the parent, for folders); `None` for the root and conversations.
    pub fn folder(&self) -> Option<ItemId> {
        match self {
            Item::Folder(f) => f.parent,
            Item::Message(m) => Some(m.folder),
            Item::Conversation(_) => None,
            Item::Generic(g) => Some(g.folder),
        }
    }

    pub fn created_change(&self) -> ChangeId {
        match self {
            Item::Folder(f) => f.created_change,
            Item::Message(m) => m.created_change,
            Item::Conversation(c) => c.created_change,
            Item::Generic(g) => g.created_change,
        }
    }

    pub fn mod_change(&self) -> ChangeId {
        match self {
            Item::Folder(f) => f.mod_change,
            Item::Message(m) => m.mod_change,
            Item::Conversation(c) => c.mod_change,
            Item::Generic(g) => g.mod_change,
        }
    }
}

/// Request to create a folder.
#[derive(Clone, Debug, Default)]
pub struct NewFolder {
    pub parent: ItemId,
    pub name: String,
    pub view: Option<ItemType>,
    pub imap_path: Option<String>,
    pub special_use: Option<String>,
}

/// Request to insert a message. `Default` gives an empty message in folder 0 (set `folder`).
#[derive(Clone, Debug, Default)]
pub struct NewMessage {
    pub folder: ItemId,
    pub conversation: Option<ItemId>,
    pub imap_uid: Option<u32>,
    pub message_id: Option<String>,
    /// In-Reply-To header values (message ids without `<>`).
    pub in_reply_to: Vec<String>,
    pub references: Vec<String>,
    pub subject: String,
    pub from: Vec<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    pub date: Timestamp,
    pub internal_date: Timestamp,
    pub size: u64,
    pub flags: Vec<String>,
    pub snippet: Option<String>,
    pub has_attachments: bool,
    pub body_fetched: bool,
}

/// A conversation summary to write: `id: None` creates a conversation, `Some(id)` replaces that one.
#[derive(Clone, Debug, Default)]
pub struct ConversationSummary {
    pub id: Option<ItemId>,
    pub subject: String,
    pub participants: Vec<Address>,
    pub first_date: Timestamp,
    pub last_date: Timestamp,
    pub message_count: u32,
    pub unread_count: u32,
    pub flagged: bool,
    pub has_attachments: bool,
    pub snippet: Option<String>,
}

/// What `Txn::delete_folder` removed, so the caller can re-churn the conversations that lost messages.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct DeletedFolder {
    /// The folder and its subfolders, children before parents.
    pub folders: Vec<ItemId>,
    /// Ascending.
    pub messages: Vec<ItemId>,
    /// Typed items (contacts, appointments, tasks, documents), ascending.
    pub items: Vec<ItemId>,
    /// Conversations that had messages among `messages` (they still exist), ascending.
    pub conversations: Vec<ItemId>,
}

/// An item deleted after some change id.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub struct DeletedItem {
    pub id: ItemId,
    pub kind: ItemKind,
}

/// The answer to `Store::changes_since`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Changes {
    /// The account's current change id (the new sync token).
    pub change_id: ChangeId,
    /// Current state of every item created or modified after `since`, ordered by id.
    pub changed: Vec<Item>,
    /// Items deleted after `since`, ordered by id (may include items created after `since` too).
    pub deleted: Vec<DeletedItem>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip_through_letters() {
        for kind in [
            ItemKind::Folder,
            ItemKind::Message,
            ItemKind::Conversation,
            ItemKind::Contact,
            ItemKind::Appointment,
            ItemKind::Task,
            ItemKind::Document,
        ] {
            assert_eq!(ItemKind::from_letter(kind.letter()), Some(kind));
        }
        assert_eq!(ItemKind::Conversation.item_type(), ItemType::Message);
        assert_eq!(ItemKind::generic(ItemType::Folder), None);
    }
}
