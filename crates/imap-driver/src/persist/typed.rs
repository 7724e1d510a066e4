//! Fast paths of the JSON codec for the records there is one of per message (message records and UID
//! locations): serde-derived structs written and read directly, without building a `serde_json::Value`
//! tree. They accept exactly the text of `codec.rs`'s Value builders (same keys, same values); a row the
//! typed reader rejects (an odd type in some field) goes through the lenient Value decoder.
//!
//! Message records are written *lean* (`"v":2`): only what the store's message row does not hold, or holds
//! differently (the engine's folder, conversation and flags are the server's view, which a local client
//! operation may be ahead of; a synthesized Message-ID; the Date header; addresses the row dropped for
//! lack of an email). The rest (subject, addresses, ids, size, snippet) is read back from the row
//! ([`fill_from_row`]). Full records of older builds still read as they are.
//!
//! Measured in `bench/sync`: full records were 1.6 KB per message on list mail and writing them took
//! nearly half of an initial sync's store time.
//!
//! A record written together with its message's UID location carries it (`loc`), which saves a `loc` space
//! row per synced message. A `loc` row, when there is one, is newer and wins; `"null"` there says the message
//! has no location any more (see `apply`).
//!
//! A record also lists the header ids the engine threaded the message by (`ids`: its Message-ID, References
//! and In-Reply-To), so the headerIdMap entries they make need no `hid` row each (see `header_ids.rs`).

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

/// The lean record (see the module docs).
#[derive(Serialize)]
struct LeanOut<'a> {
    v: u8,
    item: i64,
    conv: u64,
    f: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    mid: Option<&'a str>,
    synth: bool,
    sent: Option<u64>,
    flags: &'a [String],
    /// Set when the row cannot give the addresses back (one has no email): then they are here.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    addrs: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    from: Option<AddrOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    to: Vec<AddrOut<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    cc: Vec<AddrOut<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    loc: Option<LocationJson>,
    ids: Vec<&'a str>,
}

/// The header ids a message was threaded by: its Message-ID, References and In-Reply-To. An In-Reply-To id that
/// repeats the Message-ID or a reference (the usual case) is left out; a repeat within References is listed
/// twice, which loading does not mind (linear, where a full de-duplication was quadratic in long References).
pub(crate) fn thread_ids(m: &Message) -> impl Iterator<Item = &str> {
    let listed = |id: &String| *id == m.message_id || m.references.contains(id);
    let replied = m.in_reply_to.iter().filter(move |id| !listed(id));
    std::iter::once(&m.message_id)
        .chain(&m.references)
        .chain(replied)
        .map(String::as_str)
        .filter(|id| !id.is_empty())
}

/// The `msg` space text of a message record mirrored to store item `item`, with its UID location when it
/// has one (lean: see the module docs).
pub(crate) fn message_to(m: &Message, item: ItemId, loc: Option<&Location>) -> String {
    let addrs = m
        .from
        .iter()
        .chain(&m.to)
        .chain(&m.cc)
        .any(|a| a.email.is_none());
    let out = LeanOut {
        v: 2,
        item: item.0,
        conv: m.conv.0,
        f: m.folder.0,
        mid: m.synthesized_id.then_some(m.message_id.as_str()),
        synth: m.synthesized_id,
        sent: m.sent_date.map(|t| t.0),
        flags: m.flags.as_slice(),
        addrs,
        from: m.from.as_ref().filter(|_| addrs).map(AddrOut::of),
        to: if addrs {
            m.to.iter().map(AddrOut::of).collect()
        } else {
            Vec::new()
        },
        cc: if addrs {
            m.cc.iter().map(AddrOut::of).collect()
        } else {
            Vec::new()
        },
        loc: loc.map(LocationJson::of),
        ids: thread_ids(m).collect(),
    };
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_string(&out).unwrap_or_default()
}

