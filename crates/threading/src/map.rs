//! An in-memory headerIdMap: Message-ID → conversation, with a reverse index for cheap merges.
//!
//! What belongs here: incremental conversation assignment over header ids, including merges and
//! duplicates. What does not: persistence (the sync engine writes the same facts to its store,
//! driven by [`Assignment`]) and conversation contents (see `churn`).
//!
//! Internal invariant: `conv_of[id] == c` exactly when `id` is in `ids_of[c]`.
//!
//! The maps hash with foldhash instead of std's SipHash: assignment is on the initial sync's hot path
//! (one lookup per header id of every message), and SipHash was most of its cost. Header ids come from
//! untrusted mail, so the hasher stays randomly seeded (foldhash's `RandomState`: colliding ids cannot be
//! computed offline, as they could for an unseeded FxHash; foldhash is only "minimally DoS-resistant", no
//! defence against an attacker who can watch the process, which a mail sender cannot). Nothing here
//! depends on iteration order: the maps are only looked up, and the id lists are `Vec`s.

use std::hash::Hash;

use foldhash::HashMap;

use crate::headers::ThreadHeaders;
use crate::resolve::{Resolution, resolve};

/// Message-ID → conversation map, plus conversation → ids (so a merge moves only the absorbed ids).
///
/// Every header id of an assigned message maps to that message's conversation, so after any
/// sequence of [`assign`](Self::assign) calls the conversations are the connected components of
/// "messages sharing a header id" (the partition [`reference_threads`](crate::reference_threads)
/// computes), whatever the arrival order. A merge costs O(ids moved).
///
/// ```
/// use inboxd_threading::{HeaderIdMap, Resolution, ThreadHeaders};
/// let mut map = HeaderIdMap::new();
/// let mut next = 0u64;
/// let mut new_conv = || { next += 1; next };
/// let a = map.assign(&ThreadHeaders::from_raw(Some("<a@x>"), None, None), &mut new_conv);
/// let b = map.assign(&ThreadHeaders::from_raw(Some("<b@x>"), None, None), &mut new_conv);
/// // C replies to both (In-Reply-To only): A and B become one conversation, the older id wins.
/// let c = map.assign(&ThreadHeaders::from_raw(Some("<c@x>"), Some("<a@x> <b@x>"), None), &mut new_conv);
/// assert_eq!(c.resolution, Resolution::Merge { keep: a.conversation, absorb: vec![b.conversation] });
/// assert_eq!(c.moved_ids, vec!["b@x"]);
/// assert_eq!(map.get("b@x"), Some(a.conversation));
/// ```
#[derive(Clone, Debug)]
pub struct HeaderIdMap<C> {
    conv_of: HashMap<String, C>,
    ids_of: HashMap<C, Vec<String>>,
}

/// The outcome of [`HeaderIdMap::assign`]: what the engine must persist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Assignment<C> {
    /// The conversation the message now belongs to.
    pub conversation: C,
    /// How it was decided (for a merge: which conversations were absorbed into `conversation`).
    pub resolution: Resolution<C>,
    /// Header ids that were unknown and are now mapped to `conversation`.
    pub added_ids: Vec<String>,
    /// Header ids that belonged to absorbed conversations and now map to `conversation`.
    pub moved_ids: Vec<String>,
}

impl<C> Default for HeaderIdMap<C> {
    fn default() -> Self {
        Self {
            conv_of: HashMap::default(),
            ids_of: HashMap::default(),
        }
    }
}

