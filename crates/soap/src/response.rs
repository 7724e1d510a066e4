//! Responses and faults → bytes, in SOAP 1.2, SOAP 1.1 or Zimbra JSON.
//!
//! What belongs here: the envelope framing Zimbra puts around a response or fault, and the content
//! types. A Header with a `urn:zimbra` context is always written (empty when the caller gives none), as
//! Zimbra does. Element serialization itself lives in `xml_write.rs` and `json_write.rs`.

use crate::element::Element;
use crate::fault::{Fault, FaultArg};
use crate::json_write::{write_object, write_string};
use crate::request::Format;
use crate::xml_write::{escape_text, write_element};
use crate::{NS_SOAP_JSON, NS_SOAP11, NS_SOAP12, NS_ZIMBRA};

/// Text of `Detail/Error/Trace`. Zimbra puts its thread name there; ours is a constant.
const TRACE: &str = "inboxd";

/// The HTTP `Content-Type` for a response in `format`.
pub fn content_type(format: Format) -> &'static str {
    match format {
        Format::Soap12 | Format::Soap11 => "text/xml; charset=utf-8",
        Format::Json => "text/javascript; charset=utf-8",
    }
}

/// Encodes a response: `context` goes into the Header (default namespace `urn:zimbra`), `body` is the
/// response element (e.g. `WaitSetResponse` in `urn:zimbraMail`).
pub fn encode_response(format: Format, context: Option<&Element>, body: &Element) -> Vec<u8> {
    match format {
        Format::Soap12 => xml_envelope(NS_SOAP12, context, |out| write_element(out, body, None)),
        Format::Soap11 => xml_envelope(NS_SOAP11, context, |out| write_element(out, body, None)),
        Format::Json => json_envelope(context, body),
    }
    .into_bytes()
}

/// Encodes a fault with an empty context. SOAP 1.2 uses `Code/Value` (`soap:Sender`/`soap:Receiver`),
/// `Reason/Text` and `Detail/Error`; SOAP 1.1 uses `faultcode` (`soap:Client`/`soap:Server`),
/// `faultstring` and `detail/Error`; JSON mirrors SOAP 1.2 with the texts as plain keys.
pub fn encode_fault(format: Format, fault: &Fault) -> Vec<u8> {
    match format {
        Format::Soap12 => xml_envelope(NS_SOAP12, None, |out| soap12_fault(out, fault)),
        Format::Soap11 => xml_envelope(NS_SOAP11, None, |out| soap11_fault(out, fault)),
        Format::Json => json_envelope(None, &json_fault(fault)),
    }
    .into_bytes()
}

fn xml_envelope(
    soap_ns: &str,
    context: Option<&Element>,
    body: impl FnOnce(&mut String),
) -> String {
    let mut out = String::with_capacity(512);
    out.push_str("<soap:Envelope xmlns:soap=\"");
    out.push_str(soap_ns);
    out.push_str("\"><soap:Header>");
    write_element(&mut out, &context_element(context), None);
    out.push_str("</soap:Header><soap:Body>");
    body(&mut out);
    out.push_str("</soap:Body></soap:Envelope>");
    out
}

fn json_envelope(context: Option<&Element>, body: &Element) -> String {
    let mut out = String::with_capacity(512);
    out.push_str("{\"Header\":{\"context\":");
    write_object(&mut out, &context_element(context), None);
    out.push_str("},\"Body\":{");
    write_string(&mut out, &body.name);
    out.push(':');
    write_object(&mut out, body, None);
    out.push_str("},\"_jsns\":\"");
    out.push_str(NS_SOAP_JSON);
    out.push_str("\"}");
    out
}

/// The header context, named `context` and defaulting to `urn:zimbra`.
fn context_element(context: Option<&Element>) -> Element {
    let mut context = context.cloned().unwrap_or_default();
    context.name = "context".to_owned();
    context.ns.get_or_insert_with(|| NS_ZIMBRA.to_owned());
    context
}

fn soap12_fault(out: &mut String, fault: &Fault) {
    let value = if fault.receiver {
        "soap:Receiver"
    } else {
        "soap:Sender"
    };
    out.push_str("<soap:Fault><soap:Code><soap:Value>");
    out.push_str(value);
    out.push_str("</soap:Value></soap:Code><soap:Reason><soap:Text>");
    escape_text(out, &fault.reason);
    out.push_str("</soap:Text></soap:Reason><soap:Detail>");
    write_element(out, &error_detail(fault), None);
    out.push_str("</soap:Detail></soap:Fault>");
}

