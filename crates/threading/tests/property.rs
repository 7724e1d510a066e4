//! Property: incremental `HeaderIdMap` assignment, in any arrival order, groups messages exactly
//! like the batch `reference_threads` union-find.

use std::collections::HashMap;

use inboxd_threading::{HeaderIdMap, ThreadHeaders, canonical, reference_threads};
use proptest::prelude::*;

/// Ids are drawn from a small pool so messages collide: shared roots, missing parents,
/// duplicates (two messages with the same own id), self references.
const POOL: u8 = 24;

fn raw_id(n: u8) -> String {
    format!("<m{n}@Host.example>")
}

fn message() -> impl Strategy<Value = ThreadHeaders> {
    let own = prop::option::weighted(0.9, 0..POOL);
    let refs = prop::collection::vec(0..POOL, 0..4);
    let irt = prop::option::weighted(0.5, 0..POOL);
    let junk = any::<bool>();
    (own, refs, irt, junk).prop_map(|(own, refs, irt, junk)| {
        let own = own.map(raw_id);
        let mut refs: String = refs.into_iter().map(raw_id).collect::<Vec<_>>().join(" ");
        if junk {
            refs.push_str(" (comment) garbage, <>");
        }
        let irt = irt.map(raw_id);
        ThreadHeaders::from_raw(own.as_deref(), irt.as_deref(), Some(&refs))
    })
}

/// Messages (index = message id) plus an arrival order.
fn scenario() -> impl Strategy<Value = (Vec<ThreadHeaders>, Vec<usize>)> {
    prop::collection::vec(message(), 1..40).prop_flat_map(|messages| {
        let order: Vec<usize> = (0..messages.len()).collect();
        (Just(messages), Just(order).prop_shuffle())
    })
}

/// Runs the map over the messages in `order`; returns each message's final conversation.
fn assign_all(messages: &[ThreadHeaders], order: &[usize]) -> (HeaderIdMap<u32>, Vec<u32>) {
    let mut map = HeaderIdMap::new();
    let mut next = 0u32;
    let mut assigned = vec![0u32; messages.len()];
    for &index in order {
        let assignment = map.assign(&messages[index], || {
            next += 1;
            next
        });
        assigned[index] = assignment.conversation;
    }
    // Merges re-point ids, so a message's current conversation is where its ids map now.
    let current = messages
        .iter()
        .zip(&assigned)
        .map(|(h, &at_arrival)| map.lookup(h).target().unwrap_or(at_arrival))
        .collect();
    (map, current)
}

fn partition(convs: &[u32]) -> Vec<Vec<usize>> {
    let mut groups: HashMap<u32, Vec<usize>> = HashMap::new();
    for (index, conv) in convs.iter().enumerate() {
        groups.entry(*conv).or_default().push(index);
    }
    canonical(groups.into_values().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn map_grouping_equals_reference((messages, order) in scenario()) {
        let (map, current) = assign_all(&messages, &order);
        let indexed: Vec<(usize, ThreadHeaders)> = messages.iter().cloned().enumerate().collect();
        prop_assert_eq!(partition(&current), reference_threads(&indexed));
        // Every header id of every message maps to that message's conversation.
        for (h, conv) in messages.iter().zip(&current) {
            for id in h.header_ids() {
                prop_assert_eq!(map.get(&id), Some(*conv));
                prop_assert!(map.ids_of(*conv).contains(&id));
            }
        }
    }

    #[test]
    fn grouping_is_independent_of_arrival_order(
        (messages, order) in scenario(),
        seed in any::<u64>(),
    ) {
        let (_, first) = assign_all(&messages, &order);
        let mut other = order.clone();
        // A second, deterministic but different order: rotate by a seed-derived amount, reversed.
        let shift = (seed as usize) % other.len();
        other.rotate_left(shift);
        other.reverse();
        let (_, second) = assign_all(&messages, &other);
        prop_assert_eq!(partition(&first), partition(&second));
    }
}
