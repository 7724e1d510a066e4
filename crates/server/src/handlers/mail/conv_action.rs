//! ConvActionRequest `<action op="read|!read|flag|!flag|move|trash|delete" id="convId,…" [l="folderId"]/>`:
//! the MsgActionRequest op applied to every message of the conversations (`msg_action` does the work).

use inboxd_model::ItemId;
use inboxd_soap::{Element, Fault};
use inboxd_store::Item;

use super::{action_spec, msg_action, parse_ids};
use crate::cx::Cx;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let (action, op, ids_text) = action_spec(req)?;
    let mut messages: Vec<ItemId> = Vec::new();
    for conv in parse_ids(&ids_text)? {
        let item = cx
            .app
            .store
            .item(&account.id, conv)
            .map_err(crate::store_fault)?;
        if !matches!(item, Some(Item::Conversation(_))) {
            return Err(Fault::new(
                "mail.NO_SUCH_CONV",
                format!("no such conversation: {conv}"),
            ));
        }
        let msgs = cx
            .app
            .store
            .conversation_messages(&account.id, conv)
            .map_err(crate::store_fault)?;
        messages.extend(msgs.iter().map(|m| m.id));
    }
    if !messages.is_empty() {
        msg_action::run(cx, &account, &op, action, &messages)?;
    }
    Ok(msg_action::response("ConvActionResponse", &op, &ids_text))
}
