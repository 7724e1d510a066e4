//! CreateFolderRequest `<folder name="…" [l="parentId"] [view="message"]/>`: creates a mail folder in the store
//! at once and, in the same commit, queues its creation on the IMAP server for the account's worker (the
//! folder is adopted by the sync once the server lists it). Only mail folders are created here.

use inboxd_imap_driver::{QueuedFolderOp, queue_folder_op};
use inboxd_model::ItemType;
use inboxd_soap::{Element, Fault, NS_MAIL};
use inboxd_store::{Item, NewFolder, folder_ids};

use super::{commit, folder_or, load_item, render};
use crate::cx::Cx;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let account = cx.target_account()?;
    let spec = req
        .child("folder")
        .ok_or_else(|| Fault::invalid_request("missing <folder>"))?;
    let name = spec.required("name")?;
    if let Some(view) = spec.scalar("view")
        && !(view.is_empty() || view == "message" || view == "conversation")
    {
        return Err(Fault::invalid_request(format!(
            "only mail folders can be created (view {view:?})"
        )));
    }
    let parent = folder_or(spec, folder_ids::ROOT)?;
    if !matches!(load_item(cx, &account, parent)?, Item::Folder(_)) {
        return Err(Fault::no_such_folder(parent.to_string()));
    }
    let id = commit(cx, &account, |txn| {
        let id = txn.create_folder(NewFolder {
            parent,
            name: name.clone(),
            view: Some(ItemType::Message),
            imap_path: None,
            special_use: None,
        })?;
        if account.imap.is_some() {
            queue_folder_op(txn, id, QueuedFolderOp::Create { parent, name })?;
        }
        Ok(id)
    })?;
    cx.app.sync.sync_now(&account.id);
    let Item::Folder(f) = load_item(cx, &account, id)? else {
        return Err(Fault::failure("created folder vanished"));
    };
    Ok(Element::ns("CreateFolderResponse", NS_MAIL).with_child(render::folder(&f)))
}
