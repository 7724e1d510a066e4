//! Engine records ↔ JSON text for the store's `sync_state` spaces. Hand-written (the engine's types carry no
//! serde derives); decoding is lenient about missing fields so that older rows still load.

use inboxd_imap_sync::{
    Address, ConvId, Conversation, Counters, FlagSet, FlagSetEntry, FlagSetId, Folder, FolderId,
    FolderKind, FolderOp, FolderSyncState, Location, Message, Task, Umid,
};
use inboxd_model::{ItemId, Timestamp};
use inboxd_threading::Addr;
use serde_json::{Value, json};

/// Space names in the store's sync-state table.
pub(crate) mod space {
    pub const FOLDER: &str = "folder";
    pub const STATE: &str = "state";
    pub const LOCATION: &str = "loc";
    pub const MESSAGE: &str = "msg";
    pub const CONVERSATION: &str = "conv";
    pub const HEADER_ID: &str = "hid";
    pub const FLAG_SET: &str = "fs";
    pub const TASK: &str = "task";
    pub const COUNTERS: &str = "counters";
    /// The mailbox the state was built from (`source.rs`).
    pub const SOURCE: &str = "source";
}

fn u(v: &Value, k: &str) -> u64 {
    v.get(k).and_then(Value::as_u64).unwrap_or(0)
}

fn u32_of(v: &Value, k: &str) -> u32 {
    u32::try_from(u(v, k)).unwrap_or(u32::MAX)
}

fn s(v: &Value, k: &str) -> String {
    v.get(k)
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string()
}

fn opt_s(v: &Value, k: &str) -> Option<String> {
    v.get(k).and_then(Value::as_str).map(str::to_string)
}

fn opt_ts(v: &Value, k: &str) -> Option<Timestamp> {
    v.get(k).and_then(Value::as_u64).map(Timestamp)
}

fn b(v: &Value, k: &str) -> bool {
    v.get(k).and_then(Value::as_bool).unwrap_or(false)
}

fn strings(v: &Value, k: &str) -> Vec<String> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// The store item an engine record is mirrored to.
pub(crate) fn item_of(v: &Value) -> Option<ItemId> {
    v.get("item").and_then(Value::as_i64).map(ItemId)
}

pub(crate) fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

const KINDS: [(FolderKind, &str); 9] = [
    (FolderKind::Inbox, "inbox"),
    (FolderKind::Drafts, "drafts"),
    (FolderKind::Sent, "sent"),
    (FolderKind::Trash, "trash"),
    (FolderKind::Junk, "junk"),
    (FolderKind::Archive, "archive"),
    (FolderKind::All, "all"),
    (FolderKind::Flagged, "flagged"),
    (FolderKind::Normal, "normal"),
];

pub(crate) fn folder_to(f: &Folder, item: ItemId) -> Value {
    let kind = KINDS
        .iter()
        .find(|(k, _)| *k == f.kind)
        .map_or("normal", |(_, n)| n);
    json!({"item": item.0, "path": f.path, "name": f.name, "delim": f.delimiter.map(String::from),
           "depth": f.depth, "kind": kind, "selectable": f.selectable})
}

pub(crate) fn folder_from(id: FolderId, v: &Value) -> Folder {
    let kind = s(v, "kind");
    Folder {
        id,
        path: s(v, "path"),
        name: s(v, "name"),
        delimiter: opt_s(v, "delim").and_then(|d| d.chars().next()),
        depth: u32_of(v, "depth"),
        kind: KINDS
            .iter()
            .find(|(_, n)| *n == kind)
            .map_or(FolderKind::Normal, |(k, _)| *k),
        selectable: b(v, "selectable"),
    }
}

pub(crate) fn state_to(st: &FolderSyncState) -> Value {
    json!({"uv": st.uid_validity, "since": st.since_date.map(|t| t.0), "high": st.last_high_uid,
           "full": st.fully_synced, "unsynced": st.estimated_unsynced, "at": st.last_sync_at.map(|t| t.0)})
}

pub(crate) fn state_from(v: &Value) -> FolderSyncState {
    FolderSyncState {
        uid_validity: v
            .get("uv")
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok()),
        since_date: opt_ts(v, "since"),
        last_high_uid: u32_of(v, "high"),
        fully_synced: b(v, "full"),
        estimated_unsynced: u32_of(v, "unsynced"),
        last_sync_at: opt_ts(v, "at"),
    }
}

/// The Value form of `typed::location_to` (kept as the reference the typed writer is tested against).
#[cfg(test)]
pub(crate) fn location_to(l: &Location) -> Value {
    json!({"f": l.folder.0, "uid": l.uid, "fs": l.flag_set.0})
}

