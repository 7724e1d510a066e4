//! The per-request context handed to every SOAP handler: the shared app, who is asking, and `now`.
//!
//! Authorization helpers live here so that every handler asks the same questions the same way: "is anyone
//! authenticated", "is it an admin", "may this caller touch that account".

use std::sync::Arc;

use inboxd_model::{AccountId, Timestamp};
use inboxd_soap::{Element, Fault};
use inboxd_store::{Account, AccountStatus};

use crate::app::App;

/// The authenticated caller, from a verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthInfo {
    pub account: AccountId,
    pub name: String,
    pub admin: bool,
    /// When the presented token expires.
    pub expires: Timestamp,
}

/// Which listener a request arrived on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listener {
    User,
    Admin,
}

/// One SOAP request's context. Cheap to clone (the app is shared).
#[derive(Clone)]
pub struct Cx {
    pub app: Arc<App>,
    /// The caller, or why the presented token was refused (a fault only if the handler needs auth).
    pub auth: Result<Option<AuthInfo>, Fault>,
    pub listener: Listener,
    /// The request's `<context>` header, if any.
    pub context: Option<Element>,
    /// The format the answer goes out in (faults inside a BatchResponse need it).
    pub format: inboxd_soap::Format,
    pub now: Timestamp,
}

impl Cx {
    /// The caller, or `service.AUTH_REQUIRED` / `service.AUTH_EXPIRED`.
    pub fn require_auth(&self) -> Result<&AuthInfo, Fault> {
        match &self.auth {
            Ok(Some(info)) => Ok(info),
            Ok(None) => Err(Fault::auth_required()),
            Err(fault) => Err(fault.clone()),
        }
    }

    /// The caller, who must be an admin.
    pub fn require_admin(&self) -> Result<&AuthInfo, Fault> {
        let info = self.require_auth()?;
        if info.admin {
            Ok(info)
        } else {
            Err(Fault::perm_denied("need adequate admin token"))
        }
    }

    /// Non-admins reach only their own account.
    pub fn check_account_access(&self, account: &AccountId) -> Result<(), Fault> {
        let info = self.require_auth()?;
        if info.admin || &info.account == account {
            Ok(())
        } else {
            Err(Fault::perm_denied(format!(
                "cannot access account {account}"
            )))
        }
    }

    /// The account a mail request acts on: the caller's own, or the one named in the context's
    /// `<account by="id|name">` (admins, or the caller naming itself). The account must exist and be usable.
    pub fn target_account(&self) -> Result<Account, Fault> {
        let info = self.require_auth()?;
        let account = match self.context.as_ref().and_then(|c| c.child("account")) {
            Some(spec) => self.lookup_account(spec)?,
            None => self.load_account(&info.account)?,
        };
        self.check_account_access(&account.id)?;
        match account.status {
            AccountStatus::Active => Ok(account),
            AccountStatus::Maintenance => Err(Fault::maintenance_mode(account.id.as_str())),
            AccountStatus::Deleted => Err(Fault::no_such_account(account.id.as_str())),
        }
    }

    /// Resolves an `<account by="id|name">VALUE</account>` element.
    pub fn lookup_account(&self, spec: &Element) -> Result<Account, Fault> {
        let value = spec
            .text_content()
            .map(str::trim)
            .unwrap_or_default()
            .to_string();
        let by = spec.scalar("by").unwrap_or_else(|| "name".to_string());
        let found = match by.as_str() {
            "id" => self.app.store.account(&AccountId::new(value.clone())),
            "name" => self.app.store.account_by_name(&value),
            other => {
                return Err(Fault::invalid_request(format!(
                    "unknown account selector by={other}"
                )));
            }
        }
        .map_err(crate::store_fault)?;
        found
            .filter(|a| a.status != AccountStatus::Deleted)
            .ok_or_else(|| Fault::no_such_account(&value))
    }

    /// Loads an account by id; deleted accounts count as missing.
    pub fn load_account(&self, id: &AccountId) -> Result<Account, Fault> {
        self.app
            .store
            .account(id)
            .map_err(crate::store_fault)?
            .filter(|a| a.status != AccountStatus::Deleted)
            .ok_or_else(|| Fault::no_such_account(id.as_str()))
    }
}
