//! SOAP faults: the Zimbra `ServiceException` codes and reason texts the server sends.
//!
//! What belongs here: [`Fault`], its arguments, and one constructor per fault the server raises, with
//! Zimbra's code and message text. How a fault is put on the wire lives in `response.rs`.

use std::fmt;

/// Type tag of a fault argument (`<a n=".." t="..">`), as in Zimbra's `Argument.Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// An item id (`IID`).
    Iid,
    /// An account id (`ACCTID`).
    AcctId,
    /// A string (`STR`).
    Str,
    /// A number (`NUM`).
    Num,
}

impl ArgKind {
    /// The wire form: `IID`, `ACCTID`, `STR` or `NUM`.
    pub fn as_str(self) -> &'static str {
        match self {
            ArgKind::Iid => "IID",
            ArgKind::AcctId => "ACCTID",
            ArgKind::Str => "STR",
            ArgKind::Num => "NUM",
        }
    }
}

/// One fault argument, rendered as `<a n="name" t="kind">value</a>` inside `Detail/Error`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FaultArg {
    /// Argument name (`n`), e.g. `id` or `itemId`.
    pub name: String,
    /// Argument type (`t`).
    pub kind: ArgKind,
    /// Argument value (text).
    pub value: String,
}

/// A Zimbra SOAP fault: code such as `service.INVALID_REQUEST`, human-readable reason, whether it is the
/// receiver's fault (`soap:Receiver`) rather than the sender's (`soap:Sender`), and arguments.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {reason}")]
pub struct Fault {
    /// Zimbra error code, e.g. `admin.NO_SUCH_WAITSET`.
    pub code: String,
    /// Reason text, e.g. `No such waitset: WaitSet-1`.
    pub reason: String,
    /// `true` for server-side failures (`soap:Receiver`), `false` for client errors (`soap:Sender`).
    pub receiver: bool,
    /// Arguments, rendered as `<a n t>` elements.
    pub args: Vec<FaultArg>,
}

impl Fault {
    /// A sender fault with the given code and reason, and no arguments.
    pub fn new(code: impl Into<String>, reason: impl Into<String>) -> Self {
        Fault {
            code: code.into(),
            reason: reason.into(),
            receiver: false,
            args: Vec::new(),
        }
    }

    /// Adds an argument.
    pub fn with_arg(mut self, name: &str, kind: ArgKind, value: impl Into<String>) -> Self {
        self.args.push(FaultArg {
            name: name.to_owned(),
            kind,
            value: value.into(),
        });
        self
    }

    /// `service.INVALID_REQUEST`: "invalid request: MSG".
    pub fn invalid_request(msg: impl fmt::Display) -> Self {
        Fault::new("service.INVALID_REQUEST", format!("invalid request: {msg}"))
    }

    /// `service.PARSE_ERROR`: "parse error: MSG" (malformed XML or JSON, missing Envelope or Body).
    pub fn parse_error(msg: impl fmt::Display) -> Self {
        Fault::new("service.PARSE_ERROR", format!("parse error: {msg}"))
    }

    /// `service.UNKNOWN_DOCUMENT`: "unknown document: NAME" (no handler for the request element).
    pub fn unknown_document(name: &str) -> Self {
        Fault::new(
            "service.UNKNOWN_DOCUMENT",
            format!("unknown document: {name}"),
        )
    }

    /// `service.AUTH_REQUIRED`: "no valid authtoken present".
    pub fn auth_required() -> Self {
        Fault::new("service.AUTH_REQUIRED", "no valid authtoken present")
    }

    /// `service.AUTH_EXPIRED`: "auth credentials have expired".
    pub fn auth_expired() -> Self {
        Fault::new("service.AUTH_EXPIRED", "auth credentials have expired")
    }

    /// `service.PERM_DENIED`: "permission denied: MSG".
    pub fn perm_denied(msg: impl fmt::Display) -> Self {
        Fault::new("service.PERM_DENIED", format!("permission denied: {msg}"))
    }

    /// `account.AUTH_FAILED`: `"authentication failed for [NAME]"`.
    pub fn auth_failed(name: &str) -> Self {
        Fault::new(
            "account.AUTH_FAILED",
            format!("authentication failed for [{name}]"),
        )
    }

