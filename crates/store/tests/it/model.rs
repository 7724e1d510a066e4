//! Model test: `changes_since` for every token against a reference model of the account's items.

use std::collections::{BTreeMap, BTreeSet};

use inboxd_model::{ChangeId, ItemId, ItemType};
use inboxd_store::{Item, ItemKind, StoreError, folder_ids};
use proptest::prelude::*;

use crate::support::{T0, account, attrs, store};

#[derive(Clone, Debug)]
enum Op {
    Create(u8),
    /// Modify the n-th live item (modulo) to a value.
    Modify(usize, u8),
    /// Delete the n-th live item (modulo).
    Delete(usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        any::<u8>().prop_map(Op::Create),
        (any::<usize>(), any::<u8>()).prop_map(|(i, v)| Op::Modify(i, v)),
        any::<usize>().prop_map(Op::Delete),
    ]
}

/// What the store should say: live items with their last change, deleted items with theirs.
#[derive(Default)]
struct Model {
    live: BTreeMap<ItemId, (String, u64)>,
    deleted: BTreeMap<ItemId, u64>,
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    #[test]
    fn changes_since_matches_a_model(commits in prop::collection::vec(prop::collection::vec(op(), 1..4), 1..12)) {
        let (_d, s) = store();
        let a = account(&s, "a@example.com");
        let mut model = Model::default();
        for batch in &commits {
            let live: Vec<ItemId> = model.live.keys().copied().collect();
            let c = s.commit(&a, T0, |t| {
                let change = t.change_id().0;
                let mut gone = BTreeSet::new();
                let mut effects = Vec::new();
                for op in batch {
                    let pick = |i: usize| live.iter().copied().filter(|id| !gone.contains(id)).nth(i % live.len().max(1));
                    match *op {
                        Op::Create(v) => {
                            let id = t.create_item(ItemType::Contact, folder_ids::CONTACTS, &attrs(&[("v", &v.to_string())]))?;
                            effects.push((id, Some(v.to_string()), change));
                        }
                        Op::Modify(i, v) => if let Some(id) = pick(i) {
                            t.modify_item(id, &attrs(&[("v", &v.to_string())]))?;
                            effects.push((id, Some(v.to_string()), change));
                        },
                        Op::Delete(i) => if let Some(id) = pick(i) {
                            t.delete_item(id)?;
                            gone.insert(id);
                            effects.push((id, None, change));
                        },
                    }
                }
                Ok::<_, StoreError>(effects)
            }).unwrap();
            for (id, value, change) in c.value {
                match value {
                    // Unchanged values do not count as modifications.
                    Some(v) => {
                        let old = model.live.get(&id).map(|(ov, _)| ov.clone());
                        if old.as_deref() != Some(v.as_str()) {
                            model.live.insert(id, (v, change));
                        }
                    }
                    None => {
                        model.live.remove(&id);
                        model.deleted.insert(id, change);
                    }
                }
            }
        }
        let last = s.change_id(&a).unwrap().0;
        for since in 1..=last {
            let got = s.changes_since(&a, ChangeId(since)).unwrap();
            let changed: BTreeMap<ItemId, String> = got.changed.iter().filter_map(|i| match i {
                Item::Generic(g) => Some((g.id, g.attrs.get("v").cloned().unwrap_or_default())),
                _ => None,
            }).collect();
            let want: BTreeMap<ItemId, String> = model.live.iter()
                .filter(|(_, (_, c))| *c > since)
                .map(|(id, (v, _))| (*id, v.clone())).collect();
            prop_assert_eq!(changed, want, "since {}", since);
            let deleted: Vec<ItemId> = got.deleted.iter().map(|d| { assert_eq!(d.kind, ItemKind::Contact); d.id }).collect();
            let want_deleted: Vec<ItemId> = model.deleted.iter().filter(|(_, c)| **c > since).map(|(id, _)| *id).collect();
            prop_assert_eq!(deleted, want_deleted, "since {}", since);
        }
    }
}
