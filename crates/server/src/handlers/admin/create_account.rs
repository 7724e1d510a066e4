//! CreateAccountRequest: `<CreateAccountRequest name="u@d" password="pw"><a n="imapHost">…</a>…</...>`.

use inboxd_soap::{Element, Fault, NS_ADMIN};
use inboxd_store::{AccountUpdate, NewAccount, StoreError};

use super::attrs;
use crate::auth::hash_password;
use crate::cx::Cx;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let name = req.required("name")?.trim().to_string();
    let password = req.required("password")?;
    if password.is_empty() {
        return Err(Fault::invalid_request("password must not be empty"));
    }
    let a = attrs::parse_attrs(req)?;
    let imap = attrs::imap_source(&a, None)?.flatten();
    let status = attrs::status(&a)?;
    let admin = attrs::admin_flag(&a)?.unwrap_or(false);
    let password_hash = hash_password(&password).map_err(Fault::failure)?;
    let store = &cx.app.store;
    let new = NewAccount {
        name: name.clone(),
        password_hash,
        admin,
        imap,
    };
    let mut account = store.create_account(new, cx.now).map_err(|e| match e {
        StoreError::AccountExists => Fault::account_exists(&name),
        other => crate::store_fault(other),
    })?;
    if let Some(status) = status.filter(|s| *s != account.status) {
        let update = AccountUpdate {
            status: Some(status),
            ..AccountUpdate::default()
        };
        account = store
            .update_account(&account.id, update)
            .map_err(crate::store_fault)?;
    }
    cx.app.account_changed(&account);
    Ok(Element::ns("CreateAccountResponse", NS_ADMIN).with_child(attrs::account_element(&account)))
}
