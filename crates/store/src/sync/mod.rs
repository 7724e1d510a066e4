//! IMAP sync engine state: an opaque per-account key/value store that the IMAP driver writes in the same
//! transaction as the items a sync batch changes, and reads back to restore the engine at start.
//!
//! What belongs here: storage of the engine's own maps (folder sync states, UID locations, header-id map,
//! flag-set table, durable tasks, counters). What does not: their meaning or encoding (the driver owns both)
//! and items (those go through the normal `Txn` item methods so that change ids and events stay right).
//! Writing sync state alone touches no item: it bumps no change id and publishes nothing.

mod kv;
