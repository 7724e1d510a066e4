//! Request-level failures: the whole request is refused and nothing is applied. Per-account problems are
//! not errors here; they are `AccountError` entries in the response.

use inboxd_model::ParseTypesError;

use crate::WaitSetId;

/// Why a request was refused. The shell maps these to SOAP faults.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WaitSetError {
    /// Unknown waitset id. The shell faults `admin.NO_SUCH_WAITSET` for wait/query and
    /// `mail.NO_SUCH_WAITSET` for destroy.
    #[error("no such waitset: {0}")]
    NoSuchWaitSet(WaitSetId),
    /// `service.PERM_DENIED`.
    #[error("permission denied: {0}")]
    PermDenied(&'static str),
    /// Unknown interest letters; `service.INVALID_REQUEST`.
    #[error("invalid request: {0}")]
    InvalidTypes(#[from] ParseTypesError),
    /// A resume named a waitset that already exists.
    #[error("waitset already exists: {0}")]
    AlreadyExists(WaitSetId),
}

/// Parses a `defTypes`/`types` attribute, mapping bad letters to [`WaitSetError::InvalidTypes`].
pub fn parse_types(s: &str) -> Result<inboxd_model::InterestTypes, WaitSetError> {
    Ok(inboxd_model::InterestTypes::parse(s)?)
}
