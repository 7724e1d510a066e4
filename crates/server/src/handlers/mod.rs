//! SOAP request dispatch: one file per request, grouped by namespace (`account`, `admin`, `mail`).
//!
//! The handler interface: `fn handle(cx: &Cx, req: &Element) -> Result<Element, Fault>` returning the response
//! body element. Ordinary handlers are synchronous (they do short store calls and password hashing) and run on the
//! blocking pool; the WaitSet handlers are async because they park (`crate::waitset::dispatch`). Authorization
//! starts here: the admin listener serves only admins (AuthRequest excepted); the user listener refuses
//! `urn:zimbraAdmin` requests.

mod admin;
mod auth;
mod batch;
mod get_info;
mod mail;

use std::future::Future;
use std::pin::Pin;

use inboxd_soap::{Element, Fault, NS_ACCOUNT, NS_ADMIN, NS_MAIL, NS_ZIMBRA};

use crate::cx::{Cx, Listener};

/// A handler's answer still being computed.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Element, Fault>> + Send>>;

/// Runs one SOAP request to completion. The checks run now; the returned future holds only what its kind
/// of request needs (each kind is boxed on its own), so a parked long poll does not carry the state of
/// the largest other handler.
pub fn handle(cx: Cx, req: Element) -> HandlerFuture {
    let ns = req.ns.clone().unwrap_or_default();
    let is_auth = req.name == "AuthRequest";
    if !is_auth {
        let refused = match cx.listener {
            Listener::Admin => cx.require_admin().err(),
            Listener::User if ns == NS_ADMIN => Some(Fault::perm_denied(
                "admin requests are served on the admin listener",
            )),
            Listener::User => None,
        };
        if let Some(fault) = refused {
            return Box::pin(std::future::ready(Err(fault)));
        }
    }
    if ns == NS_ZIMBRA && req.name == "BatchRequest" {
        return Box::pin(async move { batch::handle(&cx, &req).await });
    }
    if crate::waitset::is_waitset_request(&req) {
        // A long poll may park for minutes: keep nothing it does not need (it never reads the context).
        let cx = Cx {
            context: None,
            ..cx
        };
        // The request goes in boxed: an upvar of a future stays allocated for as long as it runs, so an
        // 8-byte box costs less than the element; `dispatch` unpacks it before a wait parks.
        let req = Box::new(req);
        return Box::pin(async move { crate::waitset::dispatch(&cx, req).await });
    }
    Box::pin(async move {
        tokio::task::spawn_blocking(move || dispatch_sync(&cx, &ns, &req))
            .await
            .unwrap_or_else(|e| Err(Fault::failure(format!("handler failed: {e}"))))
    })
}

fn dispatch_sync(cx: &Cx, ns: &str, req: &Element) -> Result<Element, Fault> {
    let name = req.name.as_str();
    match ns {
        NS_ACCOUNT => match name {
            "AuthRequest" => auth::handle_user(cx, req),
            "GetInfoRequest" => get_info::handle(cx, req),
            _ => Err(Fault::unknown_document(name)),
        },
        NS_ADMIN => admin::dispatch(cx, name, req),
        NS_MAIL => mail::dispatch(cx, name, req),
        _ => Err(Fault::unknown_document(&format!("{{{ns}}}{name}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a parked long poll keeps alive is this boxed future (plus the HTTP layer's small wrapper), so
    /// its size is a memory budget: printed for measurement, bounded so a big sibling handler cannot leak in.
    #[test]
    fn waitset_future_is_small() {
        let dir = tempfile::tempdir().unwrap();
        let mut config = crate::ServerConfig::new(dir.path());
        config.sync = None;
        let app = crate::App::open(config).unwrap();
        let cx = Cx {
            app,
            auth: Ok(None),
            listener: Listener::User,
            context: None,
            format: inboxd_soap::Format::Json,
            now: inboxd_model::Timestamp(0),
        };
        let wait = Element::ns("WaitSetRequest", NS_MAIL).with_attr("waitSet", "x");
        let waitset = handle(cx.clone(), wait);
        let sync = handle(cx.clone(), Element::ns("GetInfoRequest", NS_ACCOUNT));
        let batch = handle(cx.clone(), Element::ns("BatchRequest", NS_ZIMBRA));
        let sizes = [&waitset, &sync, &batch].map(|f| std::mem::size_of_val(&**f));
        let dispatch = crate::waitset::dispatch(&cx, Box::new(Element::new("x")));
        println!(
            "handler futures: waitset {} B (of which waitset::dispatch {} B), sync {} B, batch {} B; \
             Cx {} B, Element {} B",
            sizes[0],
            std::mem::size_of_val(&dispatch),
            sizes[1],
            sizes[2],
            std::mem::size_of::<Cx>(),
            std::mem::size_of::<Element>()
        );
        // Each kind has its own box: the wait's is not sized by the batch handler's state.
        assert!(sizes[0] < sizes[2] && sizes[0] <= 512, "{sizes:?}");
    }
}
