//! Corpus loading for the search bench: an mboxrd.gz parsed with mail-parser, threaded with
//! inboxd-threading's `HeaderIdMap`, summarized with `churn`, and written into a store the way the sync
//! engine would (one Inbox, conversations first, then messages in batches).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use flate2::read::GzDecoder;
use inboxd_model::{AccountId, ItemId, Timestamp};
use inboxd_store::{Address, ConversationSummary, NewMessage, Store, folder_ids};
use inboxd_threading::{Addr, ConvMessage, HeaderIdMap, ThreadHeaders, churn};
use mail_parser::mailbox::mbox::MessageIterator;
use mail_parser::{HeaderName, Message, MessageParser};

/// What the store needs of one corpus message.
pub struct Parsed {
    headers: ThreadHeaders,
    subject: String,
    from: Vec<Address>,
    to: Vec<Address>,
    cc: Vec<Address>,
    date: Timestamp,
    size: u64,
    snippet: Option<String>,
}

/// What was loaded.
pub struct Loaded {
    pub messages: usize,
    pub conversations: usize,
    /// The conversation with the most messages, and its size.
    pub largest: (ItemId, usize),
}

/// Parses up to `max` messages of a gzip'd mboxrd.
pub fn parse_mbox(path: &Path, max: usize) -> std::io::Result<Vec<Parsed>> {
    let reader = BufReader::new(GzDecoder::new(File::open(path)?));
    let parser = MessageParser::default();
    let mut out = Vec::new();
    for raw in MessageIterator::new(reader).take(max) {
        let raw = raw?;
        if let Some(m) = parser.parse(raw.contents()) {
            out.push(parsed(&m, raw.contents().len()));
        }
    }
    Ok(out)
}

fn parsed(m: &Message<'_>, size: usize) -> Parsed {
    let header = |name| raw_header(m, name);
    Parsed {
        headers: ThreadHeaders::from_raw(
            header(HeaderName::MessageId).as_deref(),
            header(HeaderName::InReplyTo).as_deref(),
            header(HeaderName::References).as_deref(),
        ),
        subject: m.subject().unwrap_or("").to_owned(),
        from: addresses(m.from()),
        to: addresses(m.to()),
        cc: addresses(m.cc()),
        date: Timestamp(
            m.date()
                .map_or(0, |d| u64::try_from(d.to_timestamp()).unwrap_or(0) * 1000),
        ),
        size: size as u64,
        snippet: m.body_preview(100).map(Cow::into_owned),
    }
}

fn addresses(a: Option<&mail_parser::Address<'_>>) -> Vec<Address> {
    a.into_iter()
        .flat_map(|a| a.iter())
        .filter_map(|a| {
            Some(Address {
                name: a.name().map(str::to_owned),
                email: a.address()?.to_owned(),
            })
        })
        .collect()
}

/// The first header field called `name`, raw (ThreadHeaders normalizes it).
fn raw_header<'a>(m: &'a Message<'_>, name: HeaderName<'_>) -> Option<Cow<'a, str>> {
    let h = m.root_part().headers().iter().find(|h| h.name == name)?;
    let start = usize::try_from(h.offset_start).ok()?;
    let end = usize::try_from(h.offset_end).ok()?;
    Some(String::from_utf8_lossy(m.raw_message().get(start..end)?))
}

/// Deterministic flags: every 4th message unread, every 50th flagged.
fn flags(i: usize) -> Vec<String> {
    let mut f = Vec::new();
    if !i.is_multiple_of(4) {
        f.push("\\Seen".to_owned());
    }
    if i.is_multiple_of(50) {
        f.push("\\Flagged".to_owned());
    }
    f
}

