//! Known-answer decoding of real client requests (Zimbra's own tests, python-zimbra, store/docs).

use inboxd_soap::{Element, Format, Limits, NS_ADMIN, NS_MAIL, NS_ZIMBRA, SoapRequest, Value};
use inboxd_soap::{NS_ACCOUNT, parse_request};

use crate::data;

fn parse(relative: &str) -> SoapRequest {
    parse_request(&data(relative), &Limits::default()).unwrap()
}

#[test]
fn zimbra_test_waitset_request_envelope() {
    let req = parse("requests/TestWaitSetRequest-soap12.xml");
    assert_eq!(req.format, Format::Soap12);
    assert_eq!(req.response_format(), Format::Soap12);
    assert_eq!(req.auth_token().as_deref(), Some("0_abc123"));
    let context = req.context.as_ref().unwrap();
    assert_eq!(context.ns.as_deref(), Some(NS_ZIMBRA));
    assert!(context.child("nosession").is_some());
    assert_eq!(
        context
            .child("userAgent")
            .unwrap()
            .scalar("name")
            .as_deref(),
        Some("Zimbra Junit")
    );
    let expected = Element::ns("CreateWaitSetRequest", NS_MAIL)
        .with_attr("defTypes", "all")
        .with_child(Element::new("add").with_child(Element::new("a").with_attr("id", "ACCTID")));
    assert_eq!(req.body, expected);
    assert_eq!(
        (req.name(), req.namespace()),
        ("CreateWaitSetRequest", Some(NS_MAIL))
    );
}

#[test]
fn python_zimbra_xml_waitset_request() {
    let req = parse("requests/python-zimbra-WaitSetRequest.xml");
    assert_eq!(req.format, Format::Soap12);
    assert_eq!(req.response_format(), Format::Soap12);
    assert_eq!(req.auth_token().as_deref(), Some("TOKX"));
    assert_eq!(req.body.name, "WaitSetRequest");
    assert_eq!(req.body.ns.as_deref(), Some(NS_MAIL));
    assert_eq!(req.body.required("waitSet").unwrap(), "ws-1");
    assert_eq!(req.body.int_opt::<u64>("seq").unwrap(), Some(2));
    assert_eq!(req.body.bool_opt("block").unwrap(), Some(true));
    assert_eq!(req.body.int_opt::<u32>("timeout").unwrap(), Some(30));
    assert_eq!(req.body.bool_opt("expand").unwrap(), None);
}

#[test]
fn python_zimbra_json_admin_create() {
    let req = parse("requests/python-zimbra-AdminCreateWaitSetRequest.json");
    assert_eq!(req.format, Format::Json);
    assert_eq!(req.response_format(), Format::Json);
    assert_eq!(req.auth_token().as_deref(), Some("0_tok"));
    let body = &req.body;
    assert_eq!(
        (body.name.as_str(), body.ns.as_deref()),
        ("AdminCreateWaitSetRequest", Some(NS_ADMIN))
    );
    assert_eq!(body.scalar("defTypes").as_deref(), Some("all"));
    assert_eq!(body.bool_opt("allAccounts").unwrap(), Some(false));
    let add = body.child("add").unwrap();
    let accounts: Vec<_> = add
        .children_named("a")
        .map(|a| (a.scalar("id"), a.scalar("token")))
        .collect();
    assert_eq!(
        accounts,
        [
            (Some("acct-1".into()), None),
            (Some("acct-2".into()), Some("5".into()))
        ]
    );
}

#[test]
fn python_zimbra_json_mode_nested_auth_token() {
    let req = parse("requests/python-zimbra-nested-authToken.json");
    assert_eq!(req.auth_token().as_deref(), Some("0_nested"));
    assert_eq!(req.body.attr_value("seq"), Some(&Value::Int(0)));
    assert_eq!(req.body.int_opt::<u64>("seq").unwrap(), Some(0));
    assert_eq!(req.body.bool_opt("block").unwrap(), Some(true));
}

#[test]
fn zimbra_docs_json_waitset_request() {
    let req = parse("requests/zimbra-doc-WaitSetRequest.json");
    assert_eq!(req.format, Format::Json);
    assert_eq!(req.auth_token().as_deref(), Some("0_doc"));
    assert_eq!(req.body.ns.as_deref(), Some(NS_MAIL));
    assert_eq!(req.body.scalar("seq").as_deref(), Some("2"));
    assert_eq!(req.body.bool_opt("block").unwrap(), Some(true));
}