/// Completes a lean record from its store row.
pub(crate) fn fill_from_row(stored: &mut StoredMessage, row: inboxd_store::Message) {
    let m = &mut stored.message;
    if !m.synthesized_id {
        m.message_id = row.message_id.unwrap_or_default();
    }
    m.references = row.references;
    m.in_reply_to = row.in_reply_to;
    m.subject = row.subject;
    if !stored.addrs {
        let addr = |a: inboxd_store::Address| Address {
            name: a.name,
            email: Some(a.email),
        };
        m.from = row.from.into_iter().next().map(addr);
        m.to = row.to.into_iter().map(addr).collect();
        m.cc = row.cc.into_iter().map(addr).collect();
    }
    m.date = row.internal_date;
    m.size = u32::try_from(row.size).unwrap_or(u32::MAX);
    m.snippet = row.snippet;
    m.has_attachments = row.has_attachments;
}

/// A decoded `msg` space row.
#[derive(Debug, PartialEq)]
pub(crate) struct StoredMessage {
    pub message: Message,
    /// The store item it is mirrored to.
    pub item: Option<ItemId>,
    /// A lean record: complete it with [`fill_from_row`].
    pub lean: bool,
    /// The lean record carries its own addresses.
    pub addrs: bool,
    /// The UID location written with the record (a `loc` row, if any, overrides it).
    pub loc: Option<Location>,
    /// The header ids the message was threaded by (`None` in records of builds that kept a `hid` row for
    /// each).
    pub ids: Option<Vec<String>>,
}

/// The full record of earlier builds (the reader still takes it).
#[cfg(test)]
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

/// A full record, as earlier builds wrote it.
#[cfg(test)]
pub(crate) fn full_message_to(m: &Message, item: ItemId) -> String {
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
    v: u8,
    addrs: bool,
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
    loc: Option<LocationJson>,
    ids: Option<Vec<String>>,
}

/// A `msg` space row: the engine record and the store item it is mirrored to.
pub(crate) fn message_from(umid: Umid, text: &str) -> StoredMessage {
    let Ok(m) = serde_json::from_str::<MessageIn>(text) else {
        let v = codec::parse(text);
        return StoredMessage {
            message: codec::message_from(umid, &v),
            item: codec::item_of(&v),
            lean: v.get("v").and_then(serde_json::Value::as_u64) == Some(2),
            addrs: v.get("addrs").and_then(serde_json::Value::as_bool) == Some(true),
            loc: v
                .get("loc")
                .and_then(|l| serde_json::from_value::<LocationJson>(l.clone()).ok())
                .map(LocationJson::location),
            ids: v
                .get("ids")
                .and_then(|ids| serde_json::from_value::<Vec<String>>(ids.clone()).ok()),
        };
    };
    let (lean, addrs) = (m.v == 2, m.addrs);
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
    StoredMessage {
        message,
        item: m.item.map(ItemId),
        lean,
        addrs,
        loc: m.loc.map(LocationJson::location),
        ids: m.ids,
    }
}

#[derive(Serialize, Deserialize, Default)]
#[serde(default)]
struct LocationJson {
    f: u32,
    uid: u32,
    fs: u32,
}

impl LocationJson {
    fn of(l: &Location) -> Self {
        Self {
            f: l.folder.0,
            uid: l.uid,
            fs: l.flag_set.0,
        }
    }

    fn location(self) -> Location {
        Location {
            folder: FolderId(self.f),
            uid: self.uid,
            flag_set: FlagSetId(self.fs),
        }
    }
}

/// The `loc` row that says a message has no location any more (overriding one its record carries).
pub(crate) const NO_LOCATION: &str = "null";

/// The `loc` space text of a UID location.
pub(crate) fn location_to(l: &Location) -> String {
    serde_json::to_string(&LocationJson::of(l)).unwrap_or_default()
}