/// Threads the messages (final conversation of each, after merges) and writes everything into Inbox.
pub fn seed(
    store: &Store,
    account: &AccountId,
    msgs: &[Parsed],
    now: Timestamp,
) -> anyhow::Result<Loaded> {
    let mut map: HeaderIdMap<u32> = HeaderIdMap::new();
    let mut next = 0u32;
    let arrival: Vec<u32> = msgs
        .iter()
        .map(|p| {
            map.assign(&p.headers, || {
                next += 1;
                next
            })
            .conversation
        })
        .collect();
    let mut groups: BTreeMap<u32, Vec<usize>> = BTreeMap::new();
    for (i, (p, conv)) in msgs.iter().zip(&arrival).enumerate() {
        let label = map.lookup(&p.headers).target().unwrap_or(*conv);
        groups.entry(label).or_default().push(i);
    }
    let summaries: Vec<(u32, ConversationSummary)> = groups
        .iter()
        .map(|(label, members)| (*label, summary(msgs, members)))
        .collect();
    let conv_ids: BTreeMap<u32, ItemId> = store
        .commit(account, now, |txn| {
            summaries
                .into_iter()
                .map(|(label, s)| Ok((label, txn.put_conversation(s)?)))
                .collect::<Result<_, inboxd_store::StoreError>>()
        })?
        .value;
    let mut conv_of = vec![ItemId(0); msgs.len()];
    let mut largest = (ItemId(0), 0);
    for (label, members) in &groups {
        let id = conv_ids[label];
        members.iter().for_each(|&i| conv_of[i] = id);
        if members.len() > largest.1 {
            largest = (id, members.len());
        }
    }
    let indexed: Vec<usize> = (0..msgs.len()).collect();
    for chunk in indexed.chunks(1000) {
        store.commit(account, now, |txn| {
            chunk.iter().try_for_each(|&i| {
                txn.insert_message(new_message(&msgs[i], i, conv_of[i]))
                    .map(drop)
            })
        })?;
    }
    Ok(Loaded {
        messages: msgs.len(),
        conversations: groups.len(),
        largest,
    })
}

fn summary(msgs: &[Parsed], members: &[usize]) -> ConversationSummary {
    let conv: Vec<ConvMessage> = members
        .iter()
        .map(|&i| ConvMessage {
            id: i as u64,
            date_ms: i64::try_from(msgs[i].date.0).unwrap_or(0),
            subject: msgs[i].subject.clone(),
            from: msgs[i]
                .from
                .iter()
                .map(|a| Addr {
                    name: a.name.clone(),
                    email: a.email.clone(),
                })
                .collect(),
            unread: !flags(i).iter().any(|f| f == "\\Seen"),
            flagged: flags(i).iter().any(|f| f == "\\Flagged"),
            snippet: msgs[i].snippet.clone(),
            ..Default::default()
        })
        .collect();
    let s = churn(&conv);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    let ts = |ms: i64| Timestamp(u64::try_from(ms).unwrap_or(0));
    ConversationSummary {
        id: None,
        subject: s.subject,
        participants: s
            .participants
            .into_iter()
            .map(|a| Address {
                name: a.name,
                email: a.email,
            })
            .collect(),
        first_date: ts(s.first_date),
        last_date: ts(s.last_date),
        message_count: count(s.message_count),
        unread_count: count(s.unread_count),
        flagged: s.flagged,
        has_attachments: s.has_attachments,
        snippet: s.snippet,
    }
}

fn new_message(p: &Parsed, i: usize, conv: ItemId) -> NewMessage {
    let ids = |v: &[String]| -> Vec<String> {
        v.iter()
            .filter(|s| !s.is_empty() && !s.chars().any(char::is_whitespace))
            .cloned()
            .collect()
    };
    NewMessage {
        folder: folder_ids::INBOX,
        conversation: Some(conv),
        imap_uid: u32::try_from(i + 1).ok(),
        message_id: p.headers.message_id.clone(),
        in_reply_to: ids(&p.headers.in_reply_to),
        references: ids(&p.headers.references),
        subject: p.subject.clone(),
        from: p.from.clone(),
        to: p.to.clone(),
        cc: p.cc.clone(),
        date: p.date,
        internal_date: p.date,
        size: p.size,
        flags: flags(i),
        snippet: p.snippet.clone(),
        has_attachments: false,
        body_fetched: true,
    }
}
