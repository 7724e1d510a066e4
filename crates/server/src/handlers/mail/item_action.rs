//! ItemActionRequest / ContactActionRequest (`<action op="delete" id="1,2"/>`) and GetItemRequest
//! (`<item id="…"/>`). Only `delete` is carried out here for typed items; message and conversation actions
//! have their own requests.

use inboxd_model::ItemType;
use inboxd_soap::{Element, Fault, NS_MAIL};

use super::{action_spec, commit, load_item, parse_id, parse_ids, render};
use crate::cx::Cx;

/// `only`: the item type the request is limited to (ContactActionRequest acts on contacts only).
pub fn handle(
    cx: &Cx,
    req: &Element,
    resp: &str,
    only: Option<ItemType>,
) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let (_, op, ids_text) = action_spec(req)?;
    let ids = parse_ids(&ids_text)?;
    for id in &ids {
        let item = load_item(cx, &account, *id)?;
        if only.is_some_and(|t| item.item_type() != t) {
            return Err(Fault::no_such_item(id));
        }
    }
    match op.as_str() {
        "delete" => {
            commit(cx, &account, |txn| {
                ids.iter().try_for_each(|id| txn.delete_item(*id))
            })?;
        }
        other => {
            return Err(Fault::invalid_request(format!(
                "unsupported action op {other:?}"
            )));
        }
    }
    let done = Element::new("action")
        .with_attr("op", op)
        .with_attr("id", ids_text);
    Ok(Element::ns(resp, NS_MAIL).with_child(done))
}

pub fn handle_get(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let spec = req
        .child("item")
        .ok_or_else(|| Fault::invalid_request("missing <item>"))?;
    let id = parse_id(&spec.required("id")?)?;
    let item = load_item(cx, &account, id)?;
    Ok(Element::ns("GetItemResponse", NS_MAIL).with_child(render::item(&item)))
}
