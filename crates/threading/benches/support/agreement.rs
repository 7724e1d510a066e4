//! Comparing our conversations with Dovecot's THREAD output for the same mbox.
//!
//! Two metrics over messages identified by mbox position (Dovecot's sequence number):
//! - exact agreement: share of messages whose conversation has exactly the same members as their
//!   Dovecot thread;
//! - pairwise precision / recall: over all unordered message pairs, precision = pairs we group that
//!   Dovecot also groups / pairs we group; recall = pairs Dovecot groups that we also group /
//!   pairs Dovecot groups. Computed from the contingency table, no pair enumeration.

use std::collections::HashMap;
use std::hash::Hash;
use std::io::{BufRead, BufReader};
use std::path::Path;

use flate2::read::GzDecoder;

/// One Dovecot TSV: per message (0-based mbox position), its Message-ID and thread number.
pub struct DovecotThreads {
    /// `(message_id as printed, thread_no)` by position.
    pub rows: Vec<(String, u64)>,
}

impl DovecotThreads {
    /// Reads `seq \t message_id \t parent \t thread_no` lines (gzip'd), skipping `#` comments.
    pub fn load(path: &Path) -> std::io::Result<Self> {
        let reader = BufReader::new(GzDecoder::new(std::fs::File::open(path)?));
        let mut rows = Vec::new();
        for line in reader.lines() {
            let line = line?;
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let fields: Vec<&str> = line.split('\t').collect();
            let (Some(seq), Some(id), Some(thread)) =
                (fields.first(), fields.get(1), fields.last())
            else {
                continue;
            };
            let (Ok(seq), Ok(thread)) = (seq.parse::<usize>(), thread.parse::<u64>()) else {
                continue;
            };
            if seq != rows.len() + 1 {
                return Err(std::io::Error::other(format!("seq {seq} out of order")));
            }
            rows.push(((*id).to_owned(), thread));
        }
        Ok(Self { rows })
    }
}

/// Agreement between two labelings of the same messages.
pub struct Agreement {
    pub ours_groups: usize,
    pub theirs_groups: usize,
    pub exact_share: f64,
    pub precision: f64,
    pub recall: f64,
}

/// Compares labelings `ours[i]` and `theirs[i]` (same length).
pub fn compare<A: Hash + Eq + Copy, B: Hash + Eq + Copy>(ours: &[A], theirs: &[B]) -> Agreement {
    let n = ours.len().min(theirs.len());
    let ours_members = members(&ours[..n]);
    let theirs_members = members(&theirs[..n]);
    let exact = (0..n)
        .filter(|&i| ours_members[&ours[i]] == theirs_members[&theirs[i]])
        .count();
    let mut cells: HashMap<(A, B), u64> = HashMap::new();
    for i in 0..n {
        *cells.entry((ours[i], theirs[i])).or_default() += 1;
    }
    let both: u64 = cells.values().map(|&c| pairs(c)).sum();
    let ours_pairs: u64 = ours_members.values().map(|m| pairs(m.len() as u64)).sum();
    let theirs_pairs: u64 = theirs_members.values().map(|m| pairs(m.len() as u64)).sum();
    Agreement {
        ours_groups: ours_members.len(),
        theirs_groups: theirs_members.len(),
        exact_share: ratio(exact as u64, n as u64),
        precision: ratio(both, ours_pairs),
        recall: ratio(both, theirs_pairs),
    }
}

fn members<L: Hash + Eq + Copy>(labels: &[L]) -> HashMap<L, Vec<usize>> {
    let mut out: HashMap<L, Vec<usize>> = HashMap::new();
    for (i, label) in labels.iter().enumerate() {
        out.entry(*label).or_default().push(i);
    }
    out
}

fn pairs(n: u64) -> u64 {
    n * n.saturating_sub(1) / 2
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}
