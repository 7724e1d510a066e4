//! XML bytes → [`Element`] tree, with namespace resolution and the security limits.
//!
//! What belongs here: the quick-xml event loop, our own prefix → URI scopes, entity handling (only the
//! five predefined entities and numeric character references; any `<!DOCTYPE` is refused, so no
//! entity can expand), and the depth limit. Envelope rules (Header, Body) live in `request.rs`.
//!
//! The tree is built iteratively (an explicit stack), so hostile nesting cannot overflow the call stack.
//! Every element comes out with its *absolute* namespace in `ns` (`None` = no namespace); the caller
//! makes them relative with [`relativize`].

use quick_xml::XmlVersion;
use quick_xml::escape::resolve_xml_entity;
use quick_xml::events::{BytesRef, BytesStart, Event};
use quick_xml::reader::Reader;

use crate::element::{Element, Value};
use crate::fault::Fault;

/// The namespace bound to the `xml` prefix by the XML spec.
const NS_XML: &str = "http://www.w3.org/XML/1998/namespace";

/// One open element: the element so far, its text, and where its namespace declarations start.
struct Frame {
    element: Element,
    text: String,
    scope_mark: usize,
}

/// Parser state: open elements, namespace declarations in scope, and the finished root.
struct Builder {
    stack: Vec<Frame>,
    /// `(prefix, uri)`; the default namespace has prefix `""`, an undeclared one has `uri == None`.
    scopes: Vec<(String, Option<String>)>,
    root: Option<Element>,
    max_depth: usize,
}

/// Parses one XML document into its root element, with absolute namespaces.
pub(crate) fn parse_xml(text: &str, max_depth: usize) -> Result<Element, Fault> {
    let mut reader = Reader::from_str(text);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.allow_unmatched_ends = false;
    config.expand_empty_elements = false;
    let mut builder = Builder {
        stack: Vec::new(),
        scopes: Vec::new(),
        root: None,
        max_depth,
    };
    loop {
        let event = reader.read_event().map_err(|e| {
            Fault::parse_error(format!("{e} (at byte {})", reader.error_position()))
        })?;
        match event {
            Event::Start(start) => builder.open(&start)?,
            Event::Empty(start) => {
                builder.open(&start)?;
                builder.close();
            }
            Event::End(_) => builder.close(),
            Event::Text(t) => builder.text(&t.xml10_content())?,
            Event::CData(t) => builder.text(&t.xml10_content())?,
            Event::GeneralRef(r) => builder.text(&resolve_reference(&r)?)?,
            Event::DocType(_) => return Err(Fault::parse_error("DOCTYPE is not allowed")),
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) => {}
            Event::Eof => return builder.finish(),
        }
    }
}

/// Turns absolute namespaces into the tree convention: `ns` is `Some` only where it differs from
/// `parent_ns` (the parent's absolute namespace). Leaving a namespace for none becomes `Some("")`.
pub(crate) fn relativize(element: &mut Element, parent_ns: Option<&str>) {
    let own = element.ns.take();
    for child in &mut element.children {
        relativize(child, own.as_deref());
    }
    element.ns = match (own, parent_ns) {
        (own, parent) if own.as_deref() == parent => None,
        (None, Some(_)) => Some(String::new()),
        (own, _) => own,
    };
}

/// `&name;` → its text: numeric character references and the five predefined entities only.
fn resolve_reference(reference: &BytesRef<'_>) -> Result<String, Fault> {
    if reference.is_char_ref() {
        return match reference.resolve_char_ref() {
            Ok(Some(c)) => Ok(c.to_string()),
            _ => Err(Fault::parse_error("invalid character reference")),
        };
    }
    let name = reference.xml10_content();
    resolve_xml_entity(&name)
        .map(str::to_owned)
        .ok_or_else(|| Fault::parse_error(format!("undefined entity &{name};")))
}

impl Builder {
    fn open(&mut self, start: &BytesStart<'_>) -> Result<(), Fault> {
        if self.root.is_some() {
            return Err(Fault::parse_error("content after the root element"));
        }
        if self.stack.len() >= self.max_depth {
            return Err(Fault::parse_error(format!(
                "nesting deeper than {}",
                self.max_depth
            )));
        }
        let scope_mark = self.scopes.len();
        let mut attrs = Vec::new();
        for attr in start.attributes() {
            let attr = attr.map_err(|e| Fault::parse_error(format!("bad attribute: {e}")))?;
            let value = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map_err(|e| Fault::parse_error(format!("bad attribute value: {e}")))?;
            let key = attr.key.as_ref();
            if key == "xmlns" {
                self.scopes.push((String::new(), non_empty(&value)));
            } else if let Some(prefix) = key.strip_prefix("xmlns:") {
                self.scopes.push((prefix.to_owned(), non_empty(&value)));
            } else {
                attrs.push((local_part(key).to_owned(), Value::Str(value.into_owned())));
            }
        }
        let qname = start.name();
        let (name, ns) = match qname.as_ref().split_once(':') {
            Some((prefix, local)) => (local, self.resolve(prefix)?),
            None => (qname.as_ref(), self.resolve("")?),
        };
        let element = Element {
            name: name.to_owned(),
            ns,
            attrs,
            ..Element::default()
        };
        self.stack.push(Frame {
            element,
            text: String::new(),
            scope_mark,
        });
        Ok(())
    }

