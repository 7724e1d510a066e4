//! FolderActionRequest `<action op="rename" id="…" name="…"/>` and `<action op="delete" id="…"/>`: the store
//! changes at once (a delete takes the folder's subfolders and messages with it and re-churns the
//! conversations that lost messages) and the change is queued, in the same commit, for the IMAP server
//! (RENAME / DELETE by the account's worker). System folders are refused by the store.

use inboxd_imap_driver::{QueuedFolderOp, queue_folder_op, rechurn};
use inboxd_soap::{Element, Fault, NS_MAIL};
use inboxd_store::Item;

use super::{action_spec, commit, load_item, parse_id};
use crate::cx::Cx;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let (action, op, id_text) = action_spec(req)?;
    let id = parse_id(&id_text)?;
    if !matches!(load_item(cx, &account, id)?, Item::Folder(_)) {
        return Err(Fault::no_such_folder(&id_text));
    }
    let upstream = account.imap.is_some();
    match op.as_str() {
        "rename" => {
            let name = action.required("name")?;
            commit(cx, &account, |txn| {
                txn.rename_folder(id, &name)?;
                if !upstream {
                    return Ok(());
                }
                queue_folder_op(txn, id, QueuedFolderOp::Rename { name })
            })?;
        }
        "delete" => {
            commit(cx, &account, |txn| {
                let gone = txn.delete_folder(id)?;
                for conv in gone.conversations {
                    rechurn(txn, conv)?;
                }
                if !upstream {
                    return Ok(());
                }
                queue_folder_op(txn, id, QueuedFolderOp::Delete)
            })?;
        }
        other => {
            return Err(Fault::invalid_request(format!(
                "unsupported folder action op {other:?}"
            )));
        }
    }
    cx.app.sync.sync_now(&account.id);
    let done = Element::new("action")
        .with_attr("op", op)
        .with_attr("id", id_text);
    Ok(Element::ns("FolderActionResponse", NS_MAIL).with_child(done))
}
