//! Flag sets: one message's IMAP flags as a normalized value, and the deduplicated, reference-counted table
//! that lets a refresh detect flag changes by comparing small slot ids instead of flag lists.
//!
//! What belongs here: normalization (system flag case, `\Recent` dropped, sorted, deduplicated) and the table's
//! intern / release arithmetic. What does not: writing slot changes to the store (`db` records them).

use std::collections::{BTreeMap, HashMap};

use crate::FlagSetId;

/// A normalized set of IMAP flags: sorted, without duplicates, system flags in their RFC 3501 spelling,
/// `\Recent` removed (it is session state that changes whenever another client looks, not a message property).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default)]
pub struct FlagSet(Vec<String>);

impl FlagSet {
    /// Normalizes flags as a server reported them.
    pub fn new<S: AsRef<str>>(flags: impl IntoIterator<Item = S>) -> Self {
        let mut v: Vec<String> = flags
            .into_iter()
            .filter_map(|f| normalize_flag(f.as_ref()))
            .collect();
        v.sort();
        v.dedup();
        FlagSet(v)
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }

    pub fn contains(&self, flag: &str) -> bool {
        self.0.iter().any(|f| f == flag)
    }

    pub fn is_seen(&self) -> bool {
        self.contains("\\Seen")
    }

    pub fn is_flagged(&self) -> bool {
        self.contains("\\Flagged")
    }
}

const SYSTEM_FLAGS: [&str; 5] = ["\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"];

fn normalize_flag(flag: &str) -> Option<String> {
    let flag = flag.trim();
    if flag.is_empty() || flag.eq_ignore_ascii_case("\\Recent") {
        return None;
    }
    if flag.starts_with('\\')
        && let Some(sys) = SYSTEM_FLAGS.iter().find(|s| s.eq_ignore_ascii_case(flag))
    {
        return Some((*sys).to_owned());
    }
    Some(flag.to_owned())
}

/// One slot of the flag-set table: the flag set and how many message locations use it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FlagSetEntry {
    pub flags: FlagSet,
    pub refs: u32,
}

/// The deduplicated flag-set table. Slots whose count drops to zero are freed and reused.
#[derive(Clone, Debug, Default)]
pub(crate) struct FlagSetTable {
    slots: BTreeMap<FlagSetId, FlagSetEntry>,
    index: HashMap<FlagSet, FlagSetId>,
}

impl FlagSetTable {
    pub(crate) fn from_entries(entries: &BTreeMap<FlagSetId, FlagSetEntry>) -> Self {
        let index = entries
            .iter()
            .map(|(id, e)| (e.flags.clone(), *id))
            .collect();
        Self {
            slots: entries.clone(),
            index,
        }
    }

    pub(crate) fn entries(&self) -> &BTreeMap<FlagSetId, FlagSetEntry> {
        &self.slots
    }

    /// The slot holding exactly `flags`, if any (no count change).
    pub(crate) fn find(&self, flags: &FlagSet) -> Option<FlagSetId> {
        self.index.get(flags).copied()
    }

    /// Takes one reference on the slot for `flags`, creating it if needed. Returns the slot and its new entry.
    pub(crate) fn acquire(&mut self, flags: &FlagSet) -> (FlagSetId, FlagSetEntry) {
        let id = match self.index.get(flags) {
            Some(id) => *id,
            None => {
                let id = self.free_slot();
                self.index.insert(flags.clone(), id);
                self.slots.insert(
                    id,
                    FlagSetEntry {
                        flags: flags.clone(),
                        refs: 0,
                    },
                );
                id
            }
        };
        let entry = self.slots.entry(id).or_insert_with(|| FlagSetEntry {
            flags: flags.clone(),
            refs: 0,
        });
        entry.refs += 1;
        (id, entry.clone())
    }

    /// Drops one reference. Returns the slot's new entry, or `None` when the slot was freed (or unknown).
    pub(crate) fn release(&mut self, id: FlagSetId) -> Option<FlagSetEntry> {
        let entry = self.slots.get_mut(&id)?;
        entry.refs = entry.refs.saturating_sub(1);
        if entry.refs > 0 {
            return Some(entry.clone());
        }
        let flags = entry.flags.clone();
        self.slots.remove(&id);
        self.index.remove(&flags);
        None
    }

    fn free_slot(&self) -> FlagSetId {
        // Lowest unused id: keeps ids small and reuses freed slots, as gaia's null slots did.
        let mut next = 0u32;
        for id in self.slots.keys() {
            if id.0 != next {
                break;
            }
            next += 1;
        }
        FlagSetId(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_case_order_and_recent() {
        let f = FlagSet::new(["\\seen", "$Junk", "\\Recent", "\\SEEN", "\\Flagged"]);
        assert_eq!(f.as_slice(), ["$Junk", "\\Flagged", "\\Seen"]);
        assert!(f.is_seen() && f.is_flagged());
    }

    #[test]
    fn refcounts_dedupe_and_free_slots() {
        let mut t = FlagSetTable::default();
        let seen = FlagSet::new(["\\Seen"]);
        let none = FlagSet::default();
        let (a, e) = t.acquire(&seen);
        assert_eq!(e.refs, 1);
        let (b, e) = t.acquire(&seen);
        assert_eq!((a, e.refs), (b, 2));
        let (c, _) = t.acquire(&none);
        assert_ne!(a, c);
        assert_eq!(t.release(a).map(|e| e.refs), Some(1));
        assert_eq!(t.release(a), None);
        assert_eq!(t.find(&seen), None);
        // The freed slot is reused.
        let (d, _) = t.acquire(&FlagSet::new(["\\Draft"]));
        assert_eq!(d, a);
    }
}
