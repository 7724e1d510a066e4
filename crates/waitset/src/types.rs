//! The engine's plain request and response types. The server converts SOAP elements to and from these;
//! nothing here knows XML, JSON or HTTP.

use std::fmt;

use inboxd_model::{AccountId, ChangeId, InterestTypes, Timestamp};

/// A waitset id as clients see it: `WaitSet-<uuid>` or, for all-accounts waitsets, `AllWaitSet-<uuid>`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct WaitSetId(String);

impl WaitSetId {
    /// Prefix of all-accounts waitset ids; the prefix carries meaning (Zimbra `ALL_ACCOUNTS_ID_PREFIX`).
    pub const ALL_PREFIX: &'static str = "AllWaitSet-";
    /// Prefix of some-accounts waitset ids.
    pub const SOME_PREFIX: &'static str = "WaitSet-";

    /// Wraps an id string as the client sent it.
    pub fn new(id: impl Into<String>) -> Self {
        Self(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// True for ids of the all-accounts form, which a wait may resume after a restart.
    pub fn is_all_accounts(&self) -> bool {
        self.0.starts_with(Self::ALL_PREFIX)
    }
}

impl fmt::Display for WaitSetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for WaitSetId {
    fn from(s: &str) -> Self {
        Self::new(s)
    }
}

/// Handle of a parked (blocked) WaitSetRequest. The shell maps it to whatever completes the HTTP request.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Ticket(pub u64);

/// Who makes a request: the authenticated account, and whether its token is an admin token.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Owner {
    pub account: AccountId,
    pub admin: bool,
}

/// What the store knows about an account right now.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum AccountState {
    Active,
    Maintenance,
    Deleted,
}

/// The shell's view of the accounts, implemented over the store.
pub trait AccountLookup {
    /// The account's state and current change id; `None` if there is no such account.
    fn state(&self, id: &AccountId) -> Option<(AccountState, ChangeId)>;
}

/// One `<a>` of an `<add>` or `<update>`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct AddSpec {
    pub account: AccountId,
    /// The client's last known sync token (change id) for this account.
    pub token: Option<ChangeId>,
    /// Per-account interest types; `None` means the waitset's (or the request's) `defTypes`.
    pub types: Option<InterestTypes>,
    /// Folder ids the client cares about; empty means all folders. Kept and reported, see the crate docs.
    pub folder_interests: Vec<i64>,
}

impl AddSpec {
    /// An add spec with only an account id.
    pub fn account(account: impl Into<AccountId>) -> Self {
        Self {
            account: account.into(),
            token: None,
            types: None,
            folder_interests: Vec::new(),
        }
    }
}

/// CreateWaitSetRequest / AdminCreateWaitSetRequest.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct CreateRequest {
    pub def_types: InterestTypes,
    pub all_accounts: bool,
    pub add: Vec<AddSpec>,
}

/// CreateWaitSetResponse. `seq` is always 0.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Created {
    pub id: WaitSetId,
    pub def_types: InterestTypes,
    pub seq: u64,
    pub errors: Vec<AccountError>,
}

/// WaitSetRequest / AdminWaitSetRequest.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct WaitRequest {
    pub id: WaitSetId,
    /// The highest seq the client has received (opaque string; "0" before any data).
    pub seq: String,
    pub block: bool,
    /// Requested timeout in seconds; clamped per `Config`.
    pub timeout: Option<u64>,
    /// Default types for this request's add/update entries that carry no `types`.
    pub def_types: Option<InterestTypes>,
    pub add: Vec<AddSpec>,
    pub update: Vec<AddSpec>,
    pub remove: Vec<AccountId>,
}

/// A per-account error code (`<error id type>`); the wire name is `ErrorCode::as_str`.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub enum ErrorCode {
    AlreadyInSetDuringAdd,
    ErrorLoadingMailbox,
    MaintenanceMode,
    NoSuchAccount,
    /// Reserved: this server holds every mailbox, so it is never produced.
    WrongHostForAccount,
    NotInSetDuringRemove,
    NotInSetDuringUpdate,
    MailboxDeleted,
}

impl ErrorCode {
    /// The wire name, as Zimbra's `WaitSetError.name()`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::AlreadyInSetDuringAdd => "ALREADY_IN_SET_DURING_ADD",
            ErrorCode::ErrorLoadingMailbox => "ERROR_LOADING_MAILBOX",
            ErrorCode::MaintenanceMode => "MAINTENANCE_MODE",
            ErrorCode::NoSuchAccount => "NO_SUCH_ACCOUNT",
            ErrorCode::WrongHostForAccount => "WRONG_HOST_FOR_ACCOUNT",
            ErrorCode::NotInSetDuringRemove => "NOT_IN_SET_DURING_REMOVE",
            ErrorCode::NotInSetDuringUpdate => "NOT_IN_SET_DURING_UPDATE",
            ErrorCode::MailboxDeleted => "MAILBOX_DELETED",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `<error id="ACCTID" type="CODE"/>`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct AccountError {
    pub account: AccountId,
    pub code: ErrorCode,
}

/// `<a id="ACCTID" changeid="N"/>`: an account with changes the client has not seen.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub struct Signalled {
    pub account: AccountId,
    /// The account's latest change id known to the engine when the response was built.
    pub change_id: ChangeId,
}

/// WaitSetResponse. Exactly one of `seq` / `canceled` is meaningful: canceled responses have no seq.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct WaitResponse {
    pub id: WaitSetId,
    /// New seq for a data response; the client's own seq for an empty (timed-out/non-blocking) one.
    pub seq: Option<String>,
    pub canceled: bool,
    /// Signalled accounts, sorted by account id.
    pub signalled: Vec<Signalled>,
    /// This request's add/update/remove errors first, then runtime errors (MAILBOX_DELETED).
    pub errors: Vec<AccountError>,
}

/// What a wait did: answered at once, or parked until data, a timeout, or cancellation.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum WaitOutcome {
    Ready(WaitResponse),
    Parked { ticket: Ticket, deadline: Timestamp },
}

/// A response for a parked request that must be completed now.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Completion {
    pub ticket: Ticket,
    pub response: WaitResponse,
}