    /// `account.NO_SUCH_ACCOUNT`: "no such account: X".
    pub fn no_such_account(name_or_id: &str) -> Self {
        Fault::new(
            "account.NO_SUCH_ACCOUNT",
            format!("no such account: {name_or_id}"),
        )
    }

    /// `account.ACCOUNT_EXISTS`: "email address already exists: NAME".
    pub fn account_exists(name: &str) -> Self {
        Fault::new(
            "account.ACCOUNT_EXISTS",
            format!("email address already exists: {name}"),
        )
    }

    /// `account.MAINTENANCE_MODE`: "account is in maintenance mode: ACCT".
    pub fn maintenance_mode(acct: &str) -> Self {
        Fault::new(
            "account.MAINTENANCE_MODE",
            format!("account is in maintenance mode: {acct}"),
        )
    }

    /// `service.FAILURE`: "system failure: MSG", a receiver fault.
    pub fn failure(msg: impl fmt::Display) -> Self {
        Fault {
            receiver: true,
            ..Fault::new("service.FAILURE", format!("system failure: {msg}"))
        }
    }

    /// `mail.MUST_RESYNC`: "must resync: MSG" (the client's state is too old to catch up incrementally).
    pub fn must_resync(msg: impl fmt::Display) -> Self {
        Fault::new("mail.MUST_RESYNC", format!("must resync: {msg}"))
    }

    /// `admin.NO_SUCH_WAITSET`: "No such waitset: ID", argument `id` (STR). Raised by (Admin)WaitSetRequest
    /// and QueryWaitSet.
    pub fn no_such_waitset_admin(id: &str) -> Self {
        Fault::new("admin.NO_SUCH_WAITSET", format!("No such waitset: {id}")).with_arg(
            "id",
            ArgKind::Str,
            id,
        )
    }

    /// `mail.NO_SUCH_WAITSET`: "WaitSet not found: ID", argument `id` (STR). Raised by
    /// (Admin)DestroyWaitSetRequest.
    pub fn no_such_waitset_mail(id: &str) -> Self {
        Fault::new("mail.NO_SUCH_WAITSET", format!("WaitSet not found: {id}")).with_arg(
            "id",
            ArgKind::Str,
            id,
        )
    }

    /// `mail.NO_SUCH_ITEM`: "no such item: ID", argument `itemId` (IID).
    pub fn no_such_item(id: impl fmt::Display) -> Self {
        let id = id.to_string();
        Fault::new("mail.NO_SUCH_ITEM", format!("no such item: {id}")).with_arg(
            "itemId",
            ArgKind::Iid,
            id,
        )
    }

    /// `mail.NO_SUCH_FOLDER`: "no such folder id: ID", argument `itemId` (IID).
    pub fn no_such_folder(id: impl fmt::Display) -> Self {
        let id = id.to_string();
        Fault::new("mail.NO_SUCH_FOLDER", format!("no such folder id: {id}")).with_arg(
            "itemId",
            ArgKind::Iid,
            id,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reason_texts_follow_zimbra() {
        assert_eq!(
            Fault::no_such_waitset_admin("W").reason,
            "No such waitset: W"
        );
        assert_eq!(
            Fault::no_such_waitset_mail("W").reason,
            "WaitSet not found: W"
        );
        assert_eq!(
            Fault::auth_failed("asd").reason,
            "authentication failed for [asd]"
        );
        assert_eq!(Fault::auth_required().reason, "no valid authtoken present");
        assert_eq!(
            Fault::unknown_document("FooRequest").reason,
            "unknown document: FooRequest"
        );
        assert_eq!(
            Fault::invalid_request("x").to_string(),
            "service.INVALID_REQUEST: invalid request: x"
        );
    }

    #[test]
    fn only_failure_is_a_receiver_fault() {
        assert!(Fault::failure("boom").receiver);
        assert!(!Fault::perm_denied("no").receiver);
        assert!(!Fault::parse_error("bad").receiver);
    }

    #[test]
    fn waitset_faults_carry_the_id_argument() {
        let fault = Fault::no_such_waitset_admin("WaitSet-abc");
        assert_eq!(fault.code, "admin.NO_SUCH_WAITSET");
        assert_eq!(
            fault.args,
            vec![FaultArg {
                name: "id".into(),
                kind: ArgKind::Str,
                value: "WaitSet-abc".into()
            }]
        );
        assert_eq!(Fault::no_such_folder(7).args[0].kind.as_str(), "IID");
    }
}
