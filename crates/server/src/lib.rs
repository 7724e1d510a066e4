//! The inboxd HTTP server: SOAP routes on a user and an admin listener, authentication, account provisioning, the
//! mail API, and the IO shells around the sans-IO engines (WaitSets, IMAP sync).
//!
//! Map: `http` turns HTTP into parsed SOAP and back; `handlers` holds one file per SOAP request; `cx` is the
//! per-request context with the authorization rules; `auth` signs tokens and hashes passwords; `app` is the shared
//! state; `clock` is the only place that reads the wall clock. Protocol logic that can be sans-IO lives in its own
//! crate, not here.

pub mod app;
pub mod auth;
pub mod clock;
pub mod config;
pub mod cx;
pub mod handlers;
mod http;
mod metrics_setup;
pub mod shutdown;
pub mod sync_workers;
pub mod waitset;

pub use app::App;
pub use clock::Clock;
pub use config::ServerConfig;
pub use cx::{AuthInfo, Cx, Listener};
pub use http::{RunningServer, start};
pub use shutdown::Shutdown;

use inboxd_soap::Fault;
use inboxd_store::StoreError;

/// Maps a store error to the Zimbra fault a client should see.
pub fn store_fault(err: StoreError) -> Fault {
    match err {
        StoreError::NoSuchAccount => Fault::no_such_account("(unknown)"),
        StoreError::AccountExists => Fault::account_exists("(name in use)"),
        StoreError::NoSuchItem => Fault::no_such_item("(unknown)"),
        StoreError::NoSuchFolder => Fault::no_such_folder("(unknown)"),
        StoreError::MustResync => {
            Fault::must_resync("sync token is older than the change log retention; resync")
        }
        StoreError::Invalid(msg) => Fault::invalid_request(msg),
        other => Fault::failure(other),
    }
}
