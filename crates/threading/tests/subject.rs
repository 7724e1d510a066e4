//! Table tests for RFC 5256 base subject extraction.

use inboxd_threading::base_subject;

#[test]
fn base_subject_table() {
    let cases: &[(&str, &str)] = &[
        ("Hello", "Hello"),
        ("Re: Hello", "Hello"),
        ("RE: Hello", "Hello"),
        ("re:Hello", "Hello"),
        ("Re : Hello", "Hello"),
        ("Re: Re: RE: Hello", "Hello"),
        ("Fwd: Hello", "Hello"),
        ("FW: Hello", "Hello"),
        ("Fw: Re: Hello", "Hello"),
        ("Re[2]: Hello", "Hello"),
        ("Re [3] : Hello", "Hello"),
        ("Re(2): Hello", "Hello"),
        ("Re^2: Hello", "Hello"),
        ("AW: Hello", "Hello"),
        ("Sv: Hello", "Hello"),
        ("VS: Hello", "Hello"),
        ("WG: Hello", "Hello"),
        ("Antw: Hello", "Hello"),
        ("回复：Hello", "Hello"),
        ("转发: Hello", "Hello"),
        // List tags and blobs.
        ("[list] Hello", "Hello"),
        ("[list] Re: Hello", "Hello"),
        ("Re: [list] Re: Hello", "Hello"),
        ("[a] [b] [c] Hello", "Hello"),
        ("[PATCH v3 1/5] clk: fix rate", "clk: fix rate"),
        ("Re: [PATCH v3 1/5] clk: fix rate", "clk: fix rate"),
        // A blob that is everything stays.
        ("[PATCH]", "[PATCH]"),
        ("[a] [b]", "[b]"),
        ("Re: [PATCH]", "[PATCH]"),
        // Trailers and forward wrappers.
        ("Hello (fwd)", "Hello"),
        ("Hello (FWD) (fwd)  ", "Hello"),
        ("[Fwd: Hello]", "Hello"),
        ("[fwd: Re: Hello (fwd)]", "Hello"),
        ("Re: [Fwd: [list] Hello]", "Hello"),
        // Whitespace folding.
        ("  Hello \t\r\n  world  ", "Hello world"),
        ("Re:\r\n Hello", "Hello"),
        // Words that merely start like a prefix.
        ("Reply needed", "Reply needed"),
        ("Regarding: Hello", "Regarding: Hello"),
        ("Fwding: Hello", "Fwding: Hello"),
        ("Hello Re: there", "Hello Re: there"),
        ("[unclosed Hello", "[unclosed Hello"),
        // Empty and degenerate.
        ("", ""),
        ("   ", ""),
        ("Re:", ""),
        ("Re: Re:", ""),
        ("(fwd)", ""),
        // 8-bit.
        ("Re: Grüße aus Köln", "Grüße aus Köln"),
        ("Re: \u{fffd}\u{fffd}", "\u{fffd}\u{fffd}"),
    ];
    for (raw, want) in cases {
        assert_eq!(base_subject(raw), *want, "base_subject({raw:?})");
    }
}

#[test]
fn base_subject_survives_huge_inputs() {
    let many_prefixes = "Re: ".repeat(100_000) + "Hello";
    assert_eq!(base_subject(&many_prefixes), "Hello");

    let many_blobs = "[a]".repeat(100_000) + "x";
    assert_eq!(base_subject(&many_blobs), "x");

    let only_blobs = "[a] ".repeat(100_000);
    assert_eq!(base_subject(&only_blobs), "[a]");

    let open_brackets = "[".repeat(200_000);
    assert_eq!(base_subject(&open_brackets), open_brackets);

    let many_trailers = "Hello".to_owned() + &" (fwd)".repeat(100_000);
    assert_eq!(base_subject(&many_trailers), "Hello");

    let nested_fwd = "[fwd: ".repeat(10_000) + "Hello" + &"]".repeat(10_000);
    assert_eq!(base_subject(&nested_fwd), "Hello");

    let bytes: Vec<u8> = (0..=255u8).cycle().take(300_000).collect();
    let _ = base_subject(&String::from_utf8_lossy(&bytes));
}
