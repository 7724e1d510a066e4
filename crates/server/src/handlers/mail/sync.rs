//! SyncRequest: `token` (a change id) → the items created or modified since then and the ids deleted since then,
//! plus the new `token`; no token (or `0`) → the full state. A token older than the change-log retention faults
//! with `mail.MUST_RESYNC`, as Zimbra does, so the client starts over instead of silently missing deletions.
//!
//! Full sync: the folder tree, each folder holding its items; conversations follow the tree. Delta sync: changed
//! items flat, then `<deleted ids="…">` with one child per element type (`<cn ids="…"/>`, `<m ids="…"/>`, …).

use std::collections::BTreeMap;

use inboxd_model::ChangeId;
use inboxd_soap::{Element, Fault, NS_MAIL};
use inboxd_store::{Changes, Item, ItemKind};

use super::render;
use crate::cx::Cx;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let token = match req
        .scalar("token")
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
    {
        // Zimbra tokens can carry a "-suffix" for paged syncs; the change id is the leading number.
        Some(t) => t
            .split('-')
            .next()
            .and_then(|n| n.parse::<u64>().ok())
            .ok_or_else(|| Fault::invalid_request(format!("invalid sync token {t:?}")))?,
        None => 0,
    };
    let changes = cx
        .app
        .store
        .changes_since(&account.id, ChangeId(token))
        .map_err(crate::store_fault)?;
    let mut resp = Element::ns("SyncResponse", NS_MAIL)
        .with_attr("token", changes.change_id.0.to_string())
        .with_attr("md", cx.now.as_millis() / 1000);
    if token == 0 {
        full(&mut resp, &changes);
    } else {
        delta(&mut resp, &changes);
    }
    Ok(resp)
}

fn full(resp: &mut Element, changes: &Changes) {
    let folders: Vec<_> = changes
        .changed
        .iter()
        .filter_map(|i| {
            if let Item::Folder(f) = i {
                Some(f.clone())
            } else {
                None
            }
        })
        .collect();
    let mut contents: BTreeMap<_, Vec<&Item>> = BTreeMap::new();
    let mut loose = Vec::new();
    for item in changes
        .changed
        .iter()
        .filter(|i| !matches!(i, Item::Folder(_)))
    {
        match item.folder() {
            Some(folder) => contents.entry(folder).or_default().push(item),
            None => loose.push(item),
        }
    }
    if let Some(root) = nest(&folders, inboxd_store::folder_ids::ROOT, &contents) {
        resp.push(root);
    }
    for item in loose {
        resp.push(render::item(item));
    }
}

/// A folder element holding its items and its subfolders.
fn nest(
    folders: &[inboxd_store::Folder],
    id: inboxd_model::ItemId,
    contents: &BTreeMap<inboxd_model::ItemId, Vec<&Item>>,
) -> Option<Element> {
    let folder = folders.iter().find(|f| f.id == id)?;
    let mut el = render::folder(folder);
    for item in contents.get(&id).into_iter().flatten() {
        el.push(render::item(item));
    }
    for child in folders.iter().filter(|f| f.parent == Some(id)) {
        if let Some(sub) = nest(folders, child.id, contents) {
            el.push(sub);
        }
    }
    Some(el)
}

fn delta(resp: &mut Element, changes: &Changes) {
    for item in &changes.changed {
        resp.push(render::item(item));
    }
    if changes.deleted.is_empty() {
        return;
    }
    let join = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
    let all: Vec<i64> = changes.deleted.iter().map(|d| d.id.0).collect();
    let mut deleted = Element::new("deleted").with_attr("ids", join(&all));
    let mut by_kind: BTreeMap<ItemKind, Vec<i64>> = BTreeMap::new();
    for d in &changes.deleted {
        by_kind.entry(d.kind).or_default().push(d.id.0);
    }
    for (kind, ids) in by_kind {
        deleted.push(
            Element::new(kind_element(kind))
                .with_attr("ids", join(&ids))
                .json_list(),
        );
    }
    resp.push(deleted);
}

fn kind_element(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Folder => "folder",
        ItemKind::Message => "m",
        ItemKind::Conversation => "c",
        ItemKind::Contact => "cn",
        ItemKind::Appointment => "appt",
        ItemKind::Task => "task",
        ItemKind::Document => "doc",
    }
}
