//! inboxd's embedded store: accounts, items, per-account change ids, the change log, and the one
//! commit path that ties them together.
//!
//! # Layout
//! - `store.rs`: [`Store`] (open, connections, subscribers). One writer connection behind a mutex,
//!   a small pool of reader connections (WAL snapshots).
//! - `commit.rs` + `txn*.rs`: [`Store::commit`] and the [`Txn`] write methods. Every item write goes
//!   through here: change id +1, one change-log row, one [`ChangeEvent`](inboxd_model::ChangeEvent).
//!   The writes a sync repeats per message are kept lean: `txn_mail_write.rs` (no existence pre-checks,
//!   constraint failures mapped to precise errors afterwards), `txn_hot.rs` (statements held for the
//!   whole transaction), `addr_json.rs` (address JSON without serde). `sync/`: the engine's key/value state.
//! - `accounts.rs` / `account.rs`: account operations / types.
//! - `reads.rs` / `read.rs`: reads on `Store` / row loaders shared with `Txn`.
//! - `log.rs`: the change log (redo log), commit seqs, trimming.
//! - `migrations.rs` + `migrations/NNNN_name.sql`: versioned schema (`PRAGMA user_version`).
//!
//! # Example
//! ```
//! use inboxd_model::{ChangeId, ItemType, Timestamp};
//! use inboxd_store::{NewAccount, Store, StoreOptions, folder_ids};
//!
//! let dir = tempfile::tempdir()?;
//! let store = Store::open(dir.path(), StoreOptions::default())?;
//! let events = store.subscribe();
//! let now = Timestamp(1_700_000_000_000);
//! let account = store.create_account(
//!     NewAccount { name: "alice@example.com".into(), password_hash: "$argon2id$…".into(), admin: false, imap: None },
//!     now,
//! )?;
//! let attrs = [("fullName".to_string(), "Bob".to_string())].into();
//! let done = store.commit(&account.id, now, |txn| txn.create_item(ItemType::Contact, folder_ids::CONTACTS, &attrs))?;
//! assert_eq!(done.event.map(|e| e.change_id), Some(ChangeId(2)));
//! assert_eq!(events.try_iter().count(), 2); // account creation (system folders), then the contact
//! let changes = store.changes_since(&account.id, ChangeId(1))?;
//! assert_eq!(changes.changed.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! What does not belong here: IMAP, WaitSet logic, password hashing, wire formats. The public API
//! carries no SQLite types, so another backend could implement the same surface.

mod account;
mod accounts;
mod addr_json;
mod checkpoint;
mod codec;
mod commit;
mod error;
mod item;
mod log;
mod migrations;
#[cfg(test)]
mod plan_tests;
mod read;
mod reads;
mod search;
mod search_sql;
mod store;
mod sync;
mod txn;
mod txn_folders;
mod txn_hot;
mod txn_items;
mod txn_mail;
mod txn_mail_write;

pub use account::{Account, AccountStatus, AccountUpdate, ImapSecurity, ImapSource, NewAccount};
pub use error::StoreError;
pub use item::{
    Address, Changes, Conversation, ConversationSummary, DeletedFolder, DeletedItem, Folder,
    GenericItem, Item, ItemKind, Message, NewFolder, NewMessage, folder_ids,
};
pub use log::LogEntry;
pub use search::{ConversationHit, MessageMatch, MessageQuery, Page, SortOrder};
pub use store::{DB_FILE_NAME, Store, StoreOptions};
pub use txn::{Committed, Txn};
pub use txn_mail_write::{AddressList, EncodedMessage};
