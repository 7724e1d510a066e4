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

use inboxd_soap::{Element, Fault, NS_ACCOUNT, NS_ADMIN, NS_MAIL, NS_ZIMBRA};

use crate::cx::{Cx, Listener};

/// Runs one SOAP request to completion.
pub async fn handle(cx: Cx, req: Element) -> Result<Element, Fault> {
    let ns = req.ns.clone().unwrap_or_default();
    let is_auth = req.name == "AuthRequest";
    if !is_auth {
        match cx.listener {
            Listener::Admin => {
                cx.require_admin()?;
            }
            Listener::User if ns == NS_ADMIN => {
                return Err(Fault::perm_denied(
                    "admin requests are served on the admin listener",
                ));
            }
            Listener::User => {}
        }
    }
    if ns == NS_ZIMBRA && req.name == "BatchRequest" {
        return batch::handle(&cx, &req).await;
    }
    if crate::waitset::is_waitset_request(&req) {
        // A long poll may park for minutes: keep nothing it does not need (it never reads the context).
        let cx = Cx {
            context: None,
            ..cx
        };
        return crate::waitset::dispatch(&cx, req).await;
    }
    tokio::task::spawn_blocking(move || dispatch_sync(&cx, &ns, &req))
        .await
        .unwrap_or_else(|e| Err(Fault::failure(format!("handler failed: {e}"))))
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
