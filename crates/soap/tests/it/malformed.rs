//! Malformed and hostile input: every case must end in the right fault code, never a panic, hang or
//! stack overflow.

use inboxd_soap::{Fault, Limits, parse_request};
use proptest::prelude::*;

use crate::data;

const PARSE_ERROR: &str = "service.PARSE_ERROR";
const INVALID_REQUEST: &str = "service.INVALID_REQUEST";

fn fault(body: &[u8]) -> Fault {
    parse_request(body, &Limits::default()).unwrap_err()
}

fn assert_code(body: &[u8], code: &str) {
    let fault = fault(body);
    assert_eq!(
        fault.code,
        code,
        "input {:?}: {fault}",
        String::from_utf8_lossy(&body[..body.len().min(80)])
    );
}

#[test]
fn golden_malformed_files_fault_with_parse_error() {
    let files = [
        "malformed/billion-laughs.xml",
        "malformed/xxe.xml",
        "malformed/undeclared-entity.xml",
        "malformed/no-body.xml",
        "malformed/empty-body.xml",
        "malformed/no-envelope.xml",
        "malformed/unclosed-tag.xml",
        "malformed/array-at-top.json",
        "malformed/no-body.json",
        "malformed/empty-body.json",
        "malformed/trailing-comma.json",
    ];
    for file in files {
        let fault = fault(&data(file));
        assert_eq!(fault.code, PARSE_ERROR, "{file}: {fault}");
        assert!(!fault.receiver, "{file}");
    }
}

#[test]
fn doctype_is_refused_by_name() {
    let fault = fault(&data("malformed/billion-laughs.xml"));
    assert!(fault.reason.contains("DOCTYPE"), "{fault}");
}

#[test]
fn every_truncation_of_a_valid_request_faults() {
    let whole = data("requests/python-zimbra-WaitSetRequest.xml");
    for len in 0..whole.len() {
        assert_code(&whole[..len], PARSE_ERROR);
    }
    let whole = data("requests/python-zimbra-AdminCreateWaitSetRequest.json");
    for len in 0..whole.len() {
        assert_code(&whole[..len], PARSE_ERROR);
    }
}

#[test]
fn empty_and_whitespace_bodies_fault() {
    assert_code(b"", PARSE_ERROR);
    assert_code(b" \r\n\t", PARSE_ERROR);
    assert_code(b"hello", PARSE_ERROR);
}

#[test]
fn invalid_utf8_faults() {
    assert_code(b"<soap:Envelope \xff\xfe/>", PARSE_ERROR);
    assert_code(b"{\"Body\":{\"X\":{\"a\":\"\xc3\x28\"}}}", PARSE_ERROR);
}

#[test]
fn oversized_body_is_refused_before_parsing() {
    let big = vec![b' '; 10 * 1024 * 1024];
    let fault = fault(&big);
    assert_eq!(fault.code, INVALID_REQUEST, "{fault}");
    let limits = Limits {
        max_bytes: 100,
        ..Limits::default()
    };
    let request = data("requests/python-zimbra-WaitSetRequest.xml");
    assert_eq!(
        parse_request(&request, &limits).unwrap_err().code,
        INVALID_REQUEST
    );
    let exact = Limits {
        max_bytes: request.len(),
        ..Limits::default()
    };
    assert!(parse_request(&request, &exact).is_ok());
}

#[test]
fn json_nested_100k_deep_faults_without_overflow() {
    let depth = 100_000;
    let arrays = "[".repeat(depth) + &"]".repeat(depth);
    assert_code(arrays.as_bytes(), PARSE_ERROR);
    let objects = "{\"a\":".repeat(depth) + "1" + &"}".repeat(depth);
    assert_code(objects.as_bytes(), PARSE_ERROR);
    let in_body =
        String::from("{\"Body\":{\"R\":") + &"{\"a\":[".repeat(depth) + &"]}".repeat(depth) + "}}";
    assert_code(in_body.as_bytes(), PARSE_ERROR);
}

#[test]
fn xml_nested_100k_deep_faults_without_overflow() {
    let depth = 100_000;
    let body = String::from(
        r#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>"#,
    ) + &"<a>".repeat(depth)
        + &"</a>".repeat(depth)
        + "</soap:Body></soap:Envelope>";
    assert_code(body.as_bytes(), PARSE_ERROR);
}