    /// Closes the innermost element; quick-xml has already checked that the end tag matches.
    fn close(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        self.scopes.truncate(frame.scope_mark);
        let mut element = frame.element;
        let has_text = !frame.text.is_empty()
            && (element.children.is_empty() || !is_xml_whitespace(&frame.text));
        element.text = has_text.then_some(frame.text);
        match self.stack.last_mut() {
            Some(parent) => parent.element.children.push(element),
            None => self.root = Some(element),
        }
    }

    fn text(&mut self, text: &str) -> Result<(), Fault> {
        match self.stack.last_mut() {
            Some(frame) => frame.text.push_str(text),
            None if is_xml_whitespace(text) => {}
            None => return Err(Fault::parse_error("text outside the root element")),
        }
        Ok(())
    }

    fn resolve(&self, prefix: &str) -> Result<Option<String>, Fault> {
        if prefix == "xml" {
            return Ok(Some(NS_XML.to_owned()));
        }
        match self.scopes.iter().rev().find(|(p, _)| p == prefix) {
            Some((_, uri)) => Ok(uri.clone()),
            None if prefix.is_empty() => Ok(None),
            None => Err(Fault::parse_error(format!(
                "unbound namespace prefix: {prefix}"
            ))),
        }
    }

    fn finish(self) -> Result<Element, Fault> {
        if !self.stack.is_empty() {
            return Err(Fault::parse_error("unexpected end of document"));
        }
        self.root
            .ok_or_else(|| Fault::parse_error("no root element"))
    }
}

/// XML's whitespace (space, tab, CR, LF), narrower than Unicode's.
fn is_xml_whitespace(text: &str) -> bool {
    text.chars().all(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

fn non_empty(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

fn local_part(qname: &str) -> &str {
    qname.split_once(':').map_or(qname, |(_, local)| local)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Element, Fault> {
        parse_xml(text, 64)
    }

    #[test]
    fn resolves_prefixes_and_default_namespaces() {
        let root =
            parse(r#"<s:E xmlns:s="urn:s"><s:B><R xmlns="urn:r" k="v"><c/></R></s:B></s:E>"#)
                .unwrap();
        assert_eq!(root.ns.as_deref(), Some("urn:s"));
        let r = &root.children[0].children[0];
        assert_eq!((r.name.as_str(), r.ns.as_deref()), ("R", Some("urn:r")));
        assert_eq!(r.children[0].ns.as_deref(), Some("urn:r"));
        assert_eq!(r.attr("k").as_deref(), Some("v"));
    }

    #[test]
    fn relativize_keeps_only_changes() {
        let mut root =
            parse(r#"<a xmlns="urn:1"><b/><c xmlns="urn:2"><d xmlns=""/></c></a>"#).unwrap();
        relativize(&mut root, None);
        assert_eq!(root.ns.as_deref(), Some("urn:1"));
        assert_eq!(root.children[0].ns, None);
        assert_eq!(root.children[1].ns.as_deref(), Some("urn:2"));
        assert_eq!(root.children[1].children[0].ns.as_deref(), Some(""));
    }

    #[test]
    fn predefined_entities_and_char_refs_decode() {
        let root =
            parse(r#"<a v="&lt;&amp;&#10;&#x41;">x &gt; &#65;&quot;<![CDATA[<y>]]></a>"#).unwrap();
        assert_eq!(root.attr("v").as_deref(), Some("<&\nA"));
        assert_eq!(root.text.as_deref(), Some("x > A\"<y>"));
    }

    #[test]
    fn whitespace_between_children_is_dropped() {
        let root = parse("<a>\n  <b> x </b>\n</a>").unwrap();
        assert_eq!(root.text, None);
        assert_eq!(root.children[0].text.as_deref(), Some(" x "));
    }

    #[test]
    fn refuses_doctype_and_unknown_entities() {
        let doctype = parse(r#"<!DOCTYPE a [<!ENTITY x "y">]><a>&x;</a>"#).unwrap_err();
        assert_eq!(doctype.code, "service.PARSE_ERROR");
        assert!(parse("<a>&x;</a>").is_err());
        assert!(parse(r#"<a v="&x;"/>"#).is_err());
    }

    #[test]
    fn malformed_documents_fault() {
        for bad in [
            "<a>",
            "<a></b>",
            "<a/><b/>",
            "text<a/>",
            "<p:a/>",
            "</a>",
            "",
            "<a x='1' x='2'/>",
        ] {
            let fault = parse(bad).unwrap_err();
            assert_eq!(fault.code, "service.PARSE_ERROR", "input {bad:?}");
        }
    }

    #[test]
    fn depth_limit_applies() {
        let deep = "<a>".repeat(10) + &"</a>".repeat(10);
        assert!(parse_xml(&deep, 10).is_ok());
        assert!(parse_xml(&deep, 9).is_err());
    }
}
