//! Account → waitsets index, so that a change event touches only the waitsets holding that account.

use std::collections::HashMap;

use crate::accounts::AcctKey;

/// Engine-internal handle of a waitset (ids are long strings; keys are cheap to copy and compare).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug)]
pub(crate) struct WsKey(pub(crate) u64);

/// For each account, the some-accounts waitsets it belongs to.
#[derive(Default)]
pub(crate) struct AccountIndex {
    map: HashMap<AcctKey, Vec<WsKey>>,
    memberships: usize,
}

impl AccountIndex {
    pub(crate) fn insert(&mut self, account: AcctKey, ws: WsKey) {
        self.map.entry(account).or_default().push(ws);
        self.memberships += 1;
    }

    pub(crate) fn remove(&mut self, account: AcctKey, ws: WsKey) {
        let Some(list) = self.map.get_mut(&account) else {
            return;
        };
        if let Some(pos) = list.iter().position(|k| *k == ws) {
            list.swap_remove(pos);
            self.memberships -= 1;
        }
        if list.is_empty() {
            self.map.remove(&account);
        }
    }

    /// The waitsets holding `account`, in no particular order.
    pub(crate) fn get(&self, account: AcctKey) -> &[WsKey] {
        self.map.get(&account).map_or(&[], Vec::as_slice)
    }

    /// Total number of (account, waitset) memberships.
    pub(crate) fn memberships(&self) -> usize {
        self.memberships
    }
}
