//! Integration tests of the WaitSet engine, one binary with modules:
//! `harness` (virtual time, fake accounts), `rules` (one test per engine rule), `example` (the spec's
//! Detailed Example step by step), `zimbra` (Zimbra's TestWaitSet/TestWaitSetRequest/ImapServerListener
//! scenarios), `resume` (all-accounts resync after restart), `model` (naive model vs engine, random runs).

#[path = "it/example.rs"]
mod example;
#[path = "it/harness.rs"]
mod harness;
#[path = "it/model.rs"]
mod model;
#[path = "it/resume.rs"]
mod resume;
#[path = "it/rules.rs"]
mod rules;
#[path = "it/zimbra.rs"]
mod zimbra;