pub(crate) fn location_from(v: &Value) -> Location {
    Location {
        folder: FolderId(u32_of(v, "f")),
        uid: u32_of(v, "uid"),
        flag_set: FlagSetId(u32_of(v, "fs")),
    }
}

#[cfg(test)]
fn addr_to(a: &Address) -> Value {
    json!({"n": a.name, "e": a.email})
}

fn addr_from(v: &Value) -> Address {
    Address {
        name: opt_s(v, "n"),
        email: opt_s(v, "e"),
    }
}

fn addrs_from(v: &Value, k: &str) -> Vec<Address> {
    v.get(k)
        .and_then(Value::as_array)
        .map(|a| a.iter().map(addr_from).collect())
        .unwrap_or_default()
}

/// The Value form of `typed::message_to` (kept as the reference the typed writer is tested against).
#[cfg(test)]
pub(crate) fn message_to(m: &Message, item: ItemId) -> Value {
    json!({"item": item.0, "conv": m.conv.0, "f": m.folder.0, "mid": m.message_id, "synth": m.synthesized_id,
           "refs": m.references, "irt": m.in_reply_to, "subject": m.subject,
           "from": m.from.as_ref().map(addr_to), "to": m.to.iter().map(addr_to).collect::<Vec<_>>(),
           "cc": m.cc.iter().map(addr_to).collect::<Vec<_>>(), "date": m.date.0,
           "sent": m.sent_date.map(|t| t.0), "flags": m.flags.as_slice(), "size": m.size,
           "snippet": m.snippet, "att": m.has_attachments})
}

pub(crate) fn message_from(umid: Umid, v: &Value) -> Message {
    Message {
        umid,
        conv: ConvId(u(v, "conv")),
        folder: FolderId(u32_of(v, "f")),
        message_id: s(v, "mid"),
        synthesized_id: b(v, "synth"),
        references: strings(v, "refs"),
        in_reply_to: strings(v, "irt"),
        subject: s(v, "subject"),
        from: v.get("from").filter(|f| f.is_object()).map(addr_from),
        to: addrs_from(v, "to"),
        cc: addrs_from(v, "cc"),
        date: Timestamp(u(v, "date")),
        sent_date: opt_ts(v, "sent"),
        flags: FlagSet::new(strings(v, "flags")),
        size: u32_of(v, "size"),
        snippet: opt_s(v, "snippet"),
        has_attachments: b(v, "att"),
    }
}

/// The `conv` space text of conversation `c`, mirrored to store item `item`. Written for every conversation a
/// batch touches, so it is serialized from borrowed fields rather than built as a `Value` tree first; the
/// fields are in the order the `Value` tree gave them (sorted keys), so the text is the same as it was.
pub(crate) fn conversation_to(c: &Conversation, item: ItemId) -> String {
    #[derive(serde::Serialize)]
    struct Part<'a> {
        e: &'a str,
        n: Option<&'a str>,
    }
    #[derive(serde::Serialize)]
    struct ConvOut<'a> {
        att: bool,
        count: usize,
        first: i64,
        flagged: bool,
        item: i64,
        last: i64,
        parts: Vec<Part<'a>>,
        snippet: Option<&'a str>,
        subject: &'a str,
        unread: usize,
    }
    let out = ConvOut {
        att: c.has_attachments,
        count: c.message_count,
        first: c.first_date,
        flagged: c.flagged,
        item: item.0,
        last: c.last_date,
        parts: c
            .participants
            .iter()
            .map(|a| Part {
                e: &a.email,
                n: a.name.as_deref(),
            })
            .collect(),
        snippet: c.snippet.as_deref(),
        subject: &c.subject,
        unread: c.unread_count,
    };
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_string(&out).unwrap_or_default()
}

/// The `Value` form `conversation_to` replaced (the reference its text is tested against).
#[cfg(test)]
fn conversation_value(c: &Conversation, item: ItemId) -> Value {
    let parts: Vec<Value> = c
        .participants
        .iter()
        .map(|a| json!({"n": a.name, "e": a.email}))
        .collect();
    json!({"item": item.0, "subject": c.subject, "parts": parts, "first": c.first_date, "last": c.last_date,
           "count": c.message_count, "unread": c.unread_count, "flagged": c.flagged,
           "att": c.has_attachments, "snippet": c.snippet})
}

