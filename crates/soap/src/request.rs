//! Request bytes → [`SoapRequest`]: format detection, size limit, envelope rules.
//!
//! What belongs here: everything between the HTTP body and the request element. The format is decided
//! by the first non-whitespace byte (`<` is XML, anything else JSON, like Zimbra's `SoapEngine`), never by
//! the Content-Type (python-zimbra sends `application/x-www-form-urlencoded`). Handlers and HTTP do not
//! belong here.

use crate::element::Element;
use crate::fault::Fault;
use crate::json_read::parse_json;
use crate::xml_read::{parse_xml, relativize};
use crate::{NS_SOAP11, NS_ZIMBRA};

/// Upper bound on [`Limits::max_depth`] whatever the caller asks for: later tree walks (drop, equality,
/// encoding) recurse, and this keeps them far from the stack's end.
pub const HARD_MAX_DEPTH: usize = 512;

/// Limits applied before and while parsing a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted body; larger ones get `service.INVALID_REQUEST`. Default 4 MiB.
    pub max_bytes: usize,
    /// Deepest accepted element nesting, counting the envelope as 1; deeper documents get
    /// `service.PARSE_ERROR`. Default 64; capped at [`HARD_MAX_DEPTH`]. JSON is additionally capped by
    /// serde_json at 128 levels of objects and arrays together.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 4 * 1024 * 1024,
            max_depth: 64,
        }
    }
}

/// The wire format of a request or response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// SOAP 1.2 XML (`http://www.w3.org/2003/05/soap-envelope`); also used for unknown envelope namespaces.
    Soap12,
    /// SOAP 1.1 XML (`http://schemas.xmlsoap.org/soap/envelope/`).
    Soap11,
    /// Zimbra JSON (`{"Header":..,"Body":..}`).
    Json,
}

impl Format {
    /// Whether this is one of the XML formats.
    pub fn is_xml(self) -> bool {
        !matches!(self, Format::Json)
    }
}

/// A parsed request: its format, the `urn:zimbra` `<context>` header, and the request element.
///
/// `context` and `body` are roots: their `ns` is their absolute namespace (`None` = no namespace), and
/// their descendants follow the [`Element`] convention (`ns` only where it changes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SoapRequest {
    /// The format the request arrived in.
    pub format: Format,
    /// The `<context>` element from the Header, if any.
    pub context: Option<Element>,
    /// The first element inside Body: the request itself.
    pub body: Element,
}

impl SoapRequest {
    /// The request element's name, e.g. `WaitSetRequest`.
    pub fn name(&self) -> &str {
        &self.body.name
    }

    /// The request element's namespace, e.g. `urn:zimbraMail`.
    pub fn namespace(&self) -> Option<&str> {
        self.body.ns.as_deref()
    }

    /// The context's `authToken`, read leniently (attribute, child text, nested JSON `_content`).
    /// An empty token counts as none.
    pub fn auth_token(&self) -> Option<String> {
        let token = self.context.as_ref()?.scalar("authToken")?;
        (!token.trim().is_empty()).then_some(token)
    }

    /// The format to answer in: the request's, unless the context holds `<format type="js"/>` (→ JSON)
    /// or `<format type="xml"/>` in a JSON request (→ SOAP 1.2).
    pub fn response_format(&self) -> Format {
        let requested = self
            .context
            .as_ref()
            .and_then(|c| c.child("format"))
            .and_then(|f| f.scalar("type"))
            .map(|t| t.to_ascii_lowercase());
        match (requested.as_deref(), self.format) {
            (Some("js"), _) => Format::Json,
            (Some("xml"), Format::Json) => Format::Soap12,
            (_, format) => format,
        }
    }
}

/// Parses a request body. Never panics; every problem is a [`Fault`]:
/// too large → `service.INVALID_REQUEST`; invalid UTF-8, empty body, malformed XML/JSON, `<!DOCTYPE`,
/// too deep, no Envelope, no Body or an empty Body → `service.PARSE_ERROR`.
pub fn parse_request(body: &[u8], limits: &Limits) -> Result<SoapRequest, Fault> {
    if body.len() > limits.max_bytes {
        return Err(Fault::invalid_request(format!(
            "request too large: {} bytes (limit {})",
            body.len(),
            limits.max_bytes
        )));
    }
    let text = std::str::from_utf8(body)
        .map_err(|e| Fault::parse_error(format!("request is not valid UTF-8: {e}")))?;
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    match text.trim_start().as_bytes().first() {
        None => Err(Fault::parse_error("empty request")),
        Some(b'<') => parse_xml_envelope(text, limits),
        Some(_) => parse_json_envelope(text, limits),
    }
}

