//! Fast paths of the JSON codec for the records there is one of per message (message records and UID
//! locations): serde-derived structs written and read directly, without building a `serde_json::Value`
//! tree. They produce and accept exactly the text of `codec.rs`'s Value builders (same keys, same values);
//! a row the typed reader rejects (an odd type in some field) goes through the lenient Value decoder.
//!
//! Measured in `bench/sync`: the Value round trip was a tenth of an initial sync's store time and half of
//! the time a no-change refresh spent loading the engine state.

use inboxd_imap_sync::{Address, ConvId, FlagSet, FlagSetId, FolderId, Location, Message, Umid};
use inboxd_model::{ItemId, Timestamp};
use serde::{Deserialize, Serialize};

use super::codec;

#[derive(Serialize)]
struct AddrOut<'a> {
    n: &'a Option<String>,
    e: &'a Option<String>,
}

impl<'a> AddrOut<'a> {
    fn of(a: &'a Address) -> Self {
        Self {
            n: &a.name,
            e: &a.email,
        }
    }
}

#[derive(Serialize)]
struct MessageOut<'a> {
    item: i64,
    conv: u64,
    f: u32,
    mid: &'a str,
    synth: bool,
    refs: &'a [String],
    irt: &'a [String],
    subject: &'a str,
    from: Option<AddrOut<'a>>,
    to: Vec<AddrOut<'a>>,
    cc: Vec<AddrOut<'a>>,
    date: u64,
    sent: Option<u64>,
    flags: &'a [String],
    size: u32,
    snippet: &'a Option<String>,
    att: bool,
}

/// The `msg` space text of a message record mirrored to store item `item`.
pub(crate) fn message_to(m: &Message, item: ItemId) -> String {
    let out = MessageOut {
        item: item.0,
        conv: m.conv.0,
        f: m.folder.0,
        mid: &m.message_id,
        synth: m.synthesized_id,
        refs: &m.references,
        irt: &m.in_reply_to,
        subject: &m.subject,
        from: m.from.as_ref().map(AddrOut::of),
        to: m.to.iter().map(AddrOut::of).collect(),
        cc: m.cc.iter().map(AddrOut::of).collect(),
        date: m.date.0,
        sent: m.sent_date.map(|t| t.0),
        flags: m.flags.as_slice(),
        size: m.size,
        snippet: &m.snippet,
        att: m.has_attachments,
    };
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_string(&out).unwrap_or_default()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct AddrIn {
    n: Option<String>,
    e: Option<String>,
}

impl From<AddrIn> for Address {
    fn from(a: AddrIn) -> Self {
        Address {
            name: a.n,
            email: a.e,
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct MessageIn {
    item: Option<i64>,
    conv: u64,
    f: u32,
    mid: String,
    synth: bool,
    refs: Vec<String>,
    irt: Vec<String>,
    subject: String,
    from: Option<AddrIn>,
    to: Vec<AddrIn>,
    cc: Vec<AddrIn>,
    date: u64,
    sent: Option<u64>,
    flags: Vec<String>,
    size: u32,
    snippet: Option<String>,
    att: bool,
}

/// A `msg` space row: the engine record and the store item it is mirrored to.
pub(crate) fn message_from(umid: Umid, text: &str) -> (Message, Option<ItemId>) {
    let Ok(m) = serde_json::from_str::<MessageIn>(text) else {
        let v = codec::parse(text);
        return (codec::message_from(umid, &v), codec::item_of(&v));
    };
    let message = Message {
        umid,
        conv: ConvId(m.conv),
        folder: FolderId(m.f),
        message_id: m.mid,
        synthesized_id: m.synth,
        references: m.refs,
        in_reply_to: m.irt,
        subject: m.subject,
        from: m.from.map(Address::from),
        to: m.to.into_iter().map(Address::from).collect(),
        cc: m.cc.into_iter().map(Address::from).collect(),
        date: Timestamp(m.date),
        sent_date: m.sent.map(Timestamp),
        flags: FlagSet::new(m.flags),
        size: m.size,
        snippet: m.snippet,
        has_attachments: m.att,
    };
    (message, m.item.map(ItemId))
}

#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct LocationJson {
    f: u32,
    uid: u32,
    fs: u32,
}

/// The `loc` space text of a UID location.
pub(crate) fn location_to(l: &Location) -> String {
    let out = LocationJson {
        f: l.folder.0,
        uid: l.uid,
        fs: l.flag_set.0,
    };
    serde_json::to_string(&out).unwrap_or_default()
}

/// A `loc` space row.
pub(crate) fn location_from(text: &str) -> Location {
    match serde_json::from_str::<LocationJson>(text) {
        Ok(l) => Location {
            folder: FolderId(l.f),
            uid: l.uid,
            flag_set: FlagSetId(l.fs),
        },
        Err(_) => codec::location_from(&codec::parse(text)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn sample() -> Message {
        Message {
            umid: Umid(7),
            conv: ConvId(3),
            folder: FolderId(2),
            message_id: "a@b \"q\"".into(),
            synthesized_id: true,
            references: vec!["r1@x".into(), "r2@x".into()],
            in_reply_to: vec!["r2@x".into()],
            subject: "Grüße\n\u{1}".into(),
            from: Some(Address {
                name: Some("A".into()),
                email: None,
            }),
            to: vec![Address::default()],
            cc: vec![],
            date: Timestamp(12),
            sent_date: Some(Timestamp(11)),
            flags: FlagSet::new(["\\Seen", "$x"]),
            size: 99,
            snippet: Some("s".into()),
            has_attachments: true,
        }
    }

    #[test]
    fn message_text_matches_the_value_codec_and_reads_back() {
        let m = sample();
        let text = message_to(&m, ItemId(42));
        let typed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(typed, codec::message_to(&m, ItemId(42)));
        assert_eq!(message_from(Umid(7), &text), (m.clone(), Some(ItemId(42))));
        let bare = Message {
            from: None,
            sent_date: None,
            snippet: None,
            ..m
        };
        let text = message_to(&bare, ItemId(1));
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            codec::message_to(&bare, ItemId(1))
        );
        assert_eq!(message_from(Umid(7), &text).0, bare);
    }

    #[test]
    fn odd_rows_fall_back_to_the_lenient_reader() {
        let text = r#"{"item":5,"conv":"x","f":2,"mid":"m","flags":["\\Seen",3],"date":1.5}"#;
        let (m, item) = message_from(Umid(1), text);
        let v = codec::parse(text);
        assert_eq!(m, codec::message_from(Umid(1), &v));
        assert_eq!(item, Some(ItemId(5)));
        assert_eq!(m.flags.as_slice(), ["\\Seen"]);
        assert_eq!(message_from(Umid(1), "not json").1, None);
    }

    #[test]
    fn location_text_matches_the_value_codec() {
        let l = Location {
            folder: FolderId(4),
            uid: 77,
            flag_set: FlagSetId(2),
        };
        let text = location_to(&l);
        let typed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(typed, codec::location_to(&l));
        assert_eq!(location_from(&text), l);
        assert_eq!(location_from(r#"{"f":4,"uid":"77"}"#).folder, FolderId(4));
    }
}
