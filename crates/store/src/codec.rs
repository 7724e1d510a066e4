//! Column encodings: integers, flag lists, address and attribute JSON, id lists.
//!
//! Only value conversions live here; SQL statements live with the operations that run them.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use inboxd_model::{ItemId, ItemType, Timestamp};

use crate::StoreError;
use crate::item::{Address, ItemKind};

/// A u64 as an SQLite integer; values above i64::MAX are refused rather than wrapped.
pub(crate) fn to_i64(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::invalid(format!("value {v} out of range")))
}

/// An SQLite integer as u64; negative values (never written by us) read as 0.
pub(crate) fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub(crate) fn ts(v: i64) -> Timestamp {
    Timestamp(to_u64(v))
}

pub(crate) fn ts_sql(t: Timestamp) -> Result<i64, StoreError> {
    to_i64(t.0)
}

/// Sorts and de-duplicates IMAP flags; refuses empty flags and flags with whitespace (they
/// cannot come from IMAP and would break the space-separated column).
pub(crate) fn normalize_flags(flags: &[String]) -> Result<Vec<String>, StoreError> {
    let mut out: Vec<String> = Vec::with_capacity(flags.len());
    for f in flags {
        if f.is_empty() || f.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(StoreError::invalid(format!("bad flag {f:?}")));
        }
        out.push(f.clone());
    }
    out.sort();
    out.dedup();
    Ok(out)
}

pub(crate) fn join_words(words: &[String]) -> String {
    words.join(" ")
}

pub(crate) fn split_words(s: &str) -> Vec<String> {
    s.split_whitespace().map(str::to_string).collect()
}

/// References are message-id values; whitespace inside one would split it on reading back.
pub(crate) fn check_words(what: &str, words: &[String]) -> Result<(), StoreError> {
    match words.iter().find(|w| w.is_empty() || has_whitespace(w)) {
        Some(w) => Err(bad_word(what, w)),
        None => Ok(()),
    }
}

/// `join_words` of `words` after `check_words`, for words borrowed from the caller.
pub(crate) fn join_checked<'a>(
    what: &str,
    words: impl Iterator<Item = &'a str>,
) -> Result<String, StoreError> {
    let mut out = String::new();
    for w in words {
        if w.is_empty() || has_whitespace(w) {
            return Err(bad_word(what, w));
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(w);
    }
    Ok(out)
}

fn bad_word(what: &str, w: &str) -> StoreError {
    StoreError::invalid(format!("bad {what} entry {w:?}"))
}

pub(crate) use crate::addr_json::addrs_to_json;

/// Unreadable JSON (never written by us) reads as an empty list rather than failing the read.
/// `s.chars().any(char::is_whitespace)`, with a byte-wise pre-scan (chunks folded without an early exit, so
/// it vectorizes) that settles the usual case, plain ASCII without whitespace: a sync checks a dozen
/// references per message.
fn has_whitespace(s: &str) -> bool {
    let suspicious = |b: u8| !b.is_ascii() || b == b' ' || (b'\t'..=b'\r').contains(&b);
    let plain = s
        .as_bytes()
        .chunks(16)
        .all(|c| !c.iter().fold(false, |acc, &b| acc | suspicious(b)));
    !plain && s.chars().any(char::is_whitespace)
}

pub(crate) fn addrs_from_json(s: &str) -> Vec<Address> {
    serde_json::from_str(s).unwrap_or_default()
}

pub(crate) fn attrs_to_json(attrs: &BTreeMap<String, String>) -> Result<String, StoreError> {
    serde_json::to_string(attrs).map_err(|e| StoreError::Backend(e.to_string()))
}

pub(crate) fn attrs_from_json(s: &str) -> BTreeMap<String, String> {
    serde_json::from_str(s).unwrap_or_default()
}

pub(crate) fn type_letter(t: ItemType) -> String {
    t.letter().to_string()
}

pub(crate) fn type_from_letter(s: &str) -> Option<ItemType> {
    let mut chars = s.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) => ItemType::from_letter(c),
        _ => None,
    }
}

/// Written straight into one buffer: a sync commit logs thousands of ids.
pub(crate) fn ids_to_text(ids: &[ItemId]) -> String {
    let mut out = String::with_capacity(ids.len() * 6);
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        // Writing into a String cannot fail.
        let _ = write!(out, "{}", id.0);
    }
    out
}

pub(crate) fn ids_from_text(s: &str) -> Vec<ItemId> {
    s.split(',')
        .filter_map(|p| p.parse().ok())
        .map(ItemId)
        .collect()
}

/// Deleted ids carry their kind (`m300`, `v301`) so that a later sync can say what was deleted.
pub(crate) fn kinded_ids_to_text(ids: &[(ItemId, ItemKind)]) -> String {
    let mut out = String::with_capacity(ids.len() * 7);
    for (i, (id, kind)) in ids.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{}{}", kind.letter(), id.0);
    }
    out
}

pub(crate) fn kinded_ids_from_text(s: &str) -> Vec<(ItemId, ItemKind)> {
    s.split(',')
        .filter_map(|p| {
            let mut chars = p.chars();
            let kind = ItemKind::from_letter(chars.next()?)?;
            let id = chars.as_str().parse().ok()?;
            Some((ItemId(id), kind))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_are_sorted_and_deduplicated() {
        let flags = ["\\Seen", "$Label1", "\\Flagged", "\\Seen"].map(String::from);
        assert_eq!(
            normalize_flags(&flags).unwrap(),
            ["$Label1", "\\Flagged", "\\Seen"]
        );
        assert!(normalize_flags(&["a b".to_string()]).is_err());
        assert!(normalize_flags(&[String::new()]).is_err());
    }

    #[test]
    fn kinded_ids_round_trip() {
        let ids = vec![
            (ItemId(300), ItemKind::Message),
            (ItemId(301), ItemKind::Conversation),
            (ItemId(7), ItemKind::Folder),
            (ItemId(400), ItemKind::Document),
        ];
        assert_eq!(kinded_ids_from_text(&kinded_ids_to_text(&ids)), ids);
        assert_eq!(kinded_ids_from_text(""), vec![]);
        assert_eq!(
            ids_from_text(&ids_to_text(&[ItemId(1), ItemId(2)])),
            [ItemId(1), ItemId(2)]
        );
        assert_eq!(ids_from_text(""), vec![]);
    }

    #[test]
    fn whitespace_check_agrees_with_char_is_whitespace() {
        let all_ascii: String = (0u8..0x80).map(char::from).collect();
        for s in [
            "",
            "abc",
            "a b",
            "a\u{b}b",
            "<x@y>",
            "é",
            "é\u{a0}",
            "a\u{85}",
            "\u{3000}",
            "x\u{2028}",
            "é\t",
            &all_ascii,
        ] {
            assert_eq!(
                has_whitespace(s),
                s.chars().any(char::is_whitespace),
                "{s:?}"
            );
        }
        for c in (0..0x3100).filter_map(char::from_u32) {
            let s = format!("ab{c}cd");
            assert_eq!(has_whitespace(&s), c.is_whitespace(), "{c:?}");
        }
    }

    #[test]
    fn big_values_are_refused_not_wrapped() {
        assert!(to_i64(u64::MAX).is_err());
        assert_eq!(to_u64(-5), 0);
    }
}
