//! GetAccountRequest (`<account by="name|id">`) and GetAllAccountsRequest (every account not deleted).

use inboxd_soap::{Element, Fault, NS_ADMIN};
use inboxd_store::AccountStatus;

use super::attrs::account_element;
use crate::cx::Cx;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let spec = req
        .child("account")
        .ok_or_else(|| Fault::invalid_request("missing <account>"))?;
    let account = cx.lookup_account(spec)?;
    Ok(Element::ns("GetAccountResponse", NS_ADMIN).with_child(account_element(&account)))
}

pub fn handle_all(cx: &Cx, _req: &Element) -> Result<Element, Fault> {
    let accounts = cx.app.store.list_accounts().map_err(crate::store_fault)?;
    let mut resp = Element::ns("GetAllAccountsResponse", NS_ADMIN);
    for account in accounts
        .iter()
        .filter(|a| a.status != AccountStatus::Deleted)
    {
        resp.push(account_element(account));
    }
    Ok(resp)
}
