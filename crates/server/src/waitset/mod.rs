//! PLACEHOLDER owned by the WaitSet helper, who replaces this file wholesale with the WaitSet shell and its SOAP
//! handlers. Until then no request is a WaitSet request.

use inboxd_soap::{Element, Fault};

use crate::cx::Cx;

/// Handles the request if it is a WaitSet request.
pub async fn dispatch(_cx: &Cx, _req: &Element) -> Option<Result<Element, Fault>> {
    None
}
