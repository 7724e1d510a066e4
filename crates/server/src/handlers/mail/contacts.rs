//! CreateContactRequest, ModifyContactRequest (`replace="1"` replaces every attribute) and GetContactsRequest.
//! A contact is `<cn [l="7"]><a n="firstName">Ann</a>…</cn>`.

use inboxd_model::ItemType;
use inboxd_soap::{Element, Fault, NS_MAIL};
use inboxd_store::{Item, folder_ids};

use super::{a_attrs, commit, folder_or, load_item, parse_id, parse_ids, render};
use crate::cx::Cx;

pub fn handle_create(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let cn = req
        .child("cn")
        .ok_or_else(|| Fault::invalid_request("missing <cn>"))?;
    let folder = folder_or(cn, folder_ids::CONTACTS)?;
    let attrs = a_attrs(cn)?;
    let id = commit(cx, &account, |txn| {
        txn.create_item(ItemType::Contact, folder, &attrs)
    })?;
    let item = load_item(cx, &account, id)?;
    Ok(Element::ns("CreateContactResponse", NS_MAIL).with_child(render::item(&item)))
}

pub fn handle_modify(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let cn = req
        .child("cn")
        .ok_or_else(|| Fault::invalid_request("missing <cn>"))?;
    let id = parse_id(&cn.required("id")?)?;
    let replace = req.bool_opt("replace")?.unwrap_or(false);
    let Item::Generic(existing) = load_item(cx, &account, id)? else {
        return Err(Fault::no_such_item(id));
    };
    if existing.item_type != ItemType::Contact {
        return Err(Fault::no_such_item(id));
    }
    let mut attrs = a_attrs(cn)?;
    if replace {
        // Replacing means every attribute not given is removed (an empty value removes a key).
        for key in existing.attrs.keys() {
            attrs.entry(key.clone()).or_default();
        }
    }
    commit(cx, &account, |txn| txn.modify_item(id, &attrs))?;
    let item = load_item(cx, &account, id)?;
    Ok(Element::ns("ModifyContactResponse", NS_MAIL).with_child(render::item(&item)))
}

pub fn handle_get(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let mut resp = Element::ns("GetContactsResponse", NS_MAIL);
    let wanted: Vec<_> = req
        .children_named("cn")
        .filter_map(|c| c.scalar("id"))
        .collect();
    if wanted.is_empty() {
        let items = cx
            .app
            .store
            .list_items(&account.id, ItemType::Contact)
            .map_err(crate::store_fault)?;
        for item in &items {
            resp.push(render::item(item));
        }
        return Ok(resp);
    }
    for ids in wanted {
        for id in parse_ids(&ids)? {
            match load_item(cx, &account, id)? {
                item @ Item::Generic(_) if item.item_type() == ItemType::Contact => {
                    resp.push(render::item(&item));
                }
                _ => return Err(Fault::no_such_item(id)),
            }
        }
    }
    Ok(resp)
}
