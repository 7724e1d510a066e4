//! `UidSet`: a non-empty set of UIDs kept as sorted, coalesced ranges, with the IMAP `sequence-set` text form.
//!
//! What belongs here: set construction, membership, iteration, `Display`/parsing and splitting into chunks that
//! fit a command-length budget. What does not: sequence numbers (the engine only speaks UIDs) and command
//! encoding (see `command.rs`).

use std::fmt;

/// A non-empty set of UIDs as sorted, non-overlapping, non-adjacent inclusive ranges.
///
/// `Display` gives `1:5,7,9:12`. `u32::MAX` stands for `*` both ways, so `UidSet::range(10, u32::MAX)` prints
/// `10:*` (beware RFC 3501: `n:*` always matches the highest UID, even when it is below `n`).
#[derive(Clone, PartialEq, Eq, Hash, Debug)]
pub struct UidSet {
    ranges: Vec<(u32, u32)>,
}

impl UidSet {
    /// One UID; `None` for 0 (not a valid UID).
    pub fn single(uid: u32) -> Option<Self> {
        Self::range(uid, uid)
    }

    /// The inclusive range `a:b` (either order); `None` if it would contain 0.
    pub fn range(a: u32, b: u32) -> Option<Self> {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        (lo > 0).then(|| Self {
            ranges: vec![(lo, hi)],
        })
    }

    /// Builds a set from UIDs in any order with duplicates; zeros are dropped. `None` when nothing is left.
    pub fn from_uids(uids: impl IntoIterator<Item = u32>) -> Option<Self> {
        Self::from_ranges(uids.into_iter().map(|u| (u, u)))
    }

    /// Builds a set from inclusive ranges in any order, overlapping or not; 0 is dropped. `None` when empty.
    pub fn from_ranges(ranges: impl IntoIterator<Item = (u32, u32)>) -> Option<Self> {
        let mut v: Vec<(u32, u32)> = ranges
            .into_iter()
            .map(|(a, b)| if a <= b { (a, b) } else { (b, a) })
            .filter(|&(_, hi)| hi > 0)
            .map(|(lo, hi)| (lo.max(1), hi))
            .collect();
        v.sort_unstable();
        let mut out: Vec<(u32, u32)> = Vec::with_capacity(v.len());
        for (lo, hi) in v {
            match out.last_mut() {
                Some(last) if lo <= last.1.saturating_add(1) => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        (!out.is_empty()).then_some(Self { ranges: out })
    }

    /// Parses `1:5,7,9:*` (ranges may be reversed or overlap; `*` is `u32::MAX`).
    pub fn parse(s: &str) -> Option<Self> {
        let mut ranges = Vec::new();
        for part in s.trim().split(',') {
            let (a, b) = match part.split_once(':') {
                Some((a, b)) => (parse_num(a)?, parse_num(b)?),
                None => {
                    let n = parse_num(part)?;
                    (n, n)
                }
            };
            if a == 0 || b == 0 {
                return None;
            }
            ranges.push((a, b));
        }
        Self::from_ranges(ranges)
    }

    /// The ranges, sorted and coalesced.
    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }

    /// Smallest UID in the set.
    pub fn first(&self) -> u32 {
        self.ranges.first().map_or(0, |r| r.0)
    }

    /// Largest UID in the set.
    pub fn last(&self) -> u32 {
        self.ranges.last().map_or(0, |r| r.1)
    }

    /// Number of UIDs in the set.
    pub fn len(&self) -> u64 {
        self.ranges
            .iter()
            .map(|&(lo, hi)| u64::from(hi - lo) + 1)
            .sum()
    }

    /// Always false: a `UidSet` is never empty (kept for clippy's `len_without_is_empty`).
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    pub fn contains(&self, uid: u32) -> bool {
        self.ranges
            .binary_search_by(|&(lo, hi)| {
                if hi < uid {
                    std::cmp::Ordering::Less
                } else if lo > uid {
                    std::cmp::Ordering::Greater
                } else {
                    std::cmp::Ordering::Equal
                }
            })
            .is_ok()
    }

    /// All UIDs in ascending order (beware of huge ranges such as `1:*`).
    pub fn iter(&self) -> impl Iterator<Item = u32> + '_ {
        self.ranges.iter().flat_map(|&(lo, hi)| lo..=hi)
    }

    /// Splits into sets whose text form is at most `max_chars` long (a single range is never split, so a chunk
    /// can exceed a budget smaller than one range, at most 21 characters).
    pub fn chunks(&self, max_chars: usize) -> Vec<UidSet> {
        let mut out = Vec::new();
        let mut cur: Vec<(u32, u32)> = Vec::new();
        let mut cur_len = 0usize;
        for &r in &self.ranges {
            let len = range_text_len(r);
            let extra = if cur.is_empty() { len } else { len + 1 };
            if !cur.is_empty() && cur_len + extra > max_chars {
                out.push(UidSet {
                    ranges: std::mem::take(&mut cur),
                });
                cur_len = len;
            } else {
                cur_len += extra;
            }
            cur.push(r);
        }
        if !cur.is_empty() {
            out.push(UidSet { ranges: cur });
        }
        out
    }

