//! Zimbra SOAP wire layer: the generic element tree, XML and JSON codecs, envelopes and faults.
//!
//! What belongs here: bytes ↔ [`SoapRequest`] ([`parse_request`]), [`Element`] ↔ bytes
//! ([`encode_response`], [`encode_fault`]), the lenient readers handlers use, and [`Fault`] with
//! Zimbra's codes and reason texts. What does not: HTTP (the server crate owns it), authentication,
//! and the meaning of any request (handlers live in the server).
//!
//! Conventions worth knowing:
//! * [`Element::ns`] is the namespace *where it changes*; `None` inherits the parent's.
//! * JSON output of children follows [`JsonShape`]; XML ignores it.
//! * Parsing never panics and refuses DTDs; every failure is a [`Fault`] (`service.PARSE_ERROR` or
//!   `service.INVALID_REQUEST`).
//! * Element and attribute names are written verbatim; build them from constants, not from input.
//!
//! ```
//! use inboxd_soap::{Element, Format, Limits, NS_MAIL, encode_response, parse_request};
//!
//! let body = br#"<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"><soap:Body>
//!   <WaitSetRequest xmlns="urn:zimbraMail" waitSet="WaitSet-1" seq="0" block="1"/></soap:Body></soap:Envelope>"#;
//! let request = parse_request(body, &Limits::default())?;
//! assert_eq!(request.name(), "WaitSetRequest");
//! assert_eq!(request.body.bool_opt("block")?, Some(true));
//!
//! let response = Element::ns("WaitSetResponse", NS_MAIL)
//!     .with_attr("waitSet", request.body.required("waitSet")?)
//!     .with_attr("seq", "0");
//! let bytes = encode_response(request.response_format(), None, &response);
//! assert!(bytes.ends_with(b"<WaitSetResponse xmlns=\"urn:zimbraMail\" waitSet=\"WaitSet-1\" seq=\"0\"/></soap:Body></soap:Envelope>"));
//! assert_eq!(request.response_format(), Format::Soap12);
//! # Ok::<(), inboxd_soap::Fault>(())
//! ```

mod element;
mod fault;
mod json_read;
mod json_write;
mod read;
mod request;
mod response;
mod xml_read;
mod xml_write;

pub use element::{Element, JsonShape, Value};
pub use fault::{ArgKind, Fault, FaultArg};
pub use request::{Format, HARD_MAX_DEPTH, Limits, SoapRequest, parse_request};
pub use response::{content_type, encode_fault, encode_response, fault_element};

/// SOAP 1.2 envelope namespace.
pub const NS_SOAP12: &str = "http://www.w3.org/2003/05/soap-envelope";
/// SOAP 1.1 envelope namespace.
pub const NS_SOAP11: &str = "http://schemas.xmlsoap.org/soap/envelope/";
/// Zimbra header namespace (`<context>`, fault `<Error>`, `<mods>`).
pub const NS_ZIMBRA: &str = "urn:zimbra";
/// Account service namespace (user `AuthRequest`).
pub const NS_ACCOUNT: &str = "urn:zimbraAccount";
/// Mail service namespace (user WaitSet requests).
pub const NS_MAIL: &str = "urn:zimbraMail";
/// Admin service namespace (admin auth and WaitSet requests).
pub const NS_ADMIN: &str = "urn:zimbraAdmin";
/// The `_jsns` of a JSON envelope.
pub const NS_SOAP_JSON: &str = "urn:zimbraSoap";