fn parse_xml_envelope(text: &str, limits: &Limits) -> Result<SoapRequest, Fault> {
    let envelope = parse_xml(text, limits.max_depth.min(HARD_MAX_DEPTH))?;
    if envelope.name != "Envelope" {
        return Err(Fault::parse_error(format!(
            "expected SOAP Envelope, found <{}>",
            envelope.name
        )));
    }
    let format = match envelope.ns.as_deref() {
        Some(NS_SOAP11) => Format::Soap11,
        _ => Format::Soap12,
    };
    let (mut context, mut body) = split_envelope(envelope)?;
    if let Some(context) = context.as_mut() {
        relativize(context, None);
    }
    relativize(&mut body, None);
    Ok(SoapRequest {
        format,
        context,
        body,
    })
}

fn parse_json_envelope(text: &str, limits: &Limits) -> Result<SoapRequest, Fault> {
    let root = parse_json(text, limits.max_depth.min(HARD_MAX_DEPTH))?;
    let (mut context, body) = split_envelope(root)?;
    // JSON clients often omit `_jsns` on the context; it is urn:zimbra by definition.
    if let Some(context) = context.as_mut() {
        context.ns.get_or_insert_with(|| NS_ZIMBRA.to_owned());
    }
    Ok(SoapRequest {
        format: Format::Json,
        context,
        body,
    })
}

/// Takes `Header/context` (optional) and the first element of `Body` (required) out of an envelope.
fn split_envelope(envelope: Element) -> Result<(Option<Element>, Element), Fault> {
    let mut header = None;
    let mut body = None;
    for child in envelope.children {
        match child.name.as_str() {
            "Header" if header.is_none() => header = Some(child),
            "Body" if body.is_none() => body = Some(child),
            _ => {}
        }
    }
    let body = body.ok_or_else(|| Fault::parse_error("missing SOAP Body"))?;
    let request = body.children.into_iter().next();
    let request = request.ok_or_else(|| Fault::parse_error("empty SOAP Body"))?;
    let context = header.and_then(|h| h.children.into_iter().find(|c| c.name == "context"));
    Ok((context, request))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(format: Format, context: Option<Element>) -> SoapRequest {
        SoapRequest {
            format,
            context,
            body: Element::new("NoOpRequest"),
        }
    }

    fn with_format(kind: &str) -> Option<Element> {
        Some(Element::new("context").with_child(Element::new("format").with_attr("type", kind)))
    }

    #[test]
    fn response_format_follows_the_context() {
        assert_eq!(
            request(Format::Soap12, with_format("js")).response_format(),
            Format::Json
        );
        assert_eq!(
            request(Format::Soap11, with_format("JS")).response_format(),
            Format::Json
        );
        assert_eq!(
            request(Format::Json, with_format("xml")).response_format(),
            Format::Soap12
        );
        assert_eq!(
            request(Format::Soap11, with_format("xml")).response_format(),
            Format::Soap11
        );
        assert_eq!(request(Format::Json, None).response_format(), Format::Json);
        assert_eq!(
            request(Format::Soap12, with_format("weird")).response_format(),
            Format::Soap12
        );
    }

    #[test]
    fn blank_auth_token_counts_as_none() {
        let context = Element::new("context").with_child(Element::text_child("authToken", " "));
        assert_eq!(request(Format::Soap12, Some(context)).auth_token(), None);
        let context = Element::new("context").with_attr("authToken", "T");
        assert_eq!(
            request(Format::Json, Some(context)).auth_token().as_deref(),
            Some("T")
        );
    }

    #[test]
    fn format_is_detected_from_the_first_byte() {
        let limits = Limits::default();
        let xml = br#" <Envelope><Body><R/></Body></Envelope>"#;
        assert_eq!(parse_request(xml, &limits).unwrap().format, Format::Soap12);
        let soap11 = br#"<E:Envelope xmlns:E="http://schemas.xmlsoap.org/soap/envelope/"><E:Body><R/></E:Body></E:Envelope>"#;
        assert_eq!(
            parse_request(soap11, &limits).unwrap().format,
            Format::Soap11
        );
        let json = br#"{"Body":{"R":{}}}"#;
        assert_eq!(parse_request(json, &limits).unwrap().format, Format::Json);
    }
}
