//! Lenient readers on [`Element`], matching Zimbra's `Element.getAttribute*` family.
//!
//! Zimbra accepts a scalar either as an attribute or as a child element's text (`<name>x</name>`,
//! `"name":"x"`, `"name":{"_content":"x"}`, `"name":[{"_content":"x"}]`), so handlers read through
//! [`Element::scalar`] and friends rather than looking at `attrs` directly. Nothing here builds elements.

use std::borrow::Cow;
use std::str::FromStr;

use crate::element::{Element, Value};
use crate::fault::Fault;

impl Element {
    /// The typed value of attribute `key` (attributes only), if present.
    pub fn attr_value(&self, key: &str) -> Option<&Value> {
        self.attrs.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// Attribute `key` as text (attributes only). Borrowed for `Str`; `Int` is formatted; `Bool` reads
    /// as `"true"`/`"false"`.
    pub fn attr(&self, key: &str) -> Option<Cow<'_, str>> {
        self.attr_value(key).map(Value::as_text)
    }

    /// Scalar `key`, read leniently: attribute `key`, else the text of the first child element `key`
    /// (an empty child reads as `""`). JSON numbers and booleans read as their text.
    pub fn scalar(&self, key: &str) -> Option<String> {
        if let Some(value) = self.attr(key) {
            return Some(value.into_owned());
        }
        self.child(key)
            .map(|child| child.text_content().unwrap_or_default().to_owned())
    }

    /// Scalar `key`, or `service.INVALID_REQUEST` "missing required attribute: KEY".
    pub fn required(&self, key: &str) -> Result<String, Fault> {
        self.scalar(key)
            .ok_or_else(|| Fault::invalid_request(format!("missing required attribute: {key}")))
    }

    /// Optional boolean scalar: `1`/`true` or `0`/`false` (case-insensitive), else
    /// `service.INVALID_REQUEST`.
    pub fn bool_opt(&self, key: &str) -> Result<Option<bool>, Fault> {
        let Some(raw) = self.scalar(key) else {
            return Ok(None);
        };
        match raw.to_ascii_lowercase().as_str() {
            "1" | "true" => Ok(Some(true)),
            "0" | "false" => Ok(Some(false)),
            _ => Err(Fault::invalid_request(format!(
                "invalid boolean value '{raw}' for attribute: {key}"
            ))),
        }
    }

    /// Optional numeric scalar parsed as `T`, else `service.INVALID_REQUEST`.
    pub fn int_opt<T: FromStr>(&self, key: &str) -> Result<Option<T>, Fault> {
        let Some(raw) = self.scalar(key) else {
            return Ok(None);
        };
        raw.parse::<T>().map(Some).map_err(|_| {
            Fault::invalid_request(format!(
                "invalid numeric value '{raw}' for attribute: {key}"
            ))
        })
    }

    /// The first child element named `name` (any namespace).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// All child elements named `name`, in document order.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element's own text content.
    pub fn text_content(&self) -> Option<&str> {
        self.text.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Element {
        Element::new("WaitSetRequest")
            .with_attr("waitSet", "WS-1")
            .with_attr("seq", 3i64)
            .with_attr("block", true)
            .with_child(Element::text_child("timeout", "30"))
            .with_child(Element::new("empty"))
            .with_child(Element::new("a").with_attr("id", "1"))
            .with_child(Element::new("a").with_attr("id", "2"))
    }

    #[test]
    fn scalar_reads_attributes_and_child_text() {
        let el = sample();
        assert_eq!(el.scalar("waitSet").as_deref(), Some("WS-1"));
        assert_eq!(el.scalar("seq").as_deref(), Some("3"));
        assert_eq!(el.scalar("timeout").as_deref(), Some("30"));
        assert_eq!(el.scalar("empty").as_deref(), Some(""));
        assert_eq!(el.scalar("nope"), None);
    }

    #[test]
    fn required_reports_the_missing_key() {
        let fault = sample().required("defTypes").unwrap_err();
        assert_eq!(fault.code, "service.INVALID_REQUEST");
        assert_eq!(
            fault.reason,
            "invalid request: missing required attribute: defTypes"
        );
    }

    #[test]
    fn booleans_accept_zimbra_spellings() {
        let el = Element::new("x")
            .with_attr("a", "1")
            .with_attr("b", "FALSE")
            .with_attr("c", "yes")
            .with_attr("d", true);
        assert_eq!(el.bool_opt("a").unwrap(), Some(true));
        assert_eq!(el.bool_opt("b").unwrap(), Some(false));
        assert_eq!(
            el.bool_opt("c").unwrap_err().code,
            "service.INVALID_REQUEST"
        );
        assert_eq!(el.bool_opt("d").unwrap(), Some(true));
        assert_eq!(el.bool_opt("zz").unwrap(), None);
    }

    #[test]
    fn integers_parse_or_fault() {
        let el = sample().with_attr("bad", "12x");
        assert_eq!(el.int_opt::<u32>("timeout").unwrap(), Some(30));
        assert_eq!(el.int_opt::<i64>("seq").unwrap(), Some(3));
        assert_eq!(
            el.int_opt::<u8>("bad").unwrap_err().code,
            "service.INVALID_REQUEST"
        );
        assert_eq!(el.int_opt::<u8>("missing").unwrap(), None);
    }

    #[test]
    fn children_are_found_by_name() {
        let el = sample();
        let ids: Vec<_> = el
            .children_named("a")
            .filter_map(|a| a.scalar("id"))
            .collect();
        assert_eq!(ids, ["1", "2"]);
        assert_eq!(
            el.child("a").and_then(|a| a.attr("id")).as_deref(),
            Some("1")
        );
        assert_eq!(el.attr("block").as_deref(), Some("true"));
    }
}
