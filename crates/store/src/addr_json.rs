//! The address-list JSON column (`from_addrs`, `to_addrs`, `cc_addrs`, `participants`), written by hand:
//! it is built for every message a sync inserts, and going through serde_json's serializer cost several
//! times more than the bytes it writes. The output is byte-identical to `serde_json::to_string` of the
//! same `[Address]` (tested against it), so rows written before and after read and compare the same.
//! Reading stays with serde_json (`codec::addrs_from_json`).

use crate::item::Address;

/// `[{"name":"…","email":"…"},{"email":"…"}]`: `name` left out when `None`, as `Address`'s serde
/// attributes say.
pub(crate) fn addrs_to_json(addrs: &[Address]) -> String {
    pairs_to_json(addrs.iter().map(|a| (a.name.as_deref(), a.email.as_str())))
}

/// [`addrs_to_json`] of `(name, email)` pairs borrowed from the caller's own address type, so a list needs
/// no copy into `Address` values first.
pub(crate) fn pairs_to_json<'a>(
    pairs: impl Iterator<Item = (Option<&'a str>, &'a str)> + Clone,
) -> String {
    let len: usize = pairs
        .clone()
        .map(|(name, email)| email.len() + name.map_or(0, |n| n.len() + 10) + 14)
        .sum();
    let mut out = String::with_capacity(len + 2);
    out.push('[');
    for (i, (name, email)) in pairs.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        if let Some(name) = name {
            out.push_str("\"name\":");
            push_str_literal(&mut out, name);
            out.push(',');
        }
        out.push_str("\"email\":");
        push_str_literal(&mut out, email);
        out.push('}');
    }
    out.push(']');
    out
}

/// A JSON string literal with serde_json's escapes: `\"`, `\\`, the short forms `\b \t \n \f \r`, other
/// control characters as `\u00xx` (lower-case hex); everything else, non-ASCII included, as is.
fn push_str_literal(out: &mut String, s: &str) {
    out.push('"');
    // Nearly every name and address needs no escape: one scan, one copy.
    if is_clean(s.as_bytes()) {
        out.push_str(s);
        out.push('"');
        return;
    }
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        if !needs_escape(b) {
            continue;
        }
        // Escaped bytes are ASCII, so `start..i` and `i + 1..` are char boundaries.
        out.push_str(s.get(start..i).unwrap_or_default());
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            0x08 => out.push_str("\\b"),
            b'\t' => out.push_str("\\t"),
            b'\n' => out.push_str("\\n"),
            0x0c => out.push_str("\\f"),
            b'\r' => out.push_str("\\r"),
            _ => push_unicode_escape(out, b),
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// Whether no byte of `bytes` needs an escape, eight bytes per step (SWAR): names and addresses are short,
/// and a byte at a time was about 4 instructions per byte, the largest part of encoding a row's address
/// lists. The tail is padded with a byte that needs no escape.
fn is_clean(bytes: &[u8]) -> bool {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_ne_bytes([0x80; 8]);
    // A high bit for each byte that is zero, or below 0x20 (exact for the bytes below 0x80 these tests
    // are about; bytes of 0x80 and up never raise it, as `!x` clears their high bit).
    let zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    let below_space = |x: u64| x.wrapping_sub(ONES * 0x20) & !x & HIGHS;
    let dirty = |x: u64| {
        below_space(x) | zero(x ^ (ONES * u64::from(b'"'))) | zero(x ^ (ONES * u64::from(b'\\')))
    };
    let (words, tail) = bytes.as_chunks::<8>();
    let mut found = words
        .iter()
        .fold(0, |acc, w| acc | dirty(u64::from_ne_bytes(*w)));
    let mut last = [b'a'; 8];
    last[..tail.len()].copy_from_slice(tail);
    found |= dirty(u64::from_ne_bytes(last));
    found == 0
}

fn push_unicode_escape(out: &mut String, b: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push_str("\\u00");
    out.push(char::from(HEX[usize::from(b >> 4)]));
    out.push(char::from(HEX[usize::from(b & 0xf)]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn serde(addrs: &[Address]) -> String {
        serde_json::to_string(addrs).unwrap()
    }

    fn addr(name: Option<&str>, email: &str) -> Address {
        Address {
            name: name.map(str::to_string),
            email: email.to_string(),
        }
    }

    #[test]
    fn the_word_scan_finds_every_byte_to_escape_wherever_it_is() {
        let reference = |b: &[u8]| !b.iter().any(|&c| needs_escape(c));
        for len in 0..=20 {
            for pos in 0..len {
                for special in 0..=255u8 {
                    for fill in [b'a', 0x7f, 0x80, 0xff, b' ', b'!'] {
                        let mut bytes = vec![fill; len];
                        bytes[pos] = special;
                        assert_eq!(is_clean(&bytes), reference(&bytes), "{bytes:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn matches_serde_json_on_edge_cases() {
        let all_controls: String = (0u8..0x20).map(char::from).collect();
        let cases = vec![
            vec![],
            vec![addr(None, "")],
            vec![addr(Some(""), "a@b")],
            vec![addr(Some("Zoë \"Z\" Müller"), "z\\ö@例え.jp")],
            vec![addr(Some(&all_controls), "\u{7f}\u{80}\u{2028}😀")],
            vec![
                addr(Some("a"), "b"),
                addr(None, "c"),
                addr(Some("\n"), "\t"),
            ],
        ];
        for c in cases {
            assert_eq!(addrs_to_json(&c), serde(&c), "{c:?}");
        }
    }

    #[test]
    fn round_trips_through_serde_json() {
        let addrs = vec![addr(Some("x\u{1}y"), "q\"@r"), addr(None, "é")];
        let back: Vec<Address> = serde_json::from_str(&addrs_to_json(&addrs)).unwrap();
        assert_eq!(back, addrs);
    }

    fn any_text() -> impl Strategy<Value = String> {
        // Mostly the characters that need care (controls, quote, backslash, non-ASCII), plus any char.
        prop::collection::vec(
            prop_oneof![
                (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or('?')),
                prop::sample::select(vec!['"', '\\', '/', '\u{7f}', 'é', '€', '😀', 'a']),
                any::<char>(),
            ],
            0..12,
        )
        .prop_map(|cs| cs.into_iter().collect())
    }

    fn any_address() -> impl Strategy<Value = Address> {
        (prop::option::of(any_text()), any_text()).prop_map(|(name, email)| Address { name, email })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn equals_serde_json(addrs in prop::collection::vec(any_address(), 0..6)) {
            prop_assert_eq!(addrs_to_json(&addrs), serde(&addrs));
        }
    }
}