#[test]
fn soap11_admin_auth_with_attribute_and_element_scalars() {
    let req = parse("requests/admin-AuthRequest-soap11.xml");
    assert_eq!(req.format, Format::Soap11);
    assert_eq!(req.response_format(), Format::Json);
    assert_eq!(req.auth_token().as_deref(), Some("T11"));
    assert_eq!(req.body.ns.as_deref(), Some(NS_ADMIN));
    assert_eq!(req.body.required("password").unwrap(), "pw");
    assert_eq!(req.body.required("name").unwrap(), "admin@example.test");
}

#[test]
fn unprefixed_envelope_user_auth() {
    let req = parse("requests/user-AuthRequest-unprefixed.xml");
    assert_eq!(req.format, Format::Soap12);
    assert_eq!(req.context, None);
    assert_eq!(req.auth_token(), None);
    assert_eq!(req.body.ns.as_deref(), Some(NS_ACCOUNT));
    let account = req.body.child("account").unwrap();
    assert_eq!(account.scalar("by").as_deref(), Some("name"));
    assert_eq!(account.text_content(), Some("user@example.test"));
    assert_eq!(req.body.required("password").unwrap(), "p&w<d");
}

#[test]
fn prefixed_body_and_context() {
    let req = parse("requests/DestroyWaitSetRequest-prefixed.xml");
    assert_eq!(req.auth_token().as_deref(), Some("TP"));
    assert_eq!(
        req.body,
        Element::ns("DestroyWaitSetRequest", NS_MAIL).with_attr("waitSet", "WaitSet-9")
    );
}

#[test]
fn format_override_from_json_to_xml() {
    let json = br#"{"Header":{"context":{"format":{"type":"xml"}}},"Body":{"NoOpRequest":{"_jsns":"urn:zimbraMail"}}}"#;
    let req = parse_request(json, &Limits::default()).unwrap();
    assert_eq!(req.format, Format::Json);
    assert_eq!(req.response_format(), Format::Soap12);
    // A JSON context without `_jsns` is still the urn:zimbra context.
    assert_eq!(req.context.unwrap().ns.as_deref(), Some(NS_ZIMBRA));
}

#[test]
fn byte_order_mark_and_leading_whitespace_are_accepted() {
    let mut body = b"\xEF\xBB\xBF \r\n\t".to_vec();
    body.extend(data("requests/python-zimbra-WaitSetRequest.xml"));
    let req = parse_request(&body, &Limits::default()).unwrap();
    assert_eq!(req.body.name, "WaitSetRequest");
}

/// Requests produced by python-zimbra 2.4 itself (`RequestXml`/`RequestJson.get_request()`).
#[test]
fn python_zimbra_generated_requests() {
    let user = parse("requests/python-zimbra-gen-AuthRequest.xml");
    assert_eq!(
        (user.format, user.response_format()),
        (Format::Soap12, Format::Soap12)
    );
    assert_eq!(user.body.ns.as_deref(), Some(NS_ACCOUNT));
    assert_eq!(user.body.required("account").unwrap(), "user@example.test");
    assert_eq!(user.body.required("password").unwrap(), "s3cr&t");

    let admin = parse("requests/python-zimbra-gen-AdminAuthRequest.xml");
    assert_eq!(admin.body.ns.as_deref(), Some(NS_ADMIN));
    assert_eq!(admin.body.required("name").unwrap(), "admin@example.test");
    assert_eq!(admin.body.required("password").unwrap(), "pw");
    assert_eq!(admin.auth_token(), None);

    let wait = parse("requests/python-zimbra-gen-WaitSetRequest-nested-token.json");
    assert_eq!(wait.auth_token().as_deref(), Some("TOKEN"));
    assert_eq!(wait.body.int_opt::<u64>("seq").unwrap(), Some(0));

    let batch = parse("requests/python-zimbra-gen-batch.json");
    assert_eq!(
        (batch.name(), batch.namespace()),
        ("BatchRequest", Some(NS_ZIMBRA))
    );
    let inner: Vec<_> = batch
        .body
        .children
        .iter()
        .map(|c| (c.name.as_str(), c.scalar("requestId")))
        .collect();
    assert_eq!(
        inner,
        [
            ("WaitSetRequest", Some("1".into())),
            ("NoOpRequest", Some("2".into()))
        ]
    );
    assert_eq!(batch.body.children[0].ns.as_deref(), Some(NS_MAIL));
}
