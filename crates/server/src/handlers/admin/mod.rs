//! `urn:zimbraAdmin` requests: admin auth and account provisioning. One file per request; shared account
//! rendering and attribute parsing live in `attrs.rs`.

mod attrs;
mod create_account;
mod delete_account;
mod get_account;
mod modify_account;
mod sync_account;

use inboxd_soap::{Element, Fault};

use crate::cx::Cx;

pub fn dispatch(cx: &Cx, name: &str, req: &Element) -> Result<Element, Fault> {
    match name {
        "AuthRequest" => super::auth::handle_admin(cx, req),
        "CreateAccountRequest" => create_account::handle(cx, req),
        "GetAccountRequest" => get_account::handle(cx, req),
        "GetAllAccountsRequest" => get_account::handle_all(cx, req),
        "ModifyAccountRequest" => modify_account::handle(cx, req),
        "SetPasswordRequest" => modify_account::handle_set_password(cx, req),
        "RenameAccountRequest" => modify_account::handle_rename(cx, req),
        "DeleteAccountRequest" => delete_account::handle(cx, req),
        "SyncAccountRequest" => sync_account::handle(cx, req),
        _ => Err(Fault::unknown_document(name)),
    }
}
