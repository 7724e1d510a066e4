//! BatchRequest (`urn:zimbra`): several requests in one envelope, answered in order inside a BatchResponse. Each
//! child's answer carries the child's `requestId`; a failing child becomes a `Fault` element with its `requestId`.
//! `onerror="stop"` stops at the first fault, `continue` (the default) runs every child. Children go through the
//! same dispatch and authorization as single requests; batches do not nest.

use inboxd_soap::{Element, Fault, NS_ZIMBRA, fault_element};

use crate::cx::Cx;

pub async fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault> {
    let stop_on_error = match req.scalar("onerror").as_deref() {
        None | Some("" | "continue") => false,
        Some("stop") => true,
        Some(other) => return Err(Fault::invalid_request(format!("onerror={other:?}"))),
    };
    let mut resp = Element::ns("BatchResponse", NS_ZIMBRA);
    for child in &req.children {
        if child.name == "BatchRequest" {
            return Err(Fault::invalid_request("BatchRequest cannot be nested"));
        }
        let request_id = child.scalar("requestId");
        let mut child = child.clone();
        // A child without its own namespace inherits the batch's; dispatch needs the resolved one.
        child
            .ns
            .get_or_insert_with(|| req.ns.clone().unwrap_or_default());
        let result = Box::pin(super::handle(cx.clone(), child)).await;
        let failed = result.is_err();
        let mut el = match result {
            Ok(el) => el,
            Err(fault) => fault_element(cx.format, &fault),
        };
        if let Some(id) = request_id {
            el.set_attr("requestId", id);
        }
        resp.push(el.json_list());
        if failed && stop_on_error {
            break;
        }
    }
    Ok(resp)
}
