//! Round trips: encode → decode gives the same tree, for random trees (proptest) and for the golden
//! requests (decode → encode → decode).

use inboxd_soap::{Element, Format, Limits, NS_ZIMBRA, Value, encode_response, parse_request};
use proptest::prelude::*;

use crate::data;

const NAMESPACES: &[&str] = &["urn:zimbra", "urn:zimbraMail", "urn:zimbraAdmin", "urn:x:y"];
const ELEMENT_NAMES: &[&str] = &[
    "a",
    "b",
    "mods",
    "m",
    "WaitSetResponse",
    "error",
    "context",
    "x_1",
    "é",
];
const ATTR_NAMES: &[&str] = &[
    "id", "seq", "waitSet", "t", "n", "token", "name", "x-y", "a.b", "_u",
];

fn value() -> impl Strategy<Value = Value> {
    prop_oneof![
        text_value().prop_map(Value::Str),
        any::<i64>().prop_map(Value::Int),
        any::<bool>().prop_map(Value::Bool),
    ]
}

/// Strings with XML's hard characters: markup, quotes, line ends, tabs, non-ASCII, U+2028.
fn text_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 &<>\"'\t\n\r\u{e9}\u{1F600}\u{2028};#]{0,12}",
        "\\PC{0,8}"
    ]
}

fn node() -> impl Strategy<Value = Element> {
    let name = proptest::sample::select(ELEMENT_NAMES);
    let ns = proptest::option::of(proptest::sample::select(NAMESPACES));
    let attrs = proptest::collection::vec((proptest::sample::select(ATTR_NAMES), value()), 0..4);
    let text = proptest::option::of(text_value().prop_filter("visible text", |t| {
        !t.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
    }));
    (name, ns, attrs, text).prop_map(|(name, ns, attrs, text)| {
        let mut element = Element::new(name);
        element.ns = ns.map(str::to_owned);
        for (key, value) in attrs {
            if element.attr_value(key).is_none() {
                element.attrs.push((key.to_owned(), value));
            }
        }
        element.text = text;
        element
    })
}

fn tree() -> impl Strategy<Value = Element> {
    node().prop_recursive(4, 40, 5, |inner| {
        (node(), proptest::collection::vec(inner, 0..5)).prop_map(|(mut element, children)| {
            element.children = children;
            element
        })
    })
}

/// Drops `ns` where it equals the parent's, the form decoders produce.
fn normalize_ns(element: &mut Element, parent: Option<&str>) {
    if element.ns.as_deref() == parent {
        element.ns = None;
    }
    let own = element.ns.clone().or_else(|| parent.map(str::to_owned));
    for child in &mut element.children {
        normalize_ns(child, own.as_deref());
    }
}

/// XML carries only strings: every value becomes its XML text.
fn as_xml_strings(element: &Element) -> Element {
    let mut out = element.clone();
    out.attrs = element
        .attrs
        .iter()
        .map(|(k, v)| (k.clone(), Value::Str(v.xml_text().into_owned())))
        .collect();
    out.children = element.children.iter().map(as_xml_strings).collect();
    out
}

/// JSON groups same-named children under one key: stable-sort children into name groups.
fn grouped(element: &Element) -> Element {
    let mut out = element.clone();
    let mut order: Vec<&str> = Vec::new();
    for child in &element.children {
        if !order.contains(&child.name.as_str()) {
            order.push(&child.name);
        }
    }
    out.children = order
        .iter()
        .flat_map(|name| element.children.iter().filter(move |c| c.name == *name))
        .map(grouped)
        .collect();
    out
}

fn context_from(mut element: Element) -> Element {
    element.name = "context".to_owned();
    element.ns.get_or_insert_with(|| NS_ZIMBRA.to_owned());
    normalize_ns(&mut element, None);
    element
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn xml_round_trip(mut body in tree(), context in tree()) {
        normalize_ns(&mut body, None);
        let context = context_from(context);
        for format in [Format::Soap12, Format::Soap11] {
            let bytes = encode_response(format, Some(&context), &body);
            let decoded = parse_request(&bytes, &Limits::default()).unwrap();
            prop_assert_eq!(decoded.format, format);
            prop_assert_eq!(&decoded.body, &as_xml_strings(&body));
            prop_assert_eq!(decoded.context.as_ref(), Some(&as_xml_strings(&context)));
        }
    }

    #[test]
    fn json_round_trip(mut body in tree(), context in tree()) {
        normalize_ns(&mut body, None);
        let context = context_from(context);
        let bytes = encode_response(Format::Json, Some(&context), &body);
        let decoded = parse_request(&bytes, &Limits::default()).unwrap();
        prop_assert_eq!(decoded.format, Format::Json);
        prop_assert_eq!(&decoded.body, &grouped(&body));
        prop_assert_eq!(decoded.context.as_ref(), Some(&grouped(&context)));
    }
}

#[test]
fn golden_requests_survive_decode_encode_decode() {
    let files = [
        "requests/TestWaitSetRequest-soap12.xml",
        "requests/python-zimbra-WaitSetRequest.xml",
        "requests/python-zimbra-AdminCreateWaitSetRequest.json",
        "requests/python-zimbra-nested-authToken.json",
        "requests/zimbra-doc-WaitSetRequest.json",
        "requests/admin-AuthRequest-soap11.xml",
        "requests/user-AuthRequest-unprefixed.xml",
        "requests/DestroyWaitSetRequest-prefixed.xml",
        "requests/python-zimbra-gen-AuthRequest.xml",
        "requests/python-zimbra-gen-AdminAuthRequest.xml",
        "requests/python-zimbra-gen-WaitSetRequest-nested-token.json",
        "requests/python-zimbra-gen-batch.json",
    ];
    for file in files {
        let first = parse_request(&data(file), &Limits::default()).unwrap();
        let bytes = encode_response(first.format, first.context.as_ref(), &first.body);
        let second = parse_request(&bytes, &Limits::default()).unwrap();
        assert_eq!(second.body, first.body, "{file}");
        assert_eq!(second.auth_token(), first.auth_token(), "{file}");
        assert_eq!(second.format, first.format, "{file}");
    }
}
