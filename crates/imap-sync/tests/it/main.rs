//! Integration tests of the sync engine: one binary, one module per theme.

/// Shared helpers: a harness with a few messages, conversation grouping views.
mod common;
/// Property test: random upstream histories against the toy server; store image == upstream.
mod model;
/// Client operations: flag stores, moves (vanilla and UIDPLUS/MOVE), collapsing, crash recovery.
mod ops;
/// Property test: random client ops against random server changes, offline periods and restarts converge.
mod ops_model;
/// Gaia's scenarios (§6.3) and the design doc's cases, run against the toy server in virtual time.
mod scenarios;
/// Byte-level transcripts: scripted server lines in, exact client commands and batches out.
mod transcripts;
