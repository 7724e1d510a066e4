//! Fetched message bodies: the MIME parts the engine parsed, kept as JSON in the account's sync-state KV
//! (space [`BODY_SPACE`], key = the store message id) so read requests can render them without IMAP.
//!
//! What belongs here: the stored shape ([`StoredPart`]), writing/removing it inside a batch commit, and the
//! public read ([`stored_body`]). Asking a worker for a body is `WorkerHandle::fetch_body`; rendering is the
//! server's job.

use inboxd_imap_sync::Body;
use inboxd_model::{AccountId, ItemId};
use inboxd_store::{Store, StoreError, Txn};
use serde::{Deserialize, Serialize};

/// The sync-state space holding fetched bodies, one row per store message id.
pub const BODY_SPACE: &str = "body";

/// One MIME part of a fetched body, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredPart {
    /// e.g. `text/plain`.
    pub content_type: String,
    /// Decoded text of text parts; `None` for binary parts (attachments).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
    /// Decoded size in bytes.
    #[serde(default)]
    pub size: u64,
}

fn key(item: ItemId) -> String {
    item.0.to_string()
}

/// Stores `body`'s parts for store message `item` (inside the batch's commit).
pub(crate) fn put_body(txn: &mut Txn<'_>, item: ItemId, body: &Body) -> Result<(), StoreError> {
    let parts: Vec<StoredPart> = body
        .parts
        .iter()
        .map(|p| StoredPart {
            content_type: p.content_type.clone(),
            text: p.text.clone(),
            file_name: p.file_name.clone(),
            size: p.size,
        })
        .collect();
    let json = serde_json::to_string(&parts)
        .map_err(|e| StoreError::Backend(format!("encoding body parts: {e}")))?;
    txn.sync_put(BODY_SPACE, &key(item), Some(&json))
}

/// Forgets the stored body of store message `item` (it was deleted).
pub(crate) fn remove_body(txn: &mut Txn<'_>, item: ItemId) -> Result<(), StoreError> {
    txn.sync_put(BODY_SPACE, &key(item), None)
}

/// The stored parts of message `item` of `account`, if its body was fetched. A row that does not decode (an
/// older format) reads as not fetched, so the caller fetches it again.
pub fn stored_body(
    store: &Store,
    account: &AccountId,
    item: ItemId,
) -> Result<Option<Vec<StoredPart>>, StoreError> {
    Ok(store
        .sync_get(account, BODY_SPACE, &key(item))?
        .and_then(|json| serde_json::from_str(&json).ok()))
}

#[cfg(test)]
mod tests {
    use inboxd_imap_sync::Input;
    use inboxd_imap_sync::testing::{Harness, MailBuilder, ToyServer, day_ms};
    use inboxd_model::Timestamp;
    use inboxd_store::{NewAccount, StoreOptions};

    use super::*;
    use crate::persist::{Mirror, apply};

    fn apply_new(
        h: &Harness,
        applied: &mut usize,
        store: &Store,
        acct: &AccountId,
        m: &mut Mirror,
    ) {
        for b in &h.batches[*applied..] {
            store
                .commit(acct, Timestamp(2), |t| apply(t, b, m))
                .unwrap();
        }
        *applied = h.batches.len();
    }

    #[test]
    fn fetched_parts_are_stored_and_leave_with_their_message() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), StoreOptions::default()).unwrap();
        let acct = store
            .create_account(
                NewAccount {
                    name: "a@example.com".into(),
                    password_hash: "x".into(),
                    admin: false,
                    imap: None,
                },
                Timestamp(1),
            )
            .unwrap()
            .id;
        let mut server = ToyServer::new();
        let mail = MailBuilder::new("a@x", "Hello")
            .body("The quick brown fox.\r\n")
            .build();
        server.append("INBOX", &mail, day_ms(1, 9), &[]);
        let mut h = Harness::new(
            server,
            Harness::test_config(),
            Timestamp(day_ms(10, 0) as u64),
        );
        h.sync();
        let (mut mirror, mut applied) = (Mirror::default(), 0);
        apply_new(&h, &mut applied, &store, &acct, &mut mirror);
        let (&umid, &item) = mirror.messages.iter().next().unwrap();
        assert_eq!(stored_body(&store, &acct, item).unwrap(), None);

        h.input(Input::FetchBody { umid });
        apply_new(&h, &mut applied, &store, &acct, &mut mirror);
        let parts = stored_body(&store, &acct, item).unwrap().expect("stored");
        assert_eq!(parts.len(), 1);
        assert_eq!(parts[0].content_type, "text/plain");
        assert!(
            parts[0]
                .text
                .as_deref()
                .is_some_and(|t| t.contains("quick brown fox")),
            "{parts:?}"
        );

        h.server.expunge("INBOX", 1);
        h.sync();
        apply_new(&h, &mut applied, &store, &acct, &mut mirror);
        assert!(mirror.messages.is_empty(), "the expunge reached the store");
        assert_eq!(stored_body(&store, &acct, item).unwrap(), None);
        assert!(store.sync_load(&acct, BODY_SPACE).unwrap().is_empty());
    }
}