#[cfg(test)]
#[test]
fn conversation_text_is_what_the_value_form_wrote_and_reads_back() {
    let mut c = Conversation {
        subject: "Re: \"quoted\" \\ ünïcode\n".into(),
        participants: vec![
            Addr {
                name: Some("Zoë \"Z\"".into()),
                email: "z@example.com".into(),
            },
            Addr {
                name: None,
                email: "bare@example.com".into(),
            },
        ],
        first_date: 1_700_000_000_000,
        last_date: 1_700_000_360_000,
        message_count: 7,
        unread_count: 2,
        flagged: true,
        has_attachments: false,
        snippet: Some("hello\tthere".into()),
    };
    for _ in 0..2 {
        let text = conversation_to(&c, ItemId(-3));
        assert_eq!(text, conversation_value(&c, ItemId(-3)).to_string());
        assert_eq!(conversation_from(&parse(&text)), c);
        c.participants.clear();
        c.snippet = None;
    }
}

pub(crate) fn conversation_from(v: &Value) -> Conversation {
    let participants = v
        .get("parts")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|p| Addr {
                    name: opt_s(p, "n"),
                    email: s(p, "e"),
                })
                .collect()
        })
        .unwrap_or_default();
    Conversation {
        subject: s(v, "subject"),
        participants,
        first_date: v.get("first").and_then(Value::as_i64).unwrap_or(0),
        last_date: v.get("last").and_then(Value::as_i64).unwrap_or(0),
        message_count: usize::try_from(u(v, "count")).unwrap_or(0),
        unread_count: usize::try_from(u(v, "unread")).unwrap_or(0),
        flagged: b(v, "flagged"),
        has_attachments: b(v, "att"),
        snippet: opt_s(v, "snippet"),
    }
}

pub(crate) fn flag_set_to(e: &FlagSetEntry) -> Value {
    json!({"flags": e.flags.as_slice(), "refs": e.refs})
}

pub(crate) fn flag_set_from(v: &Value) -> FlagSetEntry {
    FlagSetEntry {
        flags: FlagSet::new(strings(v, "flags")),
        refs: u32_of(v, "refs"),
    }
}

pub(crate) fn task_to(t: &Task) -> Value {
    match t {
        Task::SyncMessage { umid } => json!({"kind": "message", "umid": umid.0}),
        Task::SyncBody { umid } => json!({"kind": "body", "umid": umid.0}),
        Task::StoreFlags { umid, add, remove } => {
            json!({"kind": "flags", "umid": umid.0, "add": add, "remove": remove})
        }
        Task::Move {
            umid,
            to,
            copied,
            message_id,
        } => {
            json!({"kind": "move", "umid": umid.0, "to": to.0, "copied": copied, "mid": message_id})
        }
        Task::Delete { umid } => json!({"kind": "delete", "umid": umid.0}),
        Task::Folder(FolderOp::Create { parent, name }) => {
            json!({"kind": "folder-create", "parent": parent.map(|p| p.0), "name": name})
        }
        Task::Folder(FolderOp::Rename { folder, name }) => {
            json!({"kind": "folder-rename", "folder": folder.0, "name": name})
        }
        Task::Folder(FolderOp::Delete { folder }) => {
            json!({"kind": "folder-delete", "folder": folder.0})
        }
    }
}

pub(crate) fn task_from(v: &Value) -> Option<Task> {
    let umid = Umid(u(v, "umid"));
    match s(v, "kind").as_str() {
        "message" => Some(Task::SyncMessage { umid }),
        "body" => Some(Task::SyncBody { umid }),
        "flags" => Some(Task::StoreFlags {
            umid,
            add: strings(v, "add"),
            remove: strings(v, "remove"),
        }),
        "move" => Some(Task::Move {
            umid,
            to: FolderId(u32_of(v, "to")),
            copied: b(v, "copied"),
            message_id: opt_s(v, "mid"),
        }),
        "delete" => Some(Task::Delete { umid }),
        "folder-create" => Some(Task::Folder(FolderOp::Create {
            parent: v
                .get("parent")
                .and_then(Value::as_u64)
                .and_then(|p| u32::try_from(p).ok())
                .map(FolderId),
            name: s(v, "name"),
        })),
        "folder-rename" => Some(Task::Folder(FolderOp::Rename {
            folder: FolderId(u32_of(v, "folder")),
            name: s(v, "name"),
        })),
        "folder-delete" => Some(Task::Folder(FolderOp::Delete {
            folder: FolderId(u32_of(v, "folder")),
        })),
        _ => None,
    }
}

pub(crate) fn counters_to(c: &Counters) -> Value {
    json!({"umid": c.next_umid, "folder": c.next_folder, "task": c.next_task})
}

pub(crate) fn counters_from(v: &Value) -> Counters {
    Counters {
        next_umid: u(v, "umid"),
        next_folder: u32_of(v, "folder"),
        next_task: u(v, "task"),
    }
}
