//! GetConvRequest `<c id="…" [fetch="all|none|…"]/>`: one conversation of the target account with all its
//! messages (oldest first), each with headers, flags and snippet as GetMsgRequest renders them.
//!
//! `fetch` asks Zimbra to expand message bodies; the store keeps none yet, so it is accepted and changes
//! nothing until body fetch exists (no `<mp>` parts are invented). An id that is not a conversation of the
//! target account is `mail.NO_SUCH_CONV`.

use inboxd_model::ItemId;
use inboxd_soap::{ArgKind, Element, Fault, NS_MAIL};
use inboxd_store::Item;

use super::{get_msg, parse_id, render};
use crate::cx::Cx;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let spec = req
        .child("c")
        .ok_or_else(|| Fault::invalid_request("missing <c>"))?;
    let id = parse_id(&spec.required("id")?)?;
    let store = &cx.app.store;
    let item = store.item(&account.id, id).map_err(crate::store_fault)?;
    let Some(Item::Conversation(conv)) = item else {
        return Err(no_such_conv(id));
    };
    let mut messages = store
        .conversation_messages(&account.id, id)
        .map_err(crate::store_fault)?;
    messages.sort_by_key(|m| (m.date, m.id));
    let mut el = get_msg::zimbra_shape(render::conversation(&conv));
    el.children.extend(messages.iter().map(get_msg::message));
    Ok(Element::ns("GetConvResponse", NS_MAIL).with_child(el))
}

/// `mail.NO_SUCH_CONV`, as Zimbra reports a missing conversation.
fn no_such_conv(id: ItemId) -> Fault {
    Fault::new("mail.NO_SUCH_CONV", format!("no such conversation: {id}")).with_arg(
        "itemId",
        ArgKind::Iid,
        id.to_string(),
    )
}
