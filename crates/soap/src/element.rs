//! The generic element tree shared by the XML and JSON codecs, and its builders.
//!
//! What belongs here: [`Element`], [`Value`], [`JsonShape`] and the ways to construct them.
//! Lenient readers live in `read.rs`; the codecs live in `xml_*.rs` and `json_*.rs`.

use std::borrow::Cow;
use std::fmt;

/// An attribute value.
///
/// XML has only strings, so the type matters only for JSON output: `Int` is a JSON number and `Bool` is
/// `true`/`false` (XML writes `"1"`/`"0"`, as Zimbra's `ZmBoolean` does). Decoded XML attributes are always
/// `Str`; decoded JSON attributes keep their JSON type (numbers that do not fit `i64` become `Str`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// A string; rendered as a JSON string.
    Str(String),
    /// An integer; rendered as a JSON number.
    Int(i64),
    /// A boolean; `"1"`/`"0"` in XML, `true`/`false` in JSON.
    Bool(bool),
}

impl Value {
    /// The value as text, as the lenient readers see it: `Bool` reads as `"true"`/`"false"`.
    pub fn as_text(&self) -> Cow<'_, str> {
        match self {
            Value::Str(s) => Cow::Borrowed(s),
            Value::Int(n) => Cow::Owned(n.to_string()),
            Value::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
        }
    }

    /// The value as XML attribute text: like [`Value::as_text`] but `Bool` is `"1"`/`"0"`.
    pub fn xml_text(&self) -> Cow<'_, str> {
        match self {
            Value::Bool(b) => Cow::Borrowed(if *b { "1" } else { "0" }),
            other => other.as_text(),
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_text())
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Value::Str(s.to_owned())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Value::Str(s)
    }
}

impl From<&String> for Value {
    fn from(s: &String) -> Self {
        Value::Str(s.clone())
    }
}

impl From<i64> for Value {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<i32> for Value {
    fn from(n: i32) -> Self {
        Value::Int(i64::from(n))
    }
}

impl From<u32> for Value {
    fn from(n: u32) -> Self {
        Value::Int(i64::from(n))
    }
}

impl From<u64> for Value {
    /// Values above `i64::MAX` cannot be a Zimbra `long`; they are kept exact as a string.
    fn from(n: u64) -> Self {
        i64::try_from(n).map_or_else(|_| Value::Str(n.to_string()), Value::Int)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Value::Bool(b)
    }
}

/// How an element is rendered as a child in JSON. XML ignores it.
///
/// Zimbra's JSON has no single rule: repeated elements and JAXB lists are arrays (`"a":[{..}]`,
/// `"authToken":[{"_content":".."}]`), unique elements are objects (`"csrfToken":{"_content":".."}`), and
/// some XML child elements are JSON attributes (`<lifetime>N</lifetime>` is `"lifetime":N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum JsonShape {
    /// An array if a sibling has the same name, else an object.
    #[default]
    Auto,
    /// Always an array, even with one element (Zimbra's lists and `addNonUniqueElement`).
    List,
    /// A plain key on the parent whose value is this element's text: a JSON number when the text is a
    /// canonical decimal `i64`, else a string. Falls back to `Auto` when the element has attributes or
    /// children.
    Attr,
}

/// One element of a Zimbra SOAP document, used for both XML and JSON.
///
/// `ns` is the namespace URI when it differs from the parent's; `None` means "inherit the parent's".
/// Decoders follow that rule (XML: `Some` only where the resolved namespace changes; JSON: `Some` where
/// `_jsns` appears), and encoders write `xmlns`/`_jsns` only where it changes. An empty text is the same
/// as no text on the wire.
///
/// Equality ignores [`Element::json`]: it is a rendering hint, not content.
#[derive(Debug, Clone, Default)]
pub struct Element {
    /// Local name, without prefix.
    pub name: String,
    /// Namespace URI, if it differs from the parent's.
    pub ns: Option<String>,
    /// Attributes in document order.
    pub attrs: Vec<(String, Value)>,
    /// Child elements in document order.
    pub children: Vec<Element>,
    /// Character content (`_content` in JSON).
    pub text: Option<String>,
    /// How to render this element as a JSON child.
    pub json: JsonShape,
}

impl PartialEq for Element {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
            && self.ns == other.ns
            && self.attrs == other.attrs
            && self.children == other.children
            && self.text == other.text
    }
}

impl Eq for Element {}

impl Element {
    /// An element without namespace of its own (it inherits its parent's).
    pub fn new(name: impl Into<String>) -> Self {
        Element {
            name: name.into(),
            ..Element::default()
        }
    }

    /// An element in namespace `ns`, e.g. `Element::ns("WaitSetResponse", NS_MAIL)`.
    pub fn ns(name: impl Into<String>, ns: impl Into<String>) -> Self {
        Element {
            name: name.into(),
            ns: Some(ns.into()),
            ..Element::default()
        }
    }

    /// A leaf element holding only text, e.g. `<authToken>x</authToken>`.
    pub fn text_child(name: impl Into<String>, text: impl Into<String>) -> Self {
        Element::new(name).with_text(text)
    }

    /// Adds an attribute (appends; does not replace an existing one — see [`Element::set_attr`]).
    pub fn with_attr(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.attrs.push((key.into(), value.into()));
        self
    }

    /// Sets an attribute, replacing the first one with the same key or appending.
    pub fn set_attr(&mut self, key: impl Into<String>, value: impl Into<Value>) {
        let key = key.into();
        let value = value.into();
        match self.attrs.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.attrs.push((key, value)),
        }
    }

    /// Appends a child element.
    pub fn with_child(mut self, child: Element) -> Self {
        self.children.push(child);
        self
    }

    /// Appends a child element in place.
    pub fn push(&mut self, child: Element) {
        self.children.push(child);
    }

    /// Sets the text content.
    pub fn with_text(mut self, text: impl Into<String>) -> Self {
        self.text = Some(text.into());
        self
    }

    /// Sets the JSON rendering hint.
    pub fn with_json_shape(mut self, shape: JsonShape) -> Self {
        self.json = shape;
        self
    }

    /// Always render as a JSON array (`"a":[{..}]`), even when it is the only child of that name.
    pub fn json_list(self) -> Self {
        self.with_json_shape(JsonShape::List)
    }

    /// Render as a plain JSON key of the parent (`"lifetime":36000000`); XML keeps the child element.
    pub fn json_attr(self) -> Self {
        self.with_json_shape(JsonShape::Attr)
    }
}
