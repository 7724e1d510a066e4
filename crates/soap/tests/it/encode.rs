//! Known-answer encoding: responses and faults byte for byte, compared with `test-data/responses/`.

use inboxd_soap::{Element, Fault, Format, NS_ACCOUNT, NS_MAIL, NS_ZIMBRA};
use inboxd_soap::{content_type, encode_fault, encode_response};

use crate::golden;

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).unwrap()
}

fn auth_context() -> Element {
    Element::new("context").with_child(Element::new("change").with_attr("token", 32929i64))
}

fn auth_response() -> Element {
    Element::ns("AuthResponse", NS_ACCOUNT)
        .with_child(Element::text_child("authToken", "0_bce9").json_list())
        .with_child(Element::text_child("lifetime", "36000000").json_attr())
        .with_child(Element::text_child("skin", "zextras").json_list())
        .with_child(Element::text_child("csrfToken", "0_4a4f"))
}

fn waitset_response(seq: &str) -> Element {
    Element::ns("WaitSetResponse", NS_MAIL)
        .with_attr("waitSet", "WaitSet-1")
        .with_attr("seq", seq)
        .with_child(
            Element::new("a")
                .with_attr("id", "acct-1")
                .with_attr("changeid", 271i64)
                .json_list(),
        )
        .with_child(
            Element::new("error")
                .with_attr("id", "acct-2")
                .with_attr("type", "NOT_IN_SET_DURING_UPDATE")
                .json_list(),
        )
}

#[test]
fn auth_response_json_matches_captured_zimbra_shape() {
    let out = encode_response(Format::Json, Some(&auth_context()), &auth_response());
    assert_eq!(text(out), golden("responses/AuthResponse.json"));
}

#[test]
fn auth_response_xml_keeps_lifetime_as_element() {
    let out = encode_response(Format::Soap12, Some(&auth_context()), &auth_response());
    assert_eq!(text(out), golden("responses/AuthResponse.soap12.xml"));
}

#[test]
fn create_waitset_response_json_has_numeric_seq() {
    let body = Element::ns("CreateWaitSetResponse", NS_MAIL)
        .with_attr("waitSet", "WaitSet-064715ab-1867-4254-ac38-63bfd6255484")
        .with_attr("defTypes", "f,m,c")
        .with_attr("seq", 0u64);
    let out = encode_response(Format::Json, None, &body);
    assert_eq!(text(out), golden("responses/CreateWaitSetResponse.json"));
}

#[test]
fn waitset_response_json_has_string_seq_and_arrays() {
    let out = encode_response(Format::Json, None, &waitset_response("3"));
    assert_eq!(text(out), golden("responses/WaitSetResponse.json"));
}

#[test]
fn waitset_response_xml_with_mods_in_urn_zimbra() {
    let mods = Element::ns("mods", NS_ZIMBRA)
        .with_attr("id", 2i64)
        .with_child(
            Element::ns("created", NS_MAIL).with_child(
                Element::new("m")
                    .with_attr("id", 258i64)
                    .with_attr("i4uid", 258i64)
                    .with_attr("t", "message")
                    .with_attr("f", 0i64)
                    .with_attr("tn", ""),
            ),
        );
    let mut body = waitset_response("2");
    body.children[0].push(mods);
    let out = encode_response(Format::Soap12, None, &body);
    assert_eq!(
        text(out),
        golden("responses/WaitSetResponse-mods.soap12.xml")
    );
}

#[test]
fn canceled_response_renders_booleans_per_format() {
    let body = Element::ns("WaitSetResponse", NS_MAIL)
        .with_attr("waitSet", "WaitSet-1")
        .with_attr("canceled", true);
    assert_eq!(
        text(encode_response(Format::Json, None, &body)),
        golden("responses/WaitSetResponse-canceled.json")
    );
    assert_eq!(
        text(encode_response(Format::Soap12, None, &body)),
        golden("responses/WaitSetResponse-canceled.soap12.xml")
    );
}

#[test]
fn faults_match_zimbra_layouts() {
    let no_such = Fault::no_such_waitset_admin("WaitSet-abc");
    assert_eq!(
        text(encode_fault(Format::Soap12, &no_such)),
        golden("responses/fault-no-such-waitset.soap12.xml")
    );
    assert_eq!(
        text(encode_fault(Format::Json, &no_such)),
        golden("responses/fault-no-such-waitset.json")
    );
    let auth = Fault::auth_failed("asd");
    assert_eq!(
        text(encode_fault(Format::Json, &auth)),
        golden("responses/fault-auth-failed.json")
    );
    let failure = Fault::failure("boom & bust");
    assert_eq!(
        text(encode_fault(Format::Soap11, &failure)),
        golden("responses/fault-failure.soap11.xml")
    );
}

#[test]
fn receiver_faults_use_receiver_code() {
    let out = text(encode_fault(Format::Soap12, &Fault::failure("x")));
    assert!(
        out.contains("<soap:Value>soap:Receiver</soap:Value>"),
        "{out}"
    );
    let out = text(encode_fault(Format::Json, &Fault::failure("x")));
    assert!(out.contains(r#""Code":{"Value":"soap:Receiver"}"#), "{out}");
}

#[test]
fn xml_output_is_compact() {
    let mut body = waitset_response("5");
    body.push(Element::new("x").with_child(Element::text_child("y", "text with  spaces")));
    for format in [Format::Soap12, Format::Soap11] {
        let out = text(encode_response(format, Some(&auth_context()), &body));
        assert!(!out.contains('\n'), "{out}");
        assert!(!out.contains("> "), "{out}");
        assert!(!out.contains(" <"), "{out}");
        let out = text(encode_fault(format, &Fault::no_such_item(5)));
        assert!(
            !out.contains('\n') && !out.contains("> ") && !out.contains(" <"),
            "{out}"
        );
    }
}

#[test]
fn content_types() {
    assert_eq!(content_type(Format::Soap12), "text/xml; charset=utf-8");
    assert_eq!(content_type(Format::Soap11), "text/xml; charset=utf-8");
    assert_eq!(content_type(Format::Json), "text/javascript; charset=utf-8");
}

#[test]
fn encoded_json_parses_as_json() {
    let out = encode_response(Format::Json, Some(&auth_context()), &auth_response());
    let value: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(value["Body"]["AuthResponse"]["lifetime"], 36000000);
    assert_eq!(value["_jsns"], "urn:zimbraSoap");
}
