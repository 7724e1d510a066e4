//! Test fixtures shared by the integration tests: a real Dovecot and a strict RFC 3501 proxy.
#![allow(dead_code, clippy::disallowed_methods)]

pub mod dovecot;
pub mod mirror;
pub mod proxy;
