//! SEARCH criteria → command text: key syntax, nesting parentheses, dates as UTC days, and whether the
//! strings need `CHARSET UTF-8`. Part of `encode`; strings go through its quoting/literal rules.

use super::command::SearchKey;
use super::date::format_date;
use super::encode::{Enc, is_atom};

pub(super) fn needs_charset(k: &SearchKey) -> bool {
    match k {
        SearchKey::Header(a, b) => !a.is_ascii() || !b.is_ascii(),
        SearchKey::Not(k) => needs_charset(k),
        SearchKey::Or(a, b) => needs_charset(a) || needs_charset(b),
        SearchKey::And(v) => v.iter().any(needs_charset),
        _ => false,
    }
}

pub(super) fn search_key(e: &mut Enc, k: &SearchKey, top: bool) {
    match k {
        SearchKey::All => e.raw("ALL"),
        SearchKey::Uid(set) => e.raw(&format!("UID {set}")),
        SearchKey::Since(ms) => e.raw(&format!("SINCE {}", format_date(*ms))),
        SearchKey::Before(ms) => e.raw(&format!("BEFORE {}", format_date(*ms))),
        SearchKey::On(ms) => e.raw(&format!("ON {}", format_date(*ms))),
        SearchKey::SentSince(ms) => e.raw(&format!("SENTSINCE {}", format_date(*ms))),
        SearchKey::SentBefore(ms) => e.raw(&format!("SENTBEFORE {}", format_date(*ms))),
        SearchKey::Header(name, value) => {
            e.raw("HEADER");
            e.sp_string(name.as_bytes());
            e.sp_string(value.as_bytes());
        }
        SearchKey::Seen => e.raw("SEEN"),
        SearchKey::Unseen => e.raw("UNSEEN"),
        SearchKey::Flagged => e.raw("FLAGGED"),
        SearchKey::Deleted => e.raw("DELETED"),
        SearchKey::Undeleted => e.raw("UNDELETED"),
        SearchKey::Keyword(kw) if is_atom(kw.as_bytes()) => e.raw(&format!("KEYWORD {kw}")),
        // An unsendable keyword can match nothing: say so with a key that matches nothing.
        SearchKey::Keyword(_) => e.raw("NOT ALL"),
        SearchKey::Larger(n) => e.raw(&format!("LARGER {n}")),
        SearchKey::Smaller(n) => e.raw(&format!("SMALLER {n}")),
        SearchKey::Not(k) => {
            e.raw("NOT ");
            search_key(e, k, false);
        }
        SearchKey::Or(a, b) => {
            e.raw("OR ");
            search_key(e, a, false);
            e.raw(" ");
            search_key(e, b, false);
        }
        SearchKey::And(v) if v.is_empty() => e.raw("ALL"),
        SearchKey::And(v) => {
            if !top {
                e.raw("(");
            }
            for (i, k) in v.iter().enumerate() {
                if i > 0 {
                    e.raw(" ");
                }
                search_key(e, k, false);
            }
            if !top {
                e.raw(")");
            }
        }
    }
}
