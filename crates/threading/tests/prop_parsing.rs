//! Properties of the text functions on arbitrary input: no panics, canonical output, idempotence.

use inboxd_threading::{MAX_REFERENCES, base_subject, normalize_message_id, parse_message_id_list};
use proptest::prelude::*;

/// Strings dense in the characters the parsers care about, plus arbitrary Unicode.
fn tricky() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("<".to_owned()),
        Just(">".to_owned()),
        Just("@".to_owned()),
        Just("(".to_owned()),
        Just(")".to_owned()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(" ".to_owned()),
        Just(",".to_owned()),
        Just("\r\n\t".to_owned()),
        Just("Re:".to_owned()),
        Just("Fwd".to_owned()),
        Just("(fwd)".to_owned()),
        Just("[fwd:".to_owned()),
        Just("a".to_owned()),
        Just("B.c".to_owned()),
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn normalized_ids_are_canonical_fixed_points(raw in tricky()) {
        if let Some(id) = normalize_message_id(&raw) {
            prop_assert!(!id.is_empty());
            prop_assert!(id.contains('@'));
            prop_assert!(!id.contains(['<', '>']));
            prop_assert!(!id.chars().any(char::is_whitespace));
            // Stored ids re-normalize to themselves when written back in bracket form.
            prop_assert_eq!(normalize_message_id(&format!("<{id}>")), Some(id.clone()));
            prop_assert_eq!(normalize_message_id(&format!(" <{id}> (c)")), Some(id.clone()));
        }
    }

    #[test]
    fn id_lists_are_capped_distinct_and_canonical(raw in tricky()) {
        let ids = parse_message_id_list(&raw);
        prop_assert!(ids.len() <= MAX_REFERENCES);
        for (i, id) in ids.iter().enumerate() {
            prop_assert!(!ids[..i].contains(id));
            prop_assert_eq!(normalize_message_id(&format!("<{id}>")), Some(id.clone()));
        }
        let first = ids.first().cloned();
        prop_assert_eq!(normalize_message_id(&raw), first);
    }

    #[test]
    fn base_subject_is_trimmed_and_idempotent(raw in tricky()) {
        let base = base_subject(&raw);
        prop_assert_eq!(base.trim(), base.as_str());
        prop_assert!(!base.contains("  "));
        prop_assert_eq!(base_subject(&base), base);
    }
}