/// A `loc` space row: the location, or `None` for [`NO_LOCATION`].
pub(crate) fn location_from(text: &str) -> Option<Location> {
    if text == NO_LOCATION {
        return None;
    }
    Some(match serde_json::from_str::<LocationJson>(text) {
        Ok(l) => l.location(),
        Err(_) => codec::location_from(&codec::parse(text)),
    })
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
    fn full_records_of_earlier_builds_still_read() {
        let m = sample();
        let text = full_message_to(&m, ItemId(42));
        let typed: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(typed, codec::message_to(&m, ItemId(42)));
        let stored = message_from(Umid(7), &text);
        assert_eq!((stored.message, stored.item), (m.clone(), Some(ItemId(42))));
        assert!(!stored.lean);
        let bare = Message {
            from: None,
            sent_date: None,
            snippet: None,
            ..m
        };
        let text = full_message_to(&bare, ItemId(1));
        assert_eq!(
            serde_json::from_str::<Value>(&text).unwrap(),
            codec::message_to(&bare, ItemId(1))
        );
        assert_eq!(message_from(Umid(7), &text).message, bare);
    }

    fn row_of(m: &Message, item: ItemId) -> inboxd_store::Message {
        let addr = |a: &Address| {
            a.email.clone().map(|email| inboxd_store::Address {
                name: a.name.clone(),
                email,
            })
        };
        inboxd_store::Message {
            id: item,
            folder: ItemId(900),
            conversation: Some(ItemId(901)),
            imap_uid: Some(5),
            message_id: (!m.synthesized_id).then(|| m.message_id.clone()),
            in_reply_to: m.in_reply_to.clone(),
            references: m.references.clone(),
            subject: m.subject.clone(),
            from: m.from.iter().filter_map(addr).collect(),
            to: m.to.iter().filter_map(addr).collect(),
            cc: m.cc.iter().filter_map(addr).collect(),
            date: m.sent_date.unwrap_or(m.date),
            internal_date: m.date,
            size: u64::from(m.size),
            // A local client op may be ahead of the server: the record's flags win.
            flags: vec!["\\Deleted".into()],
            snippet: m.snippet.clone(),
            has_attachments: m.has_attachments,
            body_fetched: m.snippet.is_some(),
            created_change: inboxd_model::ChangeId(1),
            mod_change: inboxd_model::ChangeId(2),
        }
    }

    #[test]
    fn lean_records_complete_from_the_row() {
        let full_addrs = Message {
            from: Some(Address {
                name: Some("Ann".into()),
                email: Some("ann@x".into()),
            }),
            to: vec![Address {
                name: None,
                email: Some("bob@x".into()),
            }],
            synthesized_id: false,
            ..sample()
        };
        // `sample()` has a synthesized id and addresses without email; this one has neither.
        let loc = Location {
            folder: FolderId(2),
            uid: 9,
            flag_set: FlagSetId(3),
        };
        for (m, loc) in [(sample(), None), (full_addrs, Some(loc))] {
            let text = message_to(&m, ItemId(42), loc.as_ref());
            assert!(text.len() < full_message_to(&m, ItemId(42)).len());
            let mut stored = message_from(Umid(7), &text);
            assert!(stored.lean);
            assert_eq!(stored.item, Some(ItemId(42)));
            assert_eq!(stored.loc, loc);
            fill_from_row(&mut stored, row_of(&m, ItemId(42)));
            assert_eq!(stored.message, m);
        }
    }

    #[test]
    fn odd_rows_fall_back_to_the_lenient_reader() {
        let text = r#"{"v":2,"item":5,"conv":"x","f":2,"mid":"m","flags":["\\Seen",3],"date":1.5}"#;
        let stored = message_from(Umid(1), text);
        let v = codec::parse(text);
        assert_eq!(stored.message, codec::message_from(Umid(1), &v));
        assert_eq!(stored.item, Some(ItemId(5)));
        assert!(stored.lean);
        assert_eq!(stored.message.flags.as_slice(), ["\\Seen"]);
        assert_eq!(message_from(Umid(1), "not json").item, None);
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
        assert_eq!(location_from(&text), Some(l));
        assert_eq!(
            location_from(r#"{"f":4,"uid":"77"}"#).map(|l| l.folder),
            Some(FolderId(4))
        );
        assert_eq!(location_from(NO_LOCATION), None);
    }
}
