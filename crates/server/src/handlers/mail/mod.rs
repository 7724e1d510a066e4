//! `urn:zimbraMail` requests. One file per request or request family; `render.rs` turns stored items into
//! Zimbra elements, shared by every reader (SyncRequest, Get*, Create* responses).

mod calendar;
mod contacts;
mod conv_action;
mod create_folder;
mod document;
mod folder;
mod folder_action;
mod get_conv;
mod get_msg;
mod item_action;
mod msg_action;
mod render;
mod search;
mod sync;

use std::collections::BTreeMap;

use inboxd_model::{ItemId, ItemType};
use inboxd_soap::{Element, Fault};
use inboxd_store::{Account, Committed, Item, Txn};

use crate::cx::Cx;

pub fn dispatch(cx: &Cx, name: &str, req: &Element) -> Result<Element, Fault> {
    match name {
        "CreateContactRequest" => contacts::handle_create(cx, req),
        "ModifyContactRequest" => contacts::handle_modify(cx, req),
        "ContactActionRequest" => {
            item_action::handle(cx, req, "ContactActionResponse", Some(ItemType::Contact))
        }
        "GetContactsRequest" => contacts::handle_get(cx, req),
        "CreateAppointmentRequest" => calendar::handle_create(cx, req, ItemType::Appointment),
        "ModifyAppointmentRequest" => calendar::handle_modify(cx, req, ItemType::Appointment),
        "CancelAppointmentRequest" => calendar::handle_cancel(cx, req, ItemType::Appointment),
        "CreateTaskRequest" => calendar::handle_create(cx, req, ItemType::Task),
        "ModifyTaskRequest" => calendar::handle_modify(cx, req, ItemType::Task),
        "CancelTaskRequest" => calendar::handle_cancel(cx, req, ItemType::Task),
        "SaveDocumentRequest" => document::handle_save(cx, req),
        "ItemActionRequest" => item_action::handle(cx, req, "ItemActionResponse", None),
        "GetItemRequest" => item_action::handle_get(cx, req),
        "GetFolderRequest" => folder::handle_get(cx, req),
        "SyncRequest" => sync::handle(cx, req),
        "SearchRequest" => search::handle(cx, req),
        "GetConvRequest" => get_conv::handle(cx, req),
        "GetMsgRequest" => get_msg::handle(cx, req),
        "MsgActionRequest" => msg_action::handle(cx, req),
        "ConvActionRequest" => conv_action::handle(cx, req),
        "CreateFolderRequest" => create_folder::handle(cx, req),
        "FolderActionRequest" => folder_action::handle(cx, req),
        _ => Err(Fault::unknown_document(name)),
    }
}

/// Runs `f` in one store commit on `account` (one change-id bump, one change-log row, one event).
fn commit<T>(
    cx: &Cx,
    account: &Account,
    f: impl FnOnce(&mut Txn<'_>) -> Result<T, inboxd_store::StoreError>,
) -> Result<T, Fault> {
    let Committed { value, .. } = cx
        .app
        .store
        .commit(&account.id, cx.now, f)
        .map_err(crate::store_fault)?;
    Ok(value)
}

/// Loads one item of the target account, or `mail.NO_SUCH_ITEM`.
fn load_item(cx: &Cx, account: &Account, id: ItemId) -> Result<Item, Fault> {
    cx.app
        .store
        .item(&account.id, id)
        .map_err(crate::store_fault)?
        .ok_or_else(|| Fault::no_such_item(id))
}

/// The `<action op="…" id="…"/>` of an *ActionRequest: the element (for op-specific attributes such as `l` or
/// `name`), the op, and the raw id text.
fn action_spec(req: &Element) -> Result<(&Element, String, String), Fault> {
    let action = req
        .child("action")
        .ok_or_else(|| Fault::invalid_request("missing <action>"))?;
    Ok((action, action.required("op")?, action.required("id")?))
}

/// Parses an item id attribute (`id="257"`).
fn parse_id(s: &str) -> Result<ItemId, Fault> {
    s.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(ItemId)
        .ok_or_else(|| Fault::invalid_request(format!("invalid item id {s:?}")))
}

/// Parses a comma list of ids (`id="257,258"`), at least one.
fn parse_ids(s: &str) -> Result<Vec<ItemId>, Fault> {
    let ids = s
        .split(',')
        .filter(|p| !p.trim().is_empty())
        .map(parse_id)
        .collect::<Result<Vec<_>, _>>()?;
    if ids.is_empty() {
        return Err(Fault::invalid_request("no item ids given"));
    }
    Ok(ids)
}

/// The `<a n="key">value</a>` children of an element, in order (last one wins).
fn a_attrs(el: &Element) -> Result<BTreeMap<String, String>, Fault> {
    let mut attrs = BTreeMap::new();
    for a in el.children_named("a") {
        let name = a.scalar("n").filter(|n| !n.trim().is_empty());
        let name = name.ok_or_else(|| Fault::invalid_request("<a> without n"))?;
        attrs.insert(name, a.text_content().unwrap_or_default().to_string());
    }
    Ok(attrs)
}

/// The folder attribute `l`, or the type's default folder.
fn folder_or(el: &Element, default: ItemId) -> Result<ItemId, Fault> {
    el.scalar("l").map_or(Ok(default), |l| parse_id(&l))
}
