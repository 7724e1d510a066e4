//! MsgActionRequest `<action op="read|!read|flag|!flag|move|trash|delete" id="1,2" [l="folderId"]/>`.
//!
//! The change is planned at once: the store shows it (flags, folder, deletion, conversation summaries) in one
//! commit, which also queues it for the account's IMAP worker (`inboxd_imap_driver::apply_message_actions`);
//! then the worker is woken to carry it out upstream, now or when the server is reachable again. Shared with
//! ConvActionRequest (`conv_action`), which resolves conversations to their messages first.

use inboxd_imap_driver::{MessageAction, apply_message_actions};
use inboxd_model::{ItemId, ItemType};
use inboxd_soap::{Element, Fault, NS_MAIL};
use inboxd_store::{Account, Item, folder_ids};

use super::get_msg::no_such_msg;
use super::{action_spec, commit, load_item, parse_id, parse_ids};
use crate::cx::Cx;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let (action, op, ids_text) = action_spec(req)?;
    let ids = parse_ids(&ids_text)?;
    for id in &ids {
        let item = cx
            .app
            .store
            .item(&account.id, *id)
            .map_err(crate::store_fault)?;
        if !matches!(item, Some(Item::Message(_))) {
            return Err(no_such_msg(*id));
        }
    }
    run(cx, &account, &op, action, &ids)?;
    Ok(response("MsgActionResponse", &op, &ids_text))
}

/// `<{name}><action op id/></{name}>`.
pub(super) fn response(name: &str, op: &str, ids: &str) -> Element {
    let done = Element::new("action")
        .with_attr("op", op)
        .with_attr("id", ids);
    Element::ns(name, NS_MAIL).with_child(done)
}

/// Carries out `op` on `messages` in one commit and wakes the IMAP worker.
pub(super) fn run(
    cx: &Cx,
    account: &Account,
    op: &str,
    action: &Element,
    messages: &[ItemId],
) -> Result<(), Fault> {
    let act = parse_op(cx, account, op, action)?;
    commit(cx, account, |txn| {
        apply_message_actions(txn, messages, &act, account.imap.is_some())
    })?;
    cx.app.sync.sync_now(&account.id);
    Ok(())
}

fn parse_op(
    cx: &Cx,
    account: &Account,
    op: &str,
    action: &Element,
) -> Result<MessageAction, Fault> {
    let flag = |name: &str, on| Ok(MessageAction::Flag(name.to_string(), on));
    match op {
        "read" => flag("\\Seen", true),
        "!read" => flag("\\Seen", false),
        "flag" => flag("\\Flagged", true),
        "!flag" => flag("\\Flagged", false),
        "trash" => Ok(MessageAction::Move(folder_ids::TRASH)),
        "delete" => Ok(MessageAction::Delete),
        "move" => {
            let l = action
                .scalar("l")
                .ok_or_else(|| Fault::invalid_request("move needs l (the target folder)"))?;
            let folder = parse_id(&l)?;
            match load_item(cx, account, folder)? {
                Item::Folder(f)
                    if f.view.is_none_or(|v| v == ItemType::Message) && f.parent.is_some() =>
                {
                    Ok(MessageAction::Move(folder))
                }
                _ => Err(Fault::invalid_request(format!(
                    "{folder} is not a mail folder"
                ))),
            }
        }
        other => Err(Fault::invalid_request(format!(
            "unsupported action op {other:?}"
        ))),
    }
}
