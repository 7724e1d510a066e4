//! Placeholder; filled in by its issue.
pub mod wire;