#[test]
fn depth_limit_counts_the_envelope() {
    let request = data("requests/TestWaitSetRequest-soap12.xml");
    // Envelope > Body > CreateWaitSetRequest > add > a is five levels.
    let five = Limits {
        max_depth: 5,
        ..Limits::default()
    };
    let four = Limits {
        max_depth: 4,
        ..Limits::default()
    };
    assert!(parse_request(&request, &five).is_ok());
    assert_eq!(
        parse_request(&request, &four).unwrap_err().code,
        PARSE_ERROR
    );
}

#[test]
fn malformed_xml_variants_fault() {
    let cases: &[&str] = &[
        "<soap:Envelope xmlns:soap='http://www.w3.org/2003/05/soap-envelope'><soap:Body><R></soap:Body></soap:Envelope>",
        "<soap:Envelope xmlns:soap='http://www.w3.org/2003/05/soap-envelope'><soap:Body><R/></soap:Body>",
        "<soap:Envelope><soap:Body><R/></soap:Body></soap:Envelope>",
        "<Envelope><Body><R a='1' a='2'/></Body></Envelope>",
        "<Envelope><Body><R a='x&y'/></Body></Envelope>",
        "<Envelope><Body><R>&#0;</R></Body></Envelope>",
        "<Envelope><Body><R/></Body></Envelope><Envelope/>",
        "<Envelope><Body><R/></Body></Envelope>trailing",
        "<Envelope><Body><R a=1/></Body></Envelope>",
        "<Envelope><Body><R></r></Body></Envelope>",
    ];
    for case in cases {
        assert_code(case.as_bytes(), PARSE_ERROR);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = parse_request(&body, &Limits::default());
    }

    #[test]
    fn xmlish_token_soup_never_panics(tokens in proptest::collection::vec(xml_token(), 0..40)) {
        let body = tokens.concat();
        if let Err(fault) = parse_request(body.as_bytes(), &Limits::default()) {
            prop_assert!(fault.code == PARSE_ERROR || fault.code == INVALID_REQUEST);
        }
    }

    #[test]
    fn jsonish_token_soup_never_panics(tokens in proptest::collection::vec(json_token(), 0..40)) {
        let body = String::from("{") + &tokens.concat();
        if let Err(fault) = parse_request(body.as_bytes(), &Limits::default()) {
            prop_assert_eq!(fault.code, PARSE_ERROR);
        }
    }
}

fn xml_token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("<soap:Envelope xmlns:soap=\"http://www.w3.org/2003/05/soap-envelope\">".to_owned()),
        Just("</soap:Envelope>".to_owned()),
        Just("<soap:Body>".to_owned()),
        Just("</soap:Body>".to_owned()),
        Just("<soap:Header><context xmlns=\"urn:zimbra\">".to_owned()),
        Just("</context></soap:Header>".to_owned()),
        Just("<a x=\"1\">".to_owned()),
        Just("</a>".to_owned()),
        Just("<b/>".to_owned()),
        Just("&amp;".to_owned()),
        Just("&#x41;".to_owned()),
        Just("&bogus;".to_owned()),
        Just("<![CDATA[x]]>".to_owned()),
        Just("<!-- c -->".to_owned()),
        Just("<?pi x?>".to_owned()),
        Just("<!DOCTYPE x>".to_owned()),
        "[a-z<>/&;=\" ]{0,6}",
    ]
}

fn json_token() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("\"Body\":".to_owned()),
        Just("\"Header\":".to_owned()),
        Just("{".to_owned()),
        Just("}".to_owned()),
        Just("[".to_owned()),
        Just("]".to_owned()),
        Just(",".to_owned()),
        Just("\"_content\":".to_owned()),
        Just("\"_jsns\":".to_owned()),
        Just("\"x\"".to_owned()),
        Just("12".to_owned()),
        Just("true".to_owned()),
        Just("null".to_owned()),
        "[a-z\"{}:,\\[\\] ]{0,6}",
    ]
}

#[test]
fn huge_configured_depth_is_capped() {
    let limits = Limits {
        max_depth: usize::MAX,
        ..Limits::default()
    };
    let depth = inboxd_soap::HARD_MAX_DEPTH;
    let body = String::from(
        r#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>"#,
    ) + &"<a>".repeat(depth)
        + &"</a>".repeat(depth)
        + "</soap:Body></soap:Envelope>";
    assert_eq!(
        parse_request(body.as_bytes(), &limits).unwrap_err().code,
        PARSE_ERROR
    );
}
