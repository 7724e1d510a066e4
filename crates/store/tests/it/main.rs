//! Integration tests for inboxd-store: one binary, one module per area.

/// Shared fixtures: temp stores, accounts, attribute maps.
mod support;

/// Accounts: creation, names, updates, deletion.
mod accounts;
/// The commit path: change ids, log rows, events, no-ops, rollback.
mod commit;
/// Several threads committing at once.
mod concurrency;
/// Item operations and `changes_since` for every kind.
mod items;
/// Change log contents, trimming, MustResync, seqs across restarts.
mod log;
/// The per-message writes of a sync: errors after a refused row, same-transaction deletions.
mod mail_writes;
/// Schema migrations on existing files.
mod migrations;
/// Model-based check of `changes_since` against random operation sequences.
mod model;
