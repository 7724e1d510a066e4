//! The durable records the engine writes (through `Batch`) and reads back at start (through `Snapshot`).
//!
//! What belongs here: plain data with public fields, documented for the code that persists them. What does
//! not: the write/merge logic (`batch`), the in-memory indexes (`db`), conversation summaries (`inboxd-threading`).

use inboxd_model::Timestamp;

use crate::{ConvId, FlagSet, FlagSetId, FolderId, Umid};

/// One IMAP folder of the account.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Folder {
    pub id: FolderId,
    /// The server path (Unicode; the wire layer applies modified UTF-7), e.g. `INBOX` or `Lists/rust`.
    pub path: String,
    /// Last path component, for display.
    pub name: String,
    /// Hierarchy delimiter as LISTed (`None` for a flat namespace).
    pub delimiter: Option<char>,
    /// Nesting depth: 1 for top-level folders.
    pub depth: u32,
    pub kind: FolderKind,
    /// False for `\Noselect` / `\NonExistent` entries: kept for the tree, never synced.
    pub selectable: bool,
}

/// What a folder is for: from RFC 6154 special-use attributes first, else guessed from a top-level name.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum FolderKind {
    Inbox,
    Drafts,
    Sent,
    Trash,
    Junk,
    Archive,
    All,
    Flagged,
    Normal,
}

/// Per-folder sync progress (gaia's syncStates record, minus the uid map: that is derived from `Location`s).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct FolderSyncState {
    /// UIDVALIDITY the known UIDs belong to; a different value on SELECT means re-sync from scratch.
    pub uid_validity: Option<u32>,
    /// Messages dated at or after this UTC day are known; `None` before the first grow.
    pub since_date: Option<Timestamp>,
    /// Highest UID looked at: a refresh fetches `last_high_uid+1:*`. 0 = none.
    pub last_high_uid: u32,
    /// The date window reaches [`crate::OLDEST_SYNC_DATE`]: every message of the folder is known.
    pub fully_synced: bool,
    /// Estimated number of messages not known yet (from the last grow's EXISTS).
    pub estimated_unsynced: u32,
    pub last_sync_at: Option<Timestamp>,
}

/// Where a message lives now (gaia's umidLocationMap), plus its flag-set slot there.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Location {
    pub folder: FolderId,
    pub uid: u32,
    /// The message's current flags, as a slot of the flag-set table.
    pub flag_set: FlagSetId,
}

/// An email address as parsed from a header (both parts optional: broken headers happen).
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Address {
    pub name: Option<String>,
    pub email: Option<String>,
}

/// One message copy (one umid). Written when its envelope was fetched (`sync_message`).
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Message {
    pub umid: Umid,
    /// The conversation it belongs to (gaia's umidNameMap). Changes only by a merge.
    pub conv: ConvId,
    pub folder: FolderId,
    /// Normalized Message-ID header (no angle brackets); synthesized when missing or invalid, see `synthesized_id`.
    pub message_id: String,
    pub synthesized_id: bool,
    /// Normalized References ids, oldest first.
    pub references: Vec<String>,
    /// Normalized In-Reply-To ids.
    pub in_reply_to: Vec<String>,
    pub subject: String,
    pub from: Option<Address>,
    pub to: Vec<Address>,
    pub cc: Vec<Address>,
    /// INTERNALDATE: when the server received it. Conversation order uses this.
    pub date: Timestamp,
    /// The Date header, if it parsed.
    pub sent_date: Option<Timestamp>,
    pub flags: FlagSet,
    pub size: u32,
    /// Text preview; `None` until `sync_body` fetched the body.
    pub snippet: Option<String>,
    pub has_attachments: bool,
}

/// A fetched body (`sync_body`). Not part of the snapshot: the engine never needs it again.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Body {
    pub umid: Umid,
    pub snippet: String,
    pub parts: Vec<BodyPart>,
}

/// One MIME part of a fetched body.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BodyPart {
    /// e.g. `text/plain`.
    pub content_type: String,
    /// Decoded text for text parts; `None` for binary parts (attachments).
    pub text: Option<String>,
    pub file_name: Option<String>,
    /// Decoded size in bytes.
    pub size: u64,
}

/// Something the sync could not handle fully. Reported, never fatal: the sync goes on.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Problem {
    pub folder: Option<FolderId>,
    pub uid: Option<u32>,
    pub umid: Option<Umid>,
    pub kind: ProblemKind,
    /// Human-readable detail (server text, parser complaint).
    pub detail: String,
}

impl Problem {
    /// A problem not tied to a folder or message yet; set the location fields with struct update syntax.
    pub fn new(kind: ProblemKind, detail: impl Into<String>) -> Self {
        Self {
            folder: None,
            uid: None,
            umid: None,
            kind,
            detail: detail.into(),
        }
    }
}

/// Kinds of [`Problem`].
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ProblemKind {
    /// No usable Message-ID: a stable one was synthesized from folder, UID validity and UID.
    MissingMessageId,
    /// The header block did not parse; the message was kept with what was known (date, flags, size).
    MalformedHeaders,
    /// The body did not parse as MIME.
    MalformedBody,
    /// The server answered NO/BAD to a command; the affected step was skipped.
    CommandFailed,
    /// A requested message was gone (expunged) when we asked for it.
    MessageVanished,
    /// UIDVALIDITY changed: the folder's messages were dropped and are being re-synced.
    UidValidityChanged,
}

/// Allocation counters, persisted so that a restarted engine never reuses an id.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct Counters {
    pub next_umid: u64,
    pub next_folder: u32,
    pub next_task: u64,
}
