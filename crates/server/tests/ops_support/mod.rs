//! Shared by the client-operation end-to-end tests (`msg_ops_e2e`, `folder_ops_e2e`).
#![allow(dead_code)]

pub mod env;
pub mod proxy;
pub mod upstream;
