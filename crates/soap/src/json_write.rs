//! [`Element`] → Zimbra JSON text.
//!
//! Rendering rule (Zimbra's `Element.JSONElement` conventions):
//! * attributes become keys with typed values (`Value::Int` → number, `Value::Bool` → `true`/`false`);
//! * text becomes `"_content"`;
//! * children with the same name are grouped under one key at the position of the first of them: an
//!   array of objects when the name repeats or any of them is [`JsonShape::List`], a plain value for a
//!   single [`JsonShape::Attr`] leaf, else one object;
//! * `"_jsns"` comes last, written only where the namespace differs from the parent's.
//!
//! Envelope framing (`Header`/`Body`/`_jsns:urn:zimbraSoap`) lives in `response.rs`.

use std::collections::HashSet;

use crate::element::{Element, JsonShape, Value};

/// Appends `element` as a JSON object. `parent_ns` is the namespace in effect around it.
pub(crate) fn write_object(out: &mut String, element: &Element, parent_ns: Option<&str>) {
    let own_ns = match element.ns.as_deref() {
        Some(ns) => Some(ns),
        None => parent_ns,
    };
    let mut fields = Fields { out, first: true };
    for (key, value) in &element.attrs {
        fields.key(key);
        write_value(fields.out, value);
    }
    if let Some(text) = element.text.as_deref().filter(|t| !t.is_empty()) {
        fields.key("_content");
        write_string(fields.out, text);
    }
    write_children(&mut fields, &element.children, own_ns);
    if own_ns != parent_ns {
        fields.key("_jsns");
        write_string(fields.out, own_ns.unwrap_or_default());
    }
    fields.close();
}

/// Writes `"key":` pairs separated by commas, opening the object on the first one.
struct Fields<'a> {
    out: &'a mut String,
    first: bool,
}

impl Fields<'_> {
    fn key(&mut self, key: &str) {
        self.out.push(if self.first { '{' } else { ',' });
        self.first = false;
        write_string(self.out, key);
        self.out.push(':');
    }

    /// Ends the object; one without fields still needs its opening brace.
    fn close(self) {
        if self.first {
            self.out.push('{');
        }
        self.out.push('}');
    }
}

fn write_children(fields: &mut Fields<'_>, children: &[Element], ns: Option<&str>) {
    let mut done: HashSet<&str> = HashSet::new();
    for (idx, child) in children.iter().enumerate() {
        if !done.insert(child.name.as_str()) {
            continue;
        }
        let group: Vec<&Element> = children
            .iter()
            .skip(idx)
            .filter(|c| c.name == child.name)
            .collect();
        fields.key(&child.name);
        write_group(fields.out, &group, ns);
    }
}

fn write_group(out: &mut String, group: &[&Element], ns: Option<&str>) {
    let as_list = group.len() > 1 || group.iter().any(|c| c.json == JsonShape::List);
    match group {
        [single] if !as_list && single.json == JsonShape::Attr && is_leaf(single) => {
            write_leaf_value(out, single.text.as_deref().unwrap_or_default());
        }
        [single] if !as_list => write_object(out, single, ns),
        _ => {
            out.push('[');
            for (idx, child) in group.iter().enumerate() {
                if idx > 0 {
                    out.push(',');
                }
                write_object(out, child, ns);
            }
            out.push(']');
        }
    }
}

fn is_leaf(element: &Element) -> bool {
    element.attrs.is_empty() && element.children.is_empty()
}

/// A [`JsonShape::Attr`] leaf: a number when the text is a canonical `i64`, else a string.
fn write_leaf_value(out: &mut String, text: &str) {
    match text.parse::<i64>() {
        Ok(n) if n.to_string() == text => out.push_str(text),
        _ => write_string(out, text),
    }
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Str(s) => write_string(out, s),
        Value::Int(n) => out.push_str(&n.to_string()),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
    }
}

/// Writes a JSON string literal. U+2028/U+2029 are escaped too, because the content type is JavaScript.
pub(crate) fn write_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c < '\u{20}' || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", u32::from(c)));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(element: &Element) -> String {
        let mut out = String::new();
        write_object(&mut out, element, None);
        out
    }

    #[test]
    fn renders_create_waitset_response_like_zimbra() {
        let el = Element::ns("CreateWaitSetResponse", "urn:zimbraMail")
            .with_attr("waitSet", "WaitSet-1")
            .with_attr("defTypes", "f,m,c")
            .with_attr("seq", 0i64);
        assert_eq!(
            json(&el),
            r#"{"waitSet":"WaitSet-1","defTypes":"f,m,c","seq":0,"_jsns":"urn:zimbraMail"}"#
        );
    }

    #[test]
    fn groups_repeated_children_and_honours_shapes() {
        let el = Element::ns("WaitSetResponse", "urn:zimbraMail")
            .with_attr("waitSet", "W")
            .with_attr("seq", "3")
            .with_child(
                Element::new("a")
                    .with_attr("id", "A1")
                    .with_attr("changeid", 271i64)
                    .json_list(),
            )
            .with_child(
                Element::new("error")
                    .with_attr("id", "E")
                    .with_attr("type", "T")
                    .json_list(),
            )
            .with_child(
                Element::new("a")
                    .with_attr("id", "A2")
                    .with_attr("changeid", 5i64),
            );
        assert_eq!(
            json(&el),
            concat!(
                r#"{"waitSet":"W","seq":"3","a":[{"id":"A1","changeid":271},{"id":"A2","changeid":5}],"#,
                r#""error":[{"id":"E","type":"T"}],"_jsns":"urn:zimbraMail"}"#
            )
        );
    }

    #[test]
    fn renders_auth_response_shapes() {
        let el = Element::ns("AuthResponse", "urn:zimbraAccount")
            .with_child(Element::text_child("authToken", "0_abc").json_list())
            .with_child(Element::text_child("lifetime", "36000000").json_attr())
            .with_child(Element::text_child("csrfToken", "0_x"));
        assert_eq!(
            json(&el),
            concat!(
                r#"{"authToken":[{"_content":"0_abc"}],"lifetime":36000000,"#,
                r#""csrfToken":{"_content":"0_x"},"_jsns":"urn:zimbraAccount"}"#
            )
        );
    }

    #[test]
    fn escapes_strings_and_writes_empty_objects() {
        let el = Element::new("x")
            .with_attr("k\"", "a\\\n\u{1}\u{2028}")
            .with_child(Element::new("e"));
        assert_eq!(json(&el), r#"{"k\"":"a\\\n\u0001\u2028","e":{}}"#);
        assert_eq!(json(&Element::new("x")), "{}");
    }
}
