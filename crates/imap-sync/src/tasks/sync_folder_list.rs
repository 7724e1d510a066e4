//! sync_folder_list: `LIST "" "*"` → folder records (created, renamed in place, deleted), each typed by its
//! RFC 6154 special-use attribute or, for top-level folders only, by its name.
//!
//! After it, every selectable folder gets a refresh (INBOX first). What does not belong here: creating
//! missing special folders on the server (not needed for sync).

use std::collections::BTreeSet;

use super::{Cx, Job, JobSpec, Step};
use crate::reply::Reply;
use crate::wire::{Command, ListEntry, Untagged};
use crate::{Folder, FolderId, FolderKind};

#[derive(Debug, Default)]
pub(crate) struct SyncFolderList;

impl Job for SyncFolderList {
    fn start(&mut self, _cx: &mut Cx<'_>) -> Step {
        Step::Send(Command::List {
            reference: String::new(),
            pattern: "*".into(),
        })
    }

    fn on_reply(&mut self, cx: &mut Cx<'_>, reply: Reply) -> Step {
        if !reply.is_ok() {
            cx.command_failed(None, "LIST", &reply);
        } else {
            let entries: Vec<&ListEntry> = reply
                .untagged
                .iter()
                .filter_map(|u| match u {
                    Untagged::List(e) => Some(e),
                    _ => None,
                })
                .collect();
            apply_list(cx, &entries);
        }
        cx.follow_ups = refresh_order(cx);
        Step::Done
    }
}

/// Upserts the listed folders and deletes known ones that are gone.
fn apply_list(cx: &mut Cx<'_>, entries: &[&ListEntry]) {
    let mut seen = BTreeSet::new();
    let mut has_inbox = false;
    for e in entries {
        let folder = folder_from_entry(e);
        has_inbox |= folder.kind == FolderKind::Inbox;
        seen.insert(upsert(cx, folder));
    }
    if !has_inbox {
        // INBOX always exists (RFC 3501 §5.1); some servers omit it from LIST.
        seen.insert(upsert(cx, inbox(None)));
    }
    let gone: Vec<FolderId> = cx
        .db
        .folders()
        .keys()
        .filter(|id| !seen.contains(*id))
        .copied()
        .collect();
    for id in gone {
        cx.db.delete_folder(id);
    }
}

fn upsert(cx: &mut Cx<'_>, mut folder: Folder) -> FolderId {
    match cx.db.folder_by_path(&folder.path) {
        Some(existing) => {
            folder.id = existing.id;
            let id = folder.id;
            cx.db.put_folder(folder);
            id
        }
        None => cx.db.create_folder(folder),
    }
}

/// INBOX first, then the other selectable folders by path.
fn refresh_order(cx: &Cx<'_>) -> Vec<JobSpec> {
    let mut folders: Vec<&Folder> = cx.db.folders().values().filter(|f| f.selectable).collect();
    folders.sort_by_key(|f| (f.kind != FolderKind::Inbox, f.path.clone()));
    folders.iter().map(|f| JobSpec::Refresh(f.id)).collect()
}

fn inbox(delimiter: Option<char>) -> Folder {
    Folder {
        id: FolderId(0),
        path: "INBOX".into(),
        name: "INBOX".into(),
        delimiter,
        depth: 1,
        kind: FolderKind::Inbox,
        selectable: true,
    }
}

/// The folder record a LIST line describes (id left 0 for the caller).
pub(crate) fn folder_from_entry(e: &ListEntry) -> Folder {
    if e.mailbox.eq_ignore_ascii_case("INBOX") {
        return inbox(e.delimiter);
    }
    let parts: Vec<&str> = match e.delimiter {
        Some(d) => e.mailbox.split(d).filter(|p| !p.is_empty()).collect(),
        None => vec![e.mailbox.as_str()],
    };
    let name = parts.last().copied().unwrap_or(&e.mailbox).to_owned();
    let depth = u32::try_from(parts.len().max(1)).unwrap_or(u32::MAX);
    // Name guesses only at the namespace root: top level, or directly under INBOX on servers that nest
    // everything there (gaia bug 854128: `IDN/Sent` is a normal folder).
    let at_root = depth == 1
        || (depth == 2
            && parts
                .first()
                .is_some_and(|p| p.eq_ignore_ascii_case("INBOX")));
    let kind = kind_from_attrs(e)
        .or_else(|| at_root.then(|| kind_from_name(&name)).flatten())
        .unwrap_or(FolderKind::Normal);
    Folder {
        id: FolderId(0),
        path: e.mailbox.clone(),
        name,
        delimiter: e.delimiter,
        depth,
        kind,
        selectable: !e.has_attr("\\Noselect") && !e.has_attr("\\NonExistent"),
    }
}

fn kind_from_attrs(e: &ListEntry) -> Option<FolderKind> {
    const ATTRS: [(&str, FolderKind); 7] = [
        ("\\Drafts", FolderKind::Drafts),
        ("\\Sent", FolderKind::Sent),
        ("\\Trash", FolderKind::Trash),
        ("\\Junk", FolderKind::Junk),
        ("\\Archive", FolderKind::Archive),
        ("\\All", FolderKind::All),
        ("\\Flagged", FolderKind::Flagged),
    ];
    ATTRS.iter().find(|(a, _)| e.has_attr(a)).map(|(_, k)| *k)
}

fn kind_from_name(name: &str) -> Option<FolderKind> {
    let n = name.to_lowercase();
    let kind = match n.as_str() {
        "drafts" | "draft" => FolderKind::Drafts,
        "sent" | "sent items" | "sent mail" | "sent messages" => FolderKind::Sent,
        "trash" | "deleted items" | "deleted messages" | "bin" => FolderKind::Trash,
        "junk" | "spam" | "junk e-mail" | "junk email" | "bulk mail" => FolderKind::Junk,
        "archive" | "archives" => FolderKind::Archive,
        _ => return None,
    };
    Some(kind)
}