impl<C: Ord + Copy + Hash> HeaderIdMap<C> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Assigns a message to a conversation: resolves its header ids, creates a conversation with
    /// `new_conv` only when none is found (ids must grow monotonically, see [`resolve`]), merges
    /// when several are found, and records all its header ids for the result. A message whose own
    /// id is already mapped (a duplicate copy, or a message seen earlier as a reference) joins.
    pub fn assign(
        &mut self,
        headers: &ThreadHeaders,
        new_conv: impl FnMut() -> C,
    ) -> Assignment<C> {
        // One lookup per id: the known ones give the conversations, the unknown ones are kept for
        // recording (a merge only re-points known ids, so they stay unknown until then).
        let mut found = Found::default();
        let mut unknown = Vec::new();
        for id in all_ids(headers) {
            match self.conv_of.get(id) {
                Some(conv) => found.add(*conv),
                None => unknown.push(id),
            }
        }
        let resolution = found.resolution();
        let conversation = resolution.target().unwrap_or_else(new_conv);
        let moved_ids = match &resolution {
            Resolution::Merge { keep, absorb } => self.merge(*keep, absorb),
            _ => Vec::new(),
        };
        let added_ids = self.record_new(unknown, conversation);
        Assignment {
            conversation,
            resolution,
            added_ids,
            moved_ids,
        }
    }

    /// What [`assign`](Self::assign) would decide, without changing the map.
    pub fn lookup(&self, headers: &ThreadHeaders) -> Resolution<C> {
        self.resolve_ids(headers)
    }

    /// The conversation a header id maps to.
    pub fn get(&self, header_id: &str) -> Option<C> {
        self.conv_of.get(header_id).copied()
    }

    /// The header ids recorded for a conversation (empty if unknown).
    pub fn ids_of(&self, conv: C) -> &[String] {
        self.ids_of.get(&conv).map_or(&[], Vec::as_slice)
    }

    /// Number of header ids mapped.
    pub fn len(&self) -> usize {
        self.conv_of.len()
    }

    /// True when no header id is mapped.
    pub fn is_empty(&self) -> bool {
        self.conv_of.is_empty()
    }

    /// Records one persisted entry (for loading state). Re-pointing an id that belonged to another
    /// conversation costs a scan of that conversation's ids.
    pub fn insert(&mut self, header_id: String, conv: C) {
        if let Some(old) = self.conv_of.insert(header_id.clone(), conv) {
            if old == conv {
                return;
            }
            if let Some(old_ids) = self.ids_of.get_mut(&old) {
                old_ids.retain(|id| *id != header_id);
            }
        }
        self.ids_of.entry(conv).or_default().push(header_id);
    }

    /// Forgets a deleted conversation's ids (so they do not leak, unlike gaia) and returns them.
    pub fn remove_conversation(&mut self, conv: C) -> Vec<String> {
        let ids = self.ids_of.remove(&conv).unwrap_or_default();
        for id in &ids {
            self.conv_of.remove(id);
        }
        ids
    }

    /// [`resolve`] over the conversations of the message's header ids.
    fn resolve_ids(&self, headers: &ThreadHeaders) -> Resolution<C> {
        let mut found = Found::default();
        for conv in all_ids(headers).filter_map(|id| self.conv_of.get(id)) {
            found.add(*conv);
        }
        found.resolution()
    }

    /// Re-points every id of the absorbed conversations to `keep`; returns the moved ids.
    fn merge(&mut self, keep: C, absorb: &[C]) -> Vec<String> {
        let mut moved = Vec::new();
        for conv in absorb {
            let ids = self.ids_of.remove(conv).unwrap_or_default();
            for id in &ids {
                if let Some(slot) = self.conv_of.get_mut(id) {
                    *slot = keep;
                }
            }
            moved.extend(ids);
        }
        self.ids_of
            .entry(keep)
            .or_default()
            .extend(moved.iter().cloned());
        moved
    }

    /// Maps the `unknown` ids (in header order, repeats included) to `conv`; returns them, each once
    /// (a repeated id is known by the time its second occurrence comes).
    fn record_new(&mut self, unknown: Vec<&str>, conv: C) -> Vec<String> {
        let mut added = Vec::new();
        for id in unknown {
            if !self.conv_of.contains_key(id) {
                self.conv_of.insert(id.to_owned(), conv);
                added.push(id.to_owned());
            }
        }
        if !added.is_empty() {
            self.ids_of
                .entry(conv)
                .or_default()
                .extend(added.iter().cloned());
        }
        added
    }
}

/// The conversations a message's header ids map to, as [`resolve`] wants them. Most messages find one
/// conversation (or none): that case is answered without collecting, sorting or allocating.
struct Found<C> {
    first: Option<C>,
    /// Conversations other than `first`, repeats included.
    others: Vec<C>,
}

