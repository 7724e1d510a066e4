//! Which mailbox the persisted sync state was built from. A worker checks it before loading the state: when
//! the account now names another mailbox (host, port or user), everything mirrored from the old one is
//! forgotten first, whichever way the source was changed (admin SOAP, the offline CLI, removed and later
//! re-added). State written by builds that did not record it is adopted as the current mailbox's.

use inboxd_model::{AccountId, Timestamp};
use inboxd_store::{ImapSource, Store, StoreError};

use super::codec::space;

const KEY: &str = "mailbox";

/// Makes the account's sync state belong to `src`; true when an old mailbox's mirror was forgotten.
pub(crate) fn check_source(
    store: &Store,
    account: &AccountId,
    src: &ImapSource,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let want = src.mailbox_id();
    let have = store.sync_get(account, space::SOURCE, KEY)?;
    if have.as_deref() == Some(want.as_str()) {
        return Ok(false);
    }
    let replaced = have.is_some();
    store.commit(account, now, |t| {
        if replaced {
            t.forget_imap_mirror()?;
        }
        t.sync_put(space::SOURCE, KEY, Some(&want))
    })?;
    if replaced {
        tracing::info!(%account, mailbox = %want, "IMAP source changed: forgot the old mailbox's mirror");
    }
    Ok(replaced)
}
