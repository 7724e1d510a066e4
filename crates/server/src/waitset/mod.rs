//! The WaitSet service: the IO shell around `inboxd-waitset` and the SOAP handlers for
//! [Admin]CreateWaitSetRequest, [Admin]WaitSetRequest, [Admin]DestroyWaitSetRequest (urn:zimbraMail /
//! urn:zimbraAdmin) and QueryWaitSetRequest (urn:zimbraAdmin).
//!
//! Map: `shell` (engine lock, parked-request senders, event thread, timer), `codec` (elements ↔ engine
//! types, wire shapes), one file per request (`create`, `wait`, `destroy`, `query`). WaitSet rules do not
//! belong here; they live in the engine crate.
//!
//! Each `App` owns one shell (`App::waitsets`), started by the server's background start-up with the
//! shutdown signal so that parked requests are answered when the server stops.

mod codec;
mod create;
mod destroy;
mod query;
mod shell;
mod wait;

use inboxd_model::AccountId;
use inboxd_soap::{Element, Fault, NS_ADMIN, NS_MAIL};
use inboxd_waitset::Owner;

pub use shell::WaitSetShell;

use crate::app::App;
use crate::cx::Cx;

/// Forwards an account status change, e.g. from `App::account_changed` (deleted accounts leave their
/// waitsets with MAILBOX_DELETED).
pub fn account_changed(app: &App, account: &inboxd_store::Account) {
    app.waitsets.account_changed(&account.id, account.status);
}

/// Which WaitSet request this is, with its response name and namespace; `None` for any other request.
fn route(req: &Element) -> Option<(&'static str, &'static str, Kind)> {
    let ns = req.ns.as_deref().unwrap_or_default();
    Some(match (ns, req.name.as_str()) {
        (NS_MAIL, "CreateWaitSetRequest") => ("CreateWaitSetResponse", NS_MAIL, Kind::Create),
        (NS_ADMIN, "AdminCreateWaitSetRequest") => {
            ("AdminCreateWaitSetResponse", NS_ADMIN, Kind::Create)
        }
        (NS_MAIL, "WaitSetRequest") => ("WaitSetResponse", NS_MAIL, Kind::Wait),
        (NS_ADMIN, "AdminWaitSetRequest") => ("AdminWaitSetResponse", NS_ADMIN, Kind::Wait),
        (NS_MAIL, "DestroyWaitSetRequest") => ("DestroyWaitSetResponse", NS_MAIL, Kind::Destroy),
        (NS_ADMIN, "AdminDestroyWaitSetRequest") => {
            ("AdminDestroyWaitSetResponse", NS_ADMIN, Kind::Destroy)
        }
        (NS_ADMIN, "QueryWaitSetRequest") => ("QueryWaitSetResponse", NS_ADMIN, Kind::Query),
        _ => return None,
    })
}

/// Whether `req` is one of the WaitSet requests [`dispatch`] handles.
pub fn is_waitset_request(req: &Element) -> bool {
    route(req).is_some()
}

/// Handles a WaitSet request. It takes the request by value (boxed: an argument stays allocated in this
/// future for as long as it runs) so that a long poll can drop the parsed tree before it parks.
pub async fn dispatch(cx: &Cx, req: Box<Element>) -> Result<Element, Fault> {
    let Some((name, ns, kind)) = route(&req) else {
        return Err(Fault::unknown_document(&req.name));
    };
    let shell = cx.app.waitsets.clone();
    match kind {
        // Create and destroy are boxed so that a parked wait's future does not reserve room for them.
        Kind::Create => {
            Box::pin(async move { create::handle(shell, cx, &req, name, ns).await }).await
        }
        Kind::Wait => wait::handle(shell, cx, *req, name, ns).await,
        Kind::Destroy => {
            Box::pin(async move { destroy::handle(shell, cx, &req, name, ns).await }).await
        }
        Kind::Query => query::handle(&shell, cx, &req, name, ns),
    }
}

enum Kind {
    Create,
    Wait,
    Destroy,
    Query,
}

/// The requester as the engine sees it.
fn owner(cx: &Cx) -> Result<Owner, Fault> {
    let auth = cx.require_auth()?;
    Ok(Owner {
        account: auth.account.clone(),
        admin: auth.admin,
    })
}

/// Resolves `<a name=…>` to an account id.
fn resolve_name(store: &inboxd_store::Store, name: &str) -> Option<AccountId> {
    store.account_by_name(name).ok().flatten().map(|a| a.id)
}

/// Runs store-touching engine work on the blocking pool.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Fault> + Send + 'static,
) -> Result<T, Fault> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(Fault::failure(format!("waitset task failed: {e}"))))
}
