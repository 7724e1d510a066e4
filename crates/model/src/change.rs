//! The event the store publishes after each commit; the WaitSet engine consumes it.

use crate::{AccountId, ChangeId, CommitSeq, InterestTypes};

/// One committed change to one account, as published by the store's commit path.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ChangeEvent {
    pub account: AccountId,
    /// The account's change id after this commit.
    pub change_id: ChangeId,
    /// The item types this commit touched.
    pub types: InterestTypes,
    /// Position of this commit in the global change log.
    pub commit_seq: CommitSeq,
}
