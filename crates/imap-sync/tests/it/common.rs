//! Helpers shared by the integration tests: a harness at a fixed "now", message adders, views.

use std::collections::BTreeMap;

use inboxd_imap_sync::testing::{Harness, MailBuilder, ToyServer, check_mirror, day_ms};
use inboxd_imap_sync::{ConvId, Snapshot};
use inboxd_model::Timestamp;

/// "Now" in most tests: day 100 after 2020-01-01, noon.
pub fn now() -> Timestamp {
    Timestamp::from_millis(u64::try_from(day_ms(100, 12)).unwrap())
}

pub fn harness(server: ToyServer) -> Harness {
    Harness::new(server, Harness::test_config(), now())
}

/// A harness whose engine syncs only part of a folder (`grow_to_full` off) and grows on request.
pub fn partial_harness(server: ToyServer) -> Harness {
    let mut config = Harness::test_config();
    config.grow_to_full = false;
    Harness::new(server, config, now())
}

/// Adds a plain message with Message-ID `<id>` to `path`, `days_ago` days before `now()`.
pub fn add(server: &mut ToyServer, path: &str, id: &str, days_ago: i64) -> u32 {
    let raw = MailBuilder::new(id, &format!("subject {id}")).build();
    server.append(path, &raw, day_ms(100 - days_ago, 10), &[])
}

/// `n` unrelated messages `m0@x` … in INBOX, one per day: `m0@x` is `n` days old, the last one a day old.
pub fn add_inbox_run(server: &mut ToyServer, n: i64) {
    for i in 0..n {
        add(server, "INBOX", &format!("m{i}@x"), n - i);
    }
}

pub fn assert_mirror(h: &Harness) {
    if let Err(e) = check_mirror(&h.server, &h.store) {
        panic!("store does not mirror the server: {e}");
    }
    assert_eq!(
        h.store,
        h.engine.snapshot(),
        "batches and engine state drifted apart"
    );
}

/// Conversations as sets of Message-IDs (sorted), for readable assertions.
pub fn conversations(store: &Snapshot) -> Vec<Vec<String>> {
    let mut by_conv: BTreeMap<ConvId, Vec<String>> = BTreeMap::new();
    for m in store.messages.values() {
        by_conv
            .entry(m.conv)
            .or_default()
            .push(m.message_id.clone());
    }
    let mut out: Vec<Vec<String>> = by_conv
        .into_values()
        .map(|mut v| {
            v.sort();
            v
        })
        .collect();
    out.sort();
    out
}
