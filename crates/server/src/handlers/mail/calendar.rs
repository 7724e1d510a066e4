//! Appointments and tasks: Create/Modify/Cancel{Appointment,Task}Request, in Zimbra's invite shape reduced to the
//! simple attributes inboxd keeps:
//! `<m [l]><su>Subject</su><inv><comp name loc allDay status percentComplete priority><s d/><e d/><or a/>
//! <desc>…</desc></comp></inv></m>`. Attribute keys stored: name, loc, allDay, status, percentComplete, priority,
//! start, end, organizer, desc. Cancel deletes the item. Ids may be given as Zimbra's `calItemId-invId`.

use std::collections::BTreeMap;

use inboxd_model::{ItemId, ItemType};
use inboxd_soap::{Element, Fault, NS_MAIL};
use inboxd_store::{Item, folder_ids};

use super::{commit, folder_or, load_item, parse_id};
use crate::cx::Cx;

fn names(t: ItemType) -> (&'static str, &'static str, &'static str) {
    match t {
        ItemType::Task => (
            "CreateTaskResponse",
            "ModifyTaskResponse",
            "CancelTaskResponse",
        ),
        _ => (
            "CreateAppointmentResponse",
            "ModifyAppointmentResponse",
            "CancelAppointmentResponse",
        ),
    }
}

fn default_folder(t: ItemType) -> ItemId {
    if t == ItemType::Task {
        folder_ids::TASKS
    } else {
        folder_ids::CALENDAR
    }
}

/// Reads the invite's attributes; `fill_missing` gives every known key (empty = remove) for a full replace.
fn invite_attrs(m: &Element, fill_missing: bool) -> Result<BTreeMap<String, String>, Fault> {
    let comp = m
        .child("inv")
        .and_then(|inv| inv.child("comp"))
        .ok_or_else(|| Fault::invalid_request("missing <inv><comp>"))?;
    let mut attrs = BTreeMap::new();
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            attrs.insert(k.to_string(), v);
        } else if fill_missing {
            attrs.insert(k.to_string(), String::new());
        }
    };
    for key in [
        "name",
        "loc",
        "allDay",
        "status",
        "percentComplete",
        "priority",
    ] {
        put(key, comp.scalar(key));
    }
    let su = m.scalar("su");
    if su.is_some() && comp.scalar("name").is_none() {
        put("name", su);
    }
    put("start", comp.child("s").and_then(|s| s.scalar("d")));
    put("end", comp.child("e").and_then(|e| e.scalar("d")));
    put("organizer", comp.child("or").and_then(|o| o.scalar("a")));
    put(
        "desc",
        comp.scalar("desc")
            .or_else(|| m.child("mp").and_then(|mp| mp.scalar("content"))),
    );
    if attrs.get("name").is_none_or(|n| n.is_empty()) && !fill_missing {
        return Err(Fault::invalid_request(
            "an appointment or task needs a name (comp@name or <su>)",
        ));
    }
    Ok(attrs)
}

/// `123` or Zimbra's `123-122` (item id, invite id).
fn cal_id(s: &str) -> Result<ItemId, Fault> {
    parse_id(s.split('-').next().unwrap_or_default())
}

fn load_typed(
    cx: &Cx,
    account: &inboxd_store::Account,
    id: ItemId,
    t: ItemType,
) -> Result<(), Fault> {
    match load_item(cx, account, id)? {
        Item::Generic(g) if g.item_type == t => Ok(()),
        _ => Err(Fault::no_such_item(id)),
    }
}

fn id_response(name: &str, id: ItemId) -> Element {
    Element::ns(name, NS_MAIL)
        .with_attr("calItemId", id.0.to_string())
        .with_attr("invId", format!("{}-{}", id.0, id.0))
        .with_attr("apptId", id.0.to_string())
}

pub fn handle_create(cx: &Cx, req: &Element, t: ItemType) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let m = req
        .child("m")
        .ok_or_else(|| Fault::invalid_request("missing <m>"))?;
    let folder = folder_or(m, default_folder(t))?;
    let attrs = invite_attrs(m, false)?;
    let id = commit(cx, &account, |txn| txn.create_item(t, folder, &attrs))?;
    Ok(id_response(names(t).0, id))
}

pub fn handle_modify(cx: &Cx, req: &Element, t: ItemType) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let id = cal_id(&req.required("id")?)?;
    load_typed(cx, &account, id, t)?;
    let m = req
        .child("m")
        .ok_or_else(|| Fault::invalid_request("missing <m>"))?;
    // Zimbra's modify sends the whole invite: attributes left out are cleared.
    let attrs = invite_attrs(m, true)?;
    commit(cx, &account, |txn| txn.modify_item(id, &attrs))?;
    Ok(id_response(names(t).1, id))
}

pub fn handle_cancel(cx: &Cx, req: &Element, t: ItemType) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let id = cal_id(&req.required("id")?)?;
    load_typed(cx, &account, id, t)?;
    commit(cx, &account, |txn| txn.delete_item(id))?;
    Ok(Element::ns(names(t).2, NS_MAIL))
}