fn soap11_fault(out: &mut String, fault: &Fault) {
    let code = if fault.receiver {
        "soap:Server"
    } else {
        "soap:Client"
    };
    out.push_str("<soap:Fault><faultcode>");
    out.push_str(code);
    out.push_str("</faultcode><faultstring>");
    escape_text(out, &fault.reason);
    out.push_str("</faultstring><detail>");
    write_element(out, &error_detail(fault), None);
    out.push_str("</detail></soap:Fault>");
}

/// `<Error xmlns="urn:zimbra"><Code/><Trace/><a n t/>*</Error>` for the XML formats.
fn error_detail(fault: &Fault) -> Element {
    let mut error = Element::ns("Error", NS_ZIMBRA)
        .with_child(Element::text_child("Code", fault.code.as_str()))
        .with_child(Element::text_child("Trace", TRACE));
    for arg in &fault.args {
        error.push(arg_element(arg));
    }
    error
}

/// The JSON fault: Zimbra renders the leaf texts of the SOAP fault as plain keys.
fn json_fault(fault: &Fault) -> Element {
    let value = if fault.receiver {
        "soap:Receiver"
    } else {
        "soap:Sender"
    };
    let mut error = Element::ns("Error", NS_ZIMBRA)
        .with_attr("Code", fault.code.as_str())
        .with_attr("Trace", TRACE);
    for arg in &fault.args {
        error.push(arg_element(arg).json_list());
    }
    Element::new("Fault")
        .with_child(Element::new("Code").with_attr("Value", value))
        .with_child(Element::new("Reason").with_attr("Text", fault.reason.as_str()))
        .with_child(Element::new("Detail").with_child(error))
}

fn arg_element(arg: &FaultArg) -> Element {
    Element::new("a")
        .with_attr("n", arg.name.as_str())
        .with_attr("t", arg.kind.as_str())
        .with_text(arg.value.as_str())
}

/// A fault as an element, for answers that hold several results (BatchResponse): the SOAP 1.2 or 1.1 `Fault`
/// layout in its envelope namespace for XML, Zimbra's JSON layout for JSON.
pub fn fault_element(format: Format, fault: &Fault) -> Element {
    match format {
        Format::Json => json_fault(fault),
        Format::Soap12 => {
            let value = if fault.receiver {
                "soap:Receiver"
            } else {
                "soap:Sender"
            };
            Element::ns("Fault", NS_SOAP12)
                .with_child(Element::new("Code").with_child(Element::text_child("Value", value)))
                .with_child(
                    Element::new("Reason")
                        .with_child(Element::text_child("Text", fault.reason.as_str())),
                )
                .with_child(Element::new("Detail").with_child(error_detail(fault)))
        }
        Format::Soap11 => {
            let code = if fault.receiver {
                "soap:Server"
            } else {
                "soap:Client"
            };
            // SOAP 1.1 fault children are unqualified: `Some("")` is "no namespace".
            let unqualified = |mut el: Element| {
                el.ns = Some(String::new());
                el
            };
            Element::ns("Fault", NS_SOAP11)
                .with_child(unqualified(Element::text_child("faultcode", code)))
                .with_child(unqualified(Element::text_child(
                    "faultstring",
                    fault.reason.as_str(),
                )))
                .with_child(unqualified(Element::new("detail")).with_child(error_detail(fault)))
        }
    }
}

#[cfg(test)]
mod fault_element_tests {
    use super::*;
    use crate::{Limits, parse_request};

    /// A fault element inside another body reads back with its Zimbra code in every format.
    #[test]
    fn fault_elements_round_trip_inside_a_body() {
        let fault = Fault::no_such_item(42);
        for format in [Format::Soap12, Format::Soap11, Format::Json] {
            let body = Element::ns("BatchResponse", NS_ZIMBRA)
                .with_child(fault_element(format, &fault).with_attr("requestId", "7"));
            let bytes = encode_response(format, None, &body);
            let parsed = parse_request(&bytes, &Limits::default()).unwrap();
            let f = parsed.body.child("Fault").unwrap();
            assert_eq!(f.scalar("requestId").as_deref(), Some("7"), "{format:?}");
            let detail = f.child("Detail").or_else(|| f.child("detail")).unwrap();
            let code = detail.child("Error").and_then(|e| e.scalar("Code"));
            assert_eq!(code.as_deref(), Some("mail.NO_SUCH_ITEM"), "{format:?}");
        }
    }
}
