//! The WaitSet service: the IO shell around `inboxd-waitset` and the SOAP handlers for
//! [Admin]CreateWaitSetRequest, [Admin]WaitSetRequest, [Admin]DestroyWaitSetRequest (urn:zimbraMail /
//! urn:zimbraAdmin) and QueryWaitSetRequest (urn:zimbraAdmin).
//!
//! Map: `shell` (engine lock, parked-request senders, event thread, timer), `codec` (elements ↔ engine
//! types, wire shapes), one file per request (`create`, `wait`, `destroy`, `query`). WaitSet rules do not
//! belong here; they live in the engine crate.
//!
//! Each `App` gets one shell. Until `App` carries it as a field, a small registry keyed by the app maps
//! an app to its shell: [`install`] (from background start-up, with the shutdown signal) or lazily on
//! the first WaitSet request.

mod codec;
mod create;
mod destroy;
mod query;
mod shell;
mod wait;

use std::sync::{Arc, Mutex, PoisonError, Weak};

use inboxd_model::AccountId;
use inboxd_soap::{Element, Fault, NS_ADMIN, NS_MAIL};
use inboxd_waitset::Owner;

pub use shell::WaitSetShell;

use crate::app::App;
use crate::cx::Cx;
use crate::shutdown::Shutdown;

type Registry = Vec<(Weak<App>, Arc<WaitSetShell>)>;

static SHELLS: Mutex<Registry> = Mutex::new(Vec::new());

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    let mut shells = SHELLS.lock().unwrap_or_else(PoisonError::into_inner);
    shells.retain(|(a, _)| a.strong_count() > 0);
    shells
}

fn find_or_start(app: &Arc<App>, shutdown: Option<&Shutdown>) -> Arc<WaitSetShell> {
    let mut shells = registry();
    let weak = Arc::downgrade(app);
    if let Some((_, shell)) = shells.iter().find(|(a, _)| a.ptr_eq(&weak)) {
        return shell.clone();
    }
    let shell = WaitSetShell::new(
        app.config.waitset.clone(),
        app.store.clone(),
        app.clock.clone(),
    );
    shell.start(shutdown.cloned());
    shells.push((weak, shell.clone()));
    shell
}

/// The app's shell if it has one (none means no WaitSet request was ever made, so no waitsets).
fn find(app: &App) -> Option<Arc<WaitSetShell>> {
    let shells = registry();
    let ptr: *const App = app;
    shells
        .iter()
        .find(|(a, _)| std::ptr::eq(a.as_ptr(), ptr))
        .map(|(_, s)| s.clone())
}

/// Creates and starts the app's shell; parked requests are answered when `shutdown` fires.
/// Call once from background start-up (inside the runtime).
pub fn install(app: &Arc<App>, shutdown: &Shutdown) -> Arc<WaitSetShell> {
    find_or_start(app, Some(shutdown))
}

/// The app's shell, started on first use.
pub fn shell(app: &Arc<App>) -> Arc<WaitSetShell> {
    find_or_start(app, None)
}

/// Forwards an account status change, e.g. from `App::account_changed` (deleted accounts leave their
/// waitsets with MAILBOX_DELETED).
pub fn account_changed(app: &App, account: &inboxd_store::Account) {
    if let Some(shell) = find(app) {
        shell.account_changed(&account.id, account.status);
    }
}

/// Handles the request if it is a WaitSet request.
pub async fn dispatch(cx: &Cx, req: &Element) -> Option<Result<Element, Fault>> {
    let ns = req.ns.as_deref().unwrap_or_default();
    let kind = match (ns, req.name.as_str()) {
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
    };
    let (name, ns, kind) = kind;
    let shell = shell(&cx.app);
    let res = match kind {
        Kind::Create => create::handle(shell, cx, req, name, ns).await,
        Kind::Wait => wait::handle(shell, cx, req, name, ns).await,
        Kind::Destroy => destroy::handle(shell, cx, req, name, ns).await,
        Kind::Query => query::handle(&shell, cx, req, name, ns),
    };
    Some(res)
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