impl<C> Default for Found<C> {
    fn default() -> Self {
        Self {
            first: None,
            others: Vec::new(),
        }
    }
}

impl<C: Ord + Copy> Found<C> {
    fn add(&mut self, conv: C) {
        match self.first {
            None => self.first = Some(conv),
            Some(first) if first == conv => {}
            Some(_) => self.others.push(conv),
        }
    }

    fn resolution(self) -> Resolution<C> {
        match self.first {
            None => Resolution::New,
            Some(first) if self.others.is_empty() => Resolution::Join(first),
            Some(first) => resolve(std::iter::once(first).chain(self.others)),
        }
    }
}

/// Every header id of a message, duplicates included, in [`ThreadHeaders::header_ids`] order
/// (Message-ID, References, In-Reply-To), borrowed: known ids, the common case, cost no copy.
fn all_ids(headers: &ThreadHeaders) -> impl Iterator<Item = &str> {
    headers
        .message_id
        .iter()
        .chain(&headers.references)
        .chain(&headers.in_reply_to)
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    //! The borrowing, single-lookup `assign` against the straightforward one it replaced (collect
    //! `header_ids`, `resolve`, record the unknown ones): same assignments, same map.

    use std::collections::HashMap as StdMap;

    use proptest::prelude::*;

    use super::*;

    #[derive(Default)]
    struct Reference {
        conv_of: StdMap<String, u32>,
        ids_of: StdMap<u32, Vec<String>>,
    }

    impl Reference {
        fn assign(&mut self, headers: &ThreadHeaders, new_conv: u32) -> Assignment<u32> {
            let ids = headers.header_ids();
            let resolution = resolve(ids.iter().filter_map(|id| self.conv_of.get(id).copied()));
            let conversation = resolution.target().unwrap_or(new_conv);
            let mut moved_ids = Vec::new();
            if let Resolution::Merge { keep, absorb } = &resolution {
                for conv in absorb {
                    for id in self.ids_of.remove(conv).unwrap_or_default() {
                        self.conv_of.insert(id.clone(), *keep);
                        moved_ids.push(id);
                    }
                }
                self.ids_of
                    .entry(*keep)
                    .or_default()
                    .extend(moved_ids.iter().cloned());
            }
            let added_ids: Vec<String> = ids
                .into_iter()
                .filter(|id| !self.conv_of.contains_key(id))
                .collect();
            for id in &added_ids {
                self.conv_of.insert(id.clone(), conversation);
            }
            self.ids_of
                .entry(conversation)
                .or_default()
                .extend(added_ids.iter().cloned());
            Assignment {
                conversation,
                resolution,
                added_ids,
                moved_ids,
            }
        }
    }

    /// Headers over a small id pool, so that repeats, joins and merges are common.
    fn headers() -> impl Strategy<Value = ThreadHeaders> {
        let id = (0u8..10).prop_map(|i| format!("m{i}@x"));
        (
            proptest::option::of(id.clone()),
            proptest::collection::vec(id.clone(), 0..6),
            proptest::collection::vec(id, 0..3),
        )
            .prop_map(|(message_id, references, in_reply_to)| ThreadHeaders {
                message_id,
                in_reply_to,
                references,
            })
    }

    proptest! {
        #[test]
        fn assign_matches_the_reference(messages in proptest::collection::vec(headers(), 1..40)) {
            let (mut map, mut reference) = (HeaderIdMap::new(), Reference::default());
            for (n, h) in (1u32..).zip(&messages) {
                let got = map.assign(h, || n);
                prop_assert_eq!(&got, &reference.assign(h, n));
                if !h.is_empty() {
                    prop_assert_eq!(map.lookup(h), Resolution::Join(got.conversation));
                }
            }
            prop_assert_eq!(map.len(), reference.conv_of.len());
            for (id, conv) in &reference.conv_of {
                prop_assert_eq!(map.get(id), Some(*conv));
            }
            for (conv, ids) in &reference.ids_of {
                prop_assert_eq!(map.ids_of(*conv), ids.as_slice());
            }
        }
    }
}
