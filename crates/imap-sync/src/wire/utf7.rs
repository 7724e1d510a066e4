//! Modified UTF-7 for mailbox names (RFC 3501 §5.1.3): encode for commands, decode LIST/LSUB/STATUS names.
//!
//! Only the mailbox-name transform lives here; quoting and literals are `command.rs`'s job.

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

/// Encodes a Unicode mailbox name: printable ASCII stays, `&` becomes `&-`, other runs become `&<base64>-`.
pub fn encode_mailbox(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending: Vec<u16> = Vec::new();
    for c in name.chars() {
        if (' '..='~').contains(&c) {
            flush(&mut out, &mut pending);
            if c == '&' {
                out.push_str("&-");
            } else {
                out.push(c);
            }
        } else {
            let mut buf = [0u16; 2];
            pending.extend_from_slice(c.encode_utf16(&mut buf));
        }
    }
    flush(&mut out, &mut pending);
    out
}

fn flush(out: &mut String, pending: &mut Vec<u16>) {
    if pending.is_empty() {
        return;
    }
    let bytes: Vec<u8> = pending.iter().flat_map(|u| u.to_be_bytes()).collect();
    out.push('&');
    for chunk in bytes.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = (n >> (18 - 6 * i)) & 63;
            out.push(char::from(B64[idx as usize]));
        }
    }
    out.push('-');
    pending.clear();
}

/// Decodes a modified UTF-7 mailbox name; `None` if it is not valid modified UTF-7.
pub fn decode_mailbox(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(pos) = rest.find('&') {
        out.push_str(rest.get(..pos)?);
        let after = rest.get(pos + 1..)?;
        let end = after.find('-')?;
        let b64 = after.get(..end)?;
        if b64.is_empty() {
            out.push('&');
        } else {
            out.push_str(&decode_run(b64)?);
        }
        rest = after.get(end + 1..)?;
    }
    out.push_str(rest);
    Some(out)
}

fn decode_run(b64: &str) -> Option<String> {
    let mut bits = 0u32;
    let mut nbits = 0u32;
    let mut bytes = Vec::new();
    for c in b64.bytes() {
        let v = B64.iter().position(|&x| x == c)? as u32;
        bits = (bits << 6) | v;
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            bytes.push(((bits >> nbits) & 0xff) as u8);
        }
    }
    // Leftover bits must be zero padding (fewer than 6 of them).
    if nbits >= 6 || bits & ((1 << nbits) - 1) != 0 || bytes.len() % 2 != 0 {
        return None;
    }
    let units: Vec<u16> = bytes
        .chunks(2)
        .map(|p| {
            u16::from_be_bytes([
                p.first().copied().unwrap_or(0),
                p.get(1).copied().unwrap_or(0),
            ])
        })
        .collect();
    let s = String::from_utf16(&units).ok()?;
    // RFC 3501: printable ASCII must not be base64-encoded.
    if s.chars().any(|c| (' '..='~').contains(&c)) {
        return None;
    }
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn known_answers() {
        let cases = [
            ("INBOX", "INBOX"),
            ("Entwürfe", "Entw&APw-rfe"),
            ("A & B", "A &- B"),
            ("~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"),
            ("Gesendete Objekte", "Gesendete Objekte"),
            ("😀", "&2D3eAA-"),
        ];
        for (plain, wire) in cases {
            assert_eq!(encode_mailbox(plain), wire);
            assert_eq!(decode_mailbox(wire).as_deref(), Some(plain));
        }
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(decode_mailbox("a&Jjo"), None);
        assert_eq!(decode_mailbox("&AGE-"), None); // encodes ASCII "a"
        assert_eq!(decode_mailbox("&!!-"), None);
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        #[test]
        fn round_trip(s in "\\PC{0,20}") {
            let enc = encode_mailbox(&s);
            prop_assert!(enc.is_ascii());
            prop_assert_eq!(decode_mailbox(&enc), Some(s));
        }

        #[test]
        fn decode_never_panics(s in "[&A-Za-z0-9+,\\-]{0,20}") {
            let _ = decode_mailbox(&s);
        }
    }
}
