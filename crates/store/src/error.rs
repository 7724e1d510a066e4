//! The store's error type, and the one place where backend errors become strings.
//!
//! Nothing from the SQLite driver appears in the public API: backend failures are carried as
//! [`StoreError::Backend`] text so that another backend can produce the same errors.

/// Everything a store operation can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The account does not exist (or is deleted, for operations that need a live account).
    #[error("no such account")]
    NoSuchAccount,
    /// Another live account already has this name (names compare case-insensitively).
    #[error("account name already exists")]
    AccountExists,
    /// The item does not exist in this account, or is not of the kind the operation needs.
    #[error("no such item")]
    NoSuchItem,
    /// The folder does not exist in this account.
    #[error("no such folder")]
    NoSuchFolder,
    /// The sync token or commit seq is older than the retained change log (or newer than anything
    /// committed): the caller must do a full resync.
    #[error("change log no longer covers this point: full resync needed")]
    MustResync,
    /// The request breaks a rule of the store (bad name, system folder, cycle, …).
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The storage backend failed.
    #[error("storage backend: {0}")]
    Backend(String),
    /// The database file was written by a newer inboxd.
    #[error("database schema version {found} is newer than this build supports ({supported})")]
    SchemaTooNew { found: u32, supported: u32 },
}

impl StoreError {
    pub(crate) fn invalid(msg: impl Into<String>) -> Self {
        StoreError::Invalid(msg.into())
    }
}

/// Converts driver results into store results without a public `From` impl (which would leak the
/// driver's error type into the API).
pub(crate) trait DbExt<T> {
    fn db(self) -> Result<T, StoreError>;
}

impl<T> DbExt<T> for rusqlite::Result<T> {
    fn db(self) -> Result<T, StoreError> {
        self.map_err(|e| StoreError::Backend(e.to_string()))
    }
}
