//! DeleteAccountRequest (`id`): the account's items go, its change-log rows stay so that waitsets can report
//! MAILBOX_DELETED and allAccounts resync still sees its history.

use inboxd_model::AccountId;
use inboxd_soap::{Element, Fault, NS_ADMIN};

use crate::cx::Cx;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let id = AccountId::new(req.required("id")?);
    cx.load_account(&id)?;
    if cx.require_auth()?.account == id {
        return Err(Fault::invalid_request(
            "an admin cannot delete its own account",
        ));
    }
    cx.app
        .store
        .delete_account(&id, cx.now)
        .map_err(crate::store_fault)?;
    let account = cx.app.store.account(&id).map_err(crate::store_fault)?;
    if let Some(account) = account {
        cx.app.account_changed(&account);
    }
    Ok(Element::ns("DeleteAccountResponse", NS_ADMIN))
}
