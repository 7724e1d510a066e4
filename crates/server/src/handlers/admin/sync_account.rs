//! SyncAccountRequest (inboxd extension, `urn:zimbraAdmin`): `<SyncAccountRequest id="ACCTID"/>` asks the
//! account's IMAP worker to sync now and answers with its current status. Faults with service.INVALID_REQUEST
//! when the account has no running worker (no IMAP source, not active, or IMAP sync disabled).

use inboxd_model::AccountId;
use inboxd_soap::{Element, Fault, NS_ADMIN};

use crate::cx::Cx;

pub fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let id = AccountId::new(req.required("id")?);
    cx.load_account(&id)?;
    if !cx.app.sync.sync_now(&id) {
        return Err(Fault::invalid_request(format!(
            "account {id} has no running IMAP worker"
        )));
    }
    let status = cx.app.sync.status(&id).unwrap_or_default();
    let s = &status.summary;
    let mut resp = Element::ns("SyncAccountResponse", NS_ADMIN)
        .with_attr("id", id.as_str())
        .with_attr("connected", status.connected)
        .with_attr("folders", s.folders)
        .with_attr("added", s.messages_added)
        .with_attr("updated", s.messages_updated)
        .with_attr("deleted", s.messages_deleted)
        .with_attr("problems", s.problems);
    if let Some(err) = status.last_error {
        resp.set_attr("lastError", err);
    }
    Ok(resp)
}
