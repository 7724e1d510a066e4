//! Account interning: the engine refers to accounts by a small `AcctKey` so that a membership costs a few
//! bytes rather than an id string per waitset. Only ids the engine has seen are interned.

use std::collections::HashMap;

use inboxd_model::AccountId;

/// Engine-internal handle of an account id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub(crate) struct AcctKey(u32);

/// Two-way map between account ids and keys. Keys are never reused, so stale keys stay valid.
#[derive(Default)]
pub(crate) struct Interner {
    by_id: HashMap<AccountId, AcctKey>,
    ids: Vec<AccountId>,
}

impl Interner {
    /// The key of an id seen before, if any.
    pub(crate) fn get(&self, id: &AccountId) -> Option<AcctKey> {
        self.by_id.get(id).copied()
    }

    /// The key of `id`, allocating one on first sight.
    pub(crate) fn intern(&mut self, id: &AccountId) -> AcctKey {
        if let Some(key) = self.get(id) {
            return key;
        }
        // Four billion distinct accounts on one server is out of scope; saturate rather than panic.
        let key = AcctKey(u32::try_from(self.ids.len()).unwrap_or(u32::MAX));
        self.ids.push(id.clone());
        self.by_id.insert(id.clone(), key);
        key
    }

    /// The id behind a key handed out by this interner.
    pub(crate) fn id(&self, key: AcctKey) -> &AccountId {
        // Keys only come from `intern`, so the index is always in range; fall back to the last id
        // rather than panic if that invariant were ever broken.
        let idx = usize::try_from(key.0).unwrap_or(usize::MAX);
        self.ids
            .get(idx)
            .or_else(|| self.ids.last())
            .expect("interner holds the id of every key it handed out")
    }
}
