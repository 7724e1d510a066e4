//! Shared fixtures for the store's integration tests: temp stores, accounts, sample items.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use inboxd_model::{AccountId, Timestamp};
use inboxd_store::{Account, NewAccount, Store, StoreOptions};
use tempfile::TempDir;

pub const T0: Timestamp = Timestamp(1_700_000_000_000);

pub const HOUR: Duration = Duration::from_secs(3600);

pub fn open(dir: &Path) -> Store {
    Store::open(dir, StoreOptions::default()).unwrap()
}

pub fn store() -> (TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let s = open(dir.path());
    (dir, s)
}

pub fn new_account(name: &str) -> NewAccount {
    NewAccount {
        name: name.to_string(),
        password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".to_string(),
        admin: false,
        imap: None,
    }
}

pub fn account(store: &Store, name: &str) -> AccountId {
    let a: Account = store.create_account(new_account(name), T0).unwrap();
    a.id
}

pub fn attrs(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

pub fn at(minutes: u64) -> Timestamp {
    T0.plus(Duration::from_secs(minutes * 60))
}
