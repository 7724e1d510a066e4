//! [`Element`] → compact XML text.
//!
//! What belongs here: element serialization and escaping. No whitespace is ever written between
//! elements (python-zimbra takes `Body.firstChild` and breaks on a text node). Elements are written
//! unprefixed; `xmlns="…"` appears where an element's namespace differs from the one in scope.
//! Envelope framing lives in `response.rs`.

use crate::element::Element;

/// Appends `element` to `out`. `default_ns` is the default namespace in scope where it is written.
pub(crate) fn write_element(out: &mut String, element: &Element, default_ns: Option<&str>) {
    let own_ns = match element.ns.as_deref() {
        Some(ns) => (!ns.is_empty()).then_some(ns),
        None => default_ns,
    };
    out.push('<');
    out.push_str(&element.name);
    if own_ns != default_ns {
        out.push_str(" xmlns=\"");
        escape_attr(out, own_ns.unwrap_or_default());
        out.push('"');
    }
    for (key, value) in &element.attrs {
        out.push(' ');
        out.push_str(key);
        out.push_str("=\"");
        escape_attr(out, &value.xml_text());
        out.push('"');
    }
    let text = element.text.as_deref().unwrap_or_default();
    if text.is_empty() && element.children.is_empty() {
        out.push_str("/>");
        return;
    }
    out.push('>');
    escape_text(out, text);
    for child in &element.children {
        write_element(out, child, own_ns);
    }
    out.push_str("</");
    out.push_str(&element.name);
    out.push('>');
}

/// Escapes character data. `\r` becomes a reference so that parsers do not normalize it away.
pub(crate) fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c => push_xml_char(out, c),
        }
    }
}

/// Escapes an attribute value; whitespace other than space is written as references because
/// attribute-value normalization would otherwise turn it into spaces.
pub(crate) fn escape_attr(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => push_xml_char(out, c),
        }
    }
}

/// Characters XML 1.0 cannot carry at all (not even as references) become U+FFFD.
fn push_xml_char(out: &mut String, c: char) {
    if is_xml_char(c) {
        out.push(c);
    } else {
        out.push('\u{FFFD}');
    }
}

/// The XML 1.0 `Char` production (Rust `char` already excludes surrogates).
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{FFFD}' | '\u{10000}'..)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::element::Element;

    fn xml(element: &Element) -> String {
        let mut out = String::new();
        write_element(&mut out, element, None);
        out
    }

    #[test]
    fn writes_compact_xml_with_namespace_changes_only() {
        let el = Element::ns("WaitSetResponse", "urn:zimbraMail")
            .with_attr("waitSet", "W")
            .with_attr("canceled", true)
            .with_child(
                Element::new("a")
                    .with_attr("id", "x")
                    .with_attr("changeid", 271i64),
            )
            .with_child(
                Element::ns("mods", "urn:zimbra")
                    .with_child(Element::ns("created", "urn:zimbraMail")),
            );
        assert_eq!(
            xml(&el),
            r#"<WaitSetResponse xmlns="urn:zimbraMail" waitSet="W" canceled="1"><a id="x" changeid="271"/><mods xmlns="urn:zimbra"><created xmlns="urn:zimbraMail"/></mods></WaitSetResponse>"#
        );
    }

    #[test]
    fn escapes_text_and_attributes() {
        let el = Element::new("t")
            .with_attr("v", "a\"<&>\n\t")
            .with_text("x<&>\r\u{1}");
        assert_eq!(
            xml(&el),
            "<t v=\"a&quot;&lt;&amp;&gt;&#10;&#9;\">x&lt;&amp;&gt;&#13;\u{FFFD}</t>"
        );
    }

    #[test]
    fn empty_namespace_undeclares_the_default() {
        let el = Element::ns("a", "urn:1").with_child(Element::ns("b", ""));
        assert_eq!(xml(&el), r#"<a xmlns="urn:1"><b xmlns=""/></a>"#);
    }
}
