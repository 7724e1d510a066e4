//! ModifyAccountRequest (`id` + `<a n>` attributes: IMAP source, status, admin flag), SetPasswordRequest
//! (`id`, `newPassword`) and RenameAccountRequest (`id`, `newName`).

use inboxd_model::AccountId;
use inboxd_soap::{Element, Fault, NS_ADMIN};
use inboxd_store::{Account, AccountUpdate, StoreError};

use super::attrs;
use crate::auth::hash_password;
use crate::cx::Cx;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let id = AccountId::new(req.required("id")?);
    let existing = cx.load_account(&id)?;
    let a = attrs::parse_attrs(req)?;
    let update = AccountUpdate {
        status: attrs::status(&a)?,
        admin: attrs::admin_flag(&a)?,
        imap: attrs::imap_source(&a, existing.imap.as_ref())?,
        ..AccountUpdate::default()
    };
    apply(cx, &existing, update, "ModifyAccountResponse")
}

pub fn handle_set_password(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let id = AccountId::new(req.required("id")?);
    cx.load_account(&id)?;
    let password = req.required("newPassword")?;
    if password.is_empty() {
        return Err(Fault::invalid_request("newPassword must not be empty"));
    }
    let hash = hash_password(&password).map_err(Fault::failure)?;
    let update = AccountUpdate {
        password_hash: Some(hash),
        ..AccountUpdate::default()
    };
    cx.app
        .store
        .update_account(&id, update)
        .map_err(crate::store_fault)?;
    Ok(Element::ns("SetPasswordResponse", NS_ADMIN))
}

pub fn handle_rename(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let id = AccountId::new(req.required("id")?);
    let existing = cx.load_account(&id)?;
    let name = req.required("newName")?.trim().to_string();
    let update = AccountUpdate {
        name: Some(name),
        ..AccountUpdate::default()
    };
    apply(cx, &existing, update, "RenameAccountResponse")
}

fn apply(cx: &Cx, existing: &Account, update: AccountUpdate, resp: &str) -> Result<Element, Fault> {
    let new_name = update.name.clone().unwrap_or_default();
    let new_mailbox = update.replaces_mailbox(existing.imap.as_ref());
    let account = cx
        .app
        .store
        .update_account(&existing.id, update)
        .map_err(|e| match e {
            StoreError::AccountExists => Fault::account_exists(&new_name),
            other => crate::store_fault(other),
        })?;
    if new_mailbox {
        // Another mailbox (not just a new password): the old worker stops, and what it mirrored goes, first.
        cx.app
            .sync
            .replace_source(&account, cx.now)
            .map_err(crate::store_fault)?;
    }
    cx.app.account_changed(&account);
    Ok(Element::ns(resp, NS_ADMIN).with_child(attrs::account_element(&account)))
}
