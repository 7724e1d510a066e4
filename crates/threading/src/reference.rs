//! A batch reference implementation of conversation grouping, for property tests.
//!
//! What belongs here: a deliberately simple union-find over messages and header ids, independent
//! of `HeaderIdMap`'s incremental logic. What does not: anything the sync path calls.

use std::collections::HashMap;

use crate::headers::ThreadHeaders;

/// Groups messages into conversations: the connected components of the graph linking each message
/// to its own Message-ID, References and In-Reply-To ids. Messages with no id are alone.
///
/// Output is canonical: each group sorted ascending, groups sorted by their first element; so two
/// groupings are the same partition exactly when the returned vectors are equal.
pub fn reference_threads<I: Ord + Copy>(messages: &[(I, ThreadHeaders)]) -> Vec<Vec<I>> {
    let mut sets = DisjointSets::new(messages.len());
    let mut owner_of_id: HashMap<&str, usize> = HashMap::new();
    for (index, (_, headers)) in messages.iter().enumerate() {
        let ids = headers
            .message_id
            .iter()
            .chain(&headers.references)
            .chain(&headers.in_reply_to);
        for id in ids {
            let owner = *owner_of_id.entry(id.as_str()).or_insert(index);
            sets.union(owner, index);
        }
    }
    let mut groups: HashMap<usize, Vec<I>> = HashMap::new();
    for (index, (id, _)) in messages.iter().enumerate() {
        groups.entry(sets.find(index)).or_default().push(*id);
    }
    canonical(groups.into_values().collect())
}

/// Sorts each group and the list of groups, for partition comparison.
pub fn canonical<I: Ord>(mut groups: Vec<Vec<I>>) -> Vec<Vec<I>> {
    for group in &mut groups {
        group.sort_unstable();
    }
    groups.retain(|g| !g.is_empty());
    groups.sort_unstable();
    groups
}

/// Union-find with path halving and union by size.
struct DisjointSets {
    parent: Vec<usize>,
    size: Vec<usize>,
}

impl DisjointSets {
    fn new(n: usize) -> Self {
        Self {
            parent: (0..n).collect(),
            size: vec![1; n],
        }
    }

    fn find(&mut self, mut x: usize) -> usize {
        while self.parent[x] != x {
            self.parent[x] = self.parent[self.parent[x]];
            x = self.parent[x];
        }
        x
    }

    fn union(&mut self, a: usize, b: usize) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        let (big, small) = if self.size[ra] >= self.size[rb] {
            (ra, rb)
        } else {
            (rb, ra)
        };
        self.parent[small] = big;
        self.size[big] += self.size[small];
    }
}
