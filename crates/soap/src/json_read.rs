//! Zimbra JSON text → [`Element`] tree.
//!
//! What belongs here: an order-preserving JSON value (serde_json's `Map` would sort keys) and Zimbra's
//! mapping rules: scalar keys are attributes, `_content` is text (nested `{"_content":{"_content":..}}`
//! as python-zimbra sends it is unwrapped), `_jsns` is the namespace, objects and arrays of objects are
//! child elements, and scalars inside arrays are text-only children.
//!
//! Depth is bounded twice: serde_json's own recursion limit (128) stops hostile nesting before any tree
//! is built, and the element depth is checked against `max_depth` while converting.

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::element::{Element, Value};
use crate::fault::Fault;

/// A parsed JSON value that keeps object keys in document order.
#[derive(Debug)]
enum Json {
    Null,
    Bool(bool),
    Int(i64),
    /// A number that is not an `i64` (large unsigned or fractional), kept as its text.
    Number(String),
    Str(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

/// Parses a Zimbra JSON request into an unnamed root element whose children are `Header` and `Body`.
pub(crate) fn parse_json(text: &str, max_depth: usize) -> Result<Element, Fault> {
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let value = Json::deserialize(&mut deserializer)
        .and_then(|value| deserializer.end().map(|()| value))
        .map_err(|e| Fault::parse_error(format!("malformed JSON: {e}")))?;
    match value {
        Json::Object(entries) => object_to_element(String::new(), entries, 1, max_depth),
        _ => Err(Fault::parse_error("the JSON document must be an object")),
    }
}

fn object_to_element(
    name: String,
    entries: Vec<(String, Json)>,
    depth: usize,
    max_depth: usize,
) -> Result<Element, Fault> {
    if depth > max_depth {
        return Err(Fault::parse_error(format!(
            "nesting deeper than {max_depth}"
        )));
    }
    let mut element = Element::new(name);
    for (key, value) in entries {
        match key.as_str() {
            "_jsns" => element.ns = scalar_text(value),
            "_content" => element.text = content_text(value),
            _ => add_member(&mut element, key, value, depth, max_depth)?,
        }
    }
    Ok(element)
}

/// Adds one non-special key: a scalar becomes an attribute, an object or array becomes children.
fn add_member(
    element: &mut Element,
    key: String,
    value: Json,
    depth: usize,
    max_depth: usize,
) -> Result<(), Fault> {
    match value {
        Json::Null => {}
        Json::Bool(b) => element.attrs.push((key, Value::Bool(b))),
        Json::Int(n) => element.attrs.push((key, Value::Int(n))),
        Json::Number(s) | Json::Str(s) => element.attrs.push((key, Value::Str(s))),
        Json::Object(entries) => {
            let child = object_to_element(key, entries, depth + 1, max_depth)?;
            element.children.push(child);
        }
        Json::Array(items) => {
            for item in items {
                add_array_item(element, &key, item, depth, max_depth)?;
            }
        }
    }
    Ok(())
}

fn add_array_item(
    element: &mut Element,
    key: &str,
    item: Json,
    depth: usize,
    max_depth: usize,
) -> Result<(), Fault> {
    match item {
        Json::Null => {}
        Json::Object(entries) => {
            let child = object_to_element(key.to_owned(), entries, depth + 1, max_depth)?;
            element.children.push(child);
        }
        // Nested arrays have no Zimbra meaning; flattening them is the lenient reading.
        Json::Array(items) => {
            for inner in items {
                add_array_item(element, key, inner, depth, max_depth)?;
            }
        }
        scalar => {
            if depth + 1 > max_depth {
                return Err(Fault::parse_error(format!(
                    "nesting deeper than {max_depth}"
                )));
            }
            let mut child = Element::new(key);
            child.text = scalar_text(scalar);
            element.children.push(child);
        }
    }
    Ok(())
}

/// `_content` value → text, unwrapping `{"_content": ..}` objects and one-element arrays.
fn content_text(value: Json) -> Option<String> {
    match value {
        Json::Object(entries) => {
            let inner = entries.into_iter().find(|(k, _)| k == "_content")?;
            content_text(inner.1)
        }
        Json::Array(items) => items.into_iter().next().and_then(content_text),
        scalar => scalar_text(scalar),
    }
}

fn scalar_text(value: Json) -> Option<String> {
    match value {
        Json::Bool(b) => Some(b.to_string()),
        Json::Int(n) => Some(n.to_string()),
        Json::Number(s) | Json::Str(s) => Some(s),
        Json::Null | Json::Array(_) | Json::Object(_) => None,
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Json, E> {
        Ok(Json::Bool(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Json, E> {
        Ok(Json::Int(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Json, E> {
        Ok(i64::try_from(n).map_or_else(|_| Json::Number(n.to_string()), Json::Int))
    }

    fn visit_f64<E: de::Error>(self, n: f64) -> Result<Json, E> {
        Ok(Json::Number(n.to_string()))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Json, E> {
        Ok(Json::Str(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Json, E> {
        Ok(Json::Str(s))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Json>()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut entries = Vec::new();
        while let Some((key, value)) = map.next_entry::<String, Json>()? {
            entries.push((key, value));
        }
        Ok(Json::Object(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Element {
        let root = parse_json(text, 64).unwrap();
        root.child("Body").unwrap().children[0].clone()
    }

    #[test]
    fn maps_scalars_content_and_children() {
        let el = body(
            r#"{"Body":{"R":{"_jsns":"urn:zimbraMail","s":"x","n":5,"b":true,"big":18446744073709551615,
                "f":1.5,"skip":null,"one":{"id":"1"},"many":[{"id":"2"},{"id":"3"}],"ids":["7",8],
                "t":{"_content":"txt"}}}}"#,
        );
        assert_eq!(el.ns.as_deref(), Some("urn:zimbraMail"));
        assert_eq!(el.attr_value("s"), Some(&Value::Str("x".into())));
        assert_eq!(el.attr_value("n"), Some(&Value::Int(5)));
        assert_eq!(el.attr_value("b"), Some(&Value::Bool(true)));
        assert_eq!(el.attr("big").as_deref(), Some("18446744073709551615"));
        assert_eq!(el.attr("f").as_deref(), Some("1.5"));
        assert_eq!(el.attr("skip"), None);
        let names: Vec<_> = el.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["one", "many", "many", "ids", "ids", "t"]);
        assert_eq!(el.children[4].text.as_deref(), Some("8"));
        assert_eq!(el.scalar("t").as_deref(), Some("txt"));
    }

    #[test]
    fn unwraps_nested_content() {
        let el = body(r#"{"Body":{"R":{"authToken":{"_content":{"_content":"TOKEN"}}}}}"#);
        assert_eq!(el.scalar("authToken").as_deref(), Some("TOKEN"));
        let el = body(r#"{"Body":{"R":{"authToken":[{"_content":"T2"}]}}}"#);
        assert_eq!(el.scalar("authToken").as_deref(), Some("T2"));
    }

    #[test]
    fn keeps_document_order_of_keys() {
        let el = body(r#"{"Body":{"R":{"z":"1","a":"2","m":"3"}}}"#);
        let keys: Vec<_> = el.attrs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["z", "a", "m"]);
    }

    #[test]
    fn rejects_non_objects_and_garbage() {
        for bad in ["[]", "[{}]", "\"x\"", "{", "{\"a\":1} trailing", "{\"a\":}"] {
            assert_eq!(
                parse_json(bad, 64).unwrap_err().code,
                "service.PARSE_ERROR",
                "{bad}"
            );
        }
    }

    #[test]
    fn depth_limit_applies_to_elements() {
        let nested = |n: usize| "{\"a\":".repeat(n) + "{}" + &"}".repeat(n);
        assert!(parse_json(&nested(9), 10).is_ok());
        assert!(parse_json(&nested(10), 10).is_err());
    }
}