    /// Splits into sets of at most `max_uids` UIDs each (for bounded FETCH batches); `max_uids` 0 acts as 1.
    pub fn chunks_by_count(&self, max_uids: u32) -> Vec<UidSet> {
        let max = u64::from(max_uids.max(1));
        let mut out = Vec::new();
        let mut cur: Vec<(u32, u32)> = Vec::new();
        let mut count = 0u64;
        for &(mut lo, hi) in &self.ranges {
            loop {
                let room = max - count;
                let avail = u64::from(hi - lo) + 1;
                if avail <= room {
                    cur.push((lo, hi));
                    count += avail;
                    break;
                }
                // room >= 1 here and room < avail, so the sum stays inside lo..hi.
                let end = lo + u32::try_from(room - 1).unwrap_or(0);
                cur.push((lo, end));
                out.push(UidSet {
                    ranges: std::mem::take(&mut cur),
                });
                count = 0;
                lo = end + 1;
            }
            if count == max {
                out.push(UidSet {
                    ranges: std::mem::take(&mut cur),
                });
                count = 0;
            }
        }
        if !cur.is_empty() {
            out.push(UidSet { ranges: cur });
        }
        out
    }
}

fn parse_num(s: &str) -> Option<u32> {
    let s = s.trim();
    if s == "*" {
        return Some(u32::MAX);
    }
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn num_len(n: u32) -> usize {
    if n == u32::MAX {
        1
    } else {
        n.checked_ilog10().map_or(1, |l| l as usize + 1)
    }
}

fn range_text_len((lo, hi): (u32, u32)) -> usize {
    if lo == hi {
        num_len(lo)
    } else {
        num_len(lo) + 1 + num_len(hi)
    }
}

struct Num(u32);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == u32::MAX {
            f.write_str("*")
        } else {
            write!(f, "{}", self.0)
        }
    }
}

impl fmt::Display for UidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &(lo, hi)) in self.ranges.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if lo == hi {
                write!(f, "{}", Num(lo))?;
            } else {
                write!(f, "{}:{}", Num(lo), Num(hi))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn coalesces_and_displays() {
        let s = UidSet::from_uids([9, 3, 1, 2, 4, 5, 7, 10, 11, 12, 5]).unwrap();
        assert_eq!(s.to_string(), "1:5,7,9:12");
        assert_eq!(s.len(), 10);
        assert!(s.contains(7) && !s.contains(6) && !s.contains(13));
        assert!(UidSet::from_uids([0]).is_none());
        assert!(UidSet::from_uids(std::iter::empty()).is_none());
        assert_eq!(UidSet::range(10, u32::MAX).unwrap().to_string(), "10:*");
    }

    #[test]
    fn parses_reversed_and_star() {
        let s = UidSet::parse("5:1,7,*:9").unwrap();
        assert_eq!(s.to_string(), "1:5,7,9:*");
        assert!(UidSet::parse("").is_none());
        assert!(UidSet::parse("0").is_none());
        assert!(UidSet::parse("1,,2").is_none());
        assert!(UidSet::parse("a:3").is_none());
    }

    #[test]
    fn chunks_respect_budget() {
        let s = UidSet::from_uids((1..200).map(|i| i * 3)).unwrap();
        let chunks = s.chunks(50);
        assert!(chunks.len() > 1);
        for c in &chunks {
            assert!(c.to_string().len() <= 50, "{c}");
        }
        let all: Vec<u32> = chunks
            .iter()
            .flat_map(|c| c.iter().collect::<Vec<_>>())
            .collect();
        assert_eq!(all, s.iter().collect::<Vec<_>>());
    }

    #[test]
    fn chunks_by_count_splits_ranges() {
        let s = UidSet::from_ranges([(1, 10), (20, 25)]).unwrap();
        let c: Vec<String> = s
            .chunks_by_count(4)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(c, ["1:4", "5:8", "9:10,20:21", "22:25"]);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn display_parse_round_trip(uids in proptest::collection::vec(1u32..5000, 1..80)) {
            let s = UidSet::from_uids(uids.iter().copied()).unwrap();
            let text = s.to_string();
            prop_assert_eq!(UidSet::parse(&text), Some(s.clone()));
            for u in &uids {
                prop_assert!(s.contains(*u));
            }
            let joined: Vec<u32> = s.chunks(20).iter().flat_map(|c| c.iter().collect::<Vec<_>>()).collect();
            prop_assert_eq!(joined, s.iter().collect::<Vec<_>>());
            let joined: Vec<u32> = s.chunks_by_count(7).iter().flat_map(|c| c.iter().collect::<Vec<_>>()).collect();
            prop_assert_eq!(joined, s.iter().collect::<Vec<_>>());
        }
    }
}
