//! Account value types: what the store keeps per account, and the requests that create or change one.
//!
//! The operations live in `accounts.rs`; password hashing happens in the server (the store keeps the
//! hash string only).

use std::fmt;

use inboxd_model::{AccountId, Timestamp};

use crate::StoreError;

/// Lifecycle state of an account.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum AccountStatus {
    Active,
    /// Temporarily unavailable (WaitSet adds report MAINTENANCE_MODE). The store itself still accepts
    /// commits; enforcing maintenance is the server's job.
    Maintenance,
    /// Deleted: items are gone, the row and its change-log rows stay.
    Deleted,
}

impl AccountStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AccountStatus::Active => "active",
            AccountStatus::Maintenance => "maintenance",
            AccountStatus::Deleted => "deleted",
        }
    }

    /// Parses `active`, `maintenance` or `deleted` (case-insensitive).
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        [Self::Active, Self::Maintenance, Self::Deleted]
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| StoreError::invalid(format!("unknown account status {s:?}")))
    }
}

impl fmt::Display for AccountStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How to talk to the IMAP source server.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub enum ImapSecurity {
    /// Plain text (tests and trusted networks only).
    None,
    StartTls,
    /// Implicit TLS (port 993).
    Tls,
}

impl ImapSecurity {
    pub fn as_str(self) -> &'static str {
        match self {
            ImapSecurity::None => "none",
            ImapSecurity::StartTls => "starttls",
            ImapSecurity::Tls => "tls",
        }
    }

    /// Parses `none`, `starttls` or `tls` (case-insensitive).
    pub fn parse(s: &str) -> Result<Self, StoreError> {
        [Self::None, Self::StartTls, Self::Tls]
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| StoreError::invalid(format!("unknown IMAP security {s:?}")))
    }
}

/// The IMAP server an account mirrors. The password is stored as given: the sync needs it in clear.
#[derive(Clone, PartialEq, Eq)]
pub struct ImapSource {
    pub host: String,
    pub port: u16,
    pub security: ImapSecurity,
    pub user: String,
    pub password: String,
}

impl ImapSource {
    /// Names the mailbox: host (case-insensitive), port and user. The password and the transport security may
    /// change without it being another mailbox.
    pub fn mailbox_id(&self) -> String {
        format!(
            "{}:{}:{}",
            self.host.to_ascii_lowercase(),
            self.port,
            self.user
        )
    }

    /// Whether both name the same mailbox ([`ImapSource::mailbox_id`]).
    pub fn same_mailbox(&self, other: &ImapSource) -> bool {
        self.mailbox_id() == other.mailbox_id()
    }
}

/// Redacts the password.
impl fmt::Debug for ImapSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImapSource")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("security", &self.security)
            .field("user", &self.user)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// A stored account.
#[derive(Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    /// `user@domain` as given at creation or rename.
    pub name: String,
    /// The password hash string (PHC format), as the server produced it.
    pub password_hash: String,
    pub admin: bool,
    pub status: AccountStatus,
    pub imap: Option<ImapSource>,
    pub created: Timestamp,
}

/// Redacts the password hash.
impl fmt::Debug for Account {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Account")
            .field("id", &self.id)
            .field("name", &self.name)
            .field("password_hash", &"<redacted>")
            .field("admin", &self.admin)
            .field("status", &self.status)
            .field("imap", &self.imap)
            .field("created", &self.created)
            .finish()
    }
}

/// Request to create an account; the store picks the id (a UUID v4).
#[derive(Clone, Debug)]
pub struct NewAccount {
    pub name: String,
    pub password_hash: String,
    pub admin: bool,
    pub imap: Option<ImapSource>,
}

/// Changes to an account; `None` leaves a field alone. `imap: Some(None)` removes the IMAP source.
/// Status `Deleted` is refused here: use `Store::delete_account`.
#[derive(Clone, Debug, Default)]
pub struct AccountUpdate {
    pub name: Option<String>,
    pub password_hash: Option<String>,
    pub admin: Option<bool>,
    pub status: Option<AccountStatus>,
    pub imap: Option<Option<ImapSource>>,
}

impl AccountUpdate {
    /// Whether this update points an account whose source is `current` at another mailbox (a new password or
    /// removing the source does not).
    pub fn replaces_mailbox(&self, current: Option<&ImapSource>) -> bool {
        matches!((current, &self.imap), (Some(old), Some(Some(new))) if !old.same_mailbox(new))
    }
}

/// Checks `user@domain`: both parts non-empty, no whitespace or control characters.
pub(crate) fn validate_name(name: &str) -> Result<(), StoreError> {
    let bad = |why: &str| Err(StoreError::invalid(format!("account name {name:?}: {why}")));
    if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad("contains whitespace or control characters");
    }
    match name.split_once('@') {
        Some((user, domain)) if !user.is_empty() && !domain.is_empty() && !domain.contains('@') => {
            Ok(())
        }
        _ => bad("expected user@domain"),
    }
}

/// The key names are unique under: Unicode lower case, so `Bob@Example.COM` clashes with `bob@example.com`.
pub(crate) fn name_key(name: &str) -> String {
    name.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in [
            AccountStatus::Active,
            AccountStatus::Maintenance,
            AccountStatus::Deleted,
        ] {
            assert_eq!(AccountStatus::parse(s.as_str()).unwrap(), s);
        }
        assert_eq!(
            AccountStatus::parse("ACTIVE").unwrap(),
            AccountStatus::Active
        );
        assert!(AccountStatus::parse("gone").is_err());
        assert_eq!(
            ImapSecurity::parse("StartTLS").unwrap(),
            ImapSecurity::StartTls
        );
        assert!(ImapSecurity::parse("ssl").is_err());
    }

    #[test]
    fn names_need_user_and_domain() {
        assert!(validate_name("bob@example.com").is_ok());
        for bad in ["bob", "@example.com", "bob@", "b ob@x", "a@b@c", ""] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn debug_hides_secrets() {
        let src = ImapSource {
            host: "h".into(),
            port: 993,
            security: ImapSecurity::Tls,
            user: "u".into(),
            password: "hunter2".into(),
        };
        assert!(!format!("{src:?}").contains("hunter2"));
    }
}
