//! The "sync-like insert" bench case: what the IMAP driver writes during an initial sync of a mailing
//! list, one account and one folder, ~1,000 messages per commit. Per message: its conversation created
//! (new thread) or replaced (later message of a thread), one `sync_put` for the conversation, one for the
//! location and one for the message record, and the message itself with realistic header sizes.
//! Deterministic (a fixed xorshift seed) so runs compare.

use std::time::{Duration, Instant};

use inboxd_model::{ItemId, Timestamp};
use inboxd_store::{
    Address, ConversationSummary, NewAccount, NewFolder, NewMessage, Store, StoreOptions,
    folder_ids,
};

/// A tiny deterministic generator (xorshift64): benches need no statistical quality, only repeatability.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo + 1)
    }

    fn word(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b'a' + (self.next() % 26) as u8))
            .collect()
    }

    fn address(&mut self) -> Address {
        let named = !self.next().is_multiple_of(4);
        let name = named.then(|| format!("{} {}", self.word(6), self.word(9)));
        Address {
            name,
            email: format!(
                "{}.{}@{}.example.org",
                self.word(6),
                self.word(8),
                self.word(7)
            ),
        }
    }

    fn addresses(&mut self, lo: u64, hi: u64) -> Vec<Address> {
        (0..self.range(lo, hi)).map(|_| self.address()).collect()
    }

    fn message_id(&mut self) -> String {
        format!(
            "{}.{}@mail.{}.example.com",
            self.word(14),
            self.word(8),
            self.word(6)
        )
    }
}

/// One conversation of the generated list: its store id once created, and its running summary.
struct Thread {
    item: Option<ItemId>,
    summary: ConversationSummary,
}

const MESSAGES_PER_COMMIT: usize = 1_000;
const COMMITS: usize = 10;
/// About one new thread per this many messages (mailing lists: replies dominate).
const MESSAGES_PER_THREAD: u64 = 4;

/// Time spent in `Store::commit` calls: the initial inserts, and (if asked for) putting every message
/// again unchanged but for a flag on every fifth one, as the driver does for messages it already has.
pub struct Times {
    pub insert: Duration,
    pub reput: Duration,
}

/// One inserted message, as the re-put phase needs it.
struct Stored {
    id: ItemId,
    conv: ItemId,
    uid: u32,
    snippet: Option<String>,
    value: String,
}

/// Runs the workload on a fresh store.
pub fn run(reput: bool) -> Result<Times, Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path(), StoreOptions::default())?;
    let now = Timestamp(1_700_000_000_000);
    let account = store
        .create_account(
            NewAccount {
                name: "list@example.com".into(),
                password_hash: "h".into(),
                admin: false,
                imap: None,
            },
            now,
        )?
        .id;
    let folder = store
        .commit(&account, now, |t| {
            t.create_folder(NewFolder {
                parent: folder_ids::ROOT,
                name: "lkml".into(),
                view: Some(inboxd_model::ItemType::Message),
                imap_path: Some("lists/lkml".into()),
                special_use: None,
            })
        })?
        .value;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut threads: Vec<Thread> = Vec::new();
    let mut umid = 0u64;
    let mut took = Duration::ZERO;
    let mut stored: Vec<Stored> = Vec::with_capacity(MESSAGES);
    for _ in 0..COMMITS {
        let batch: Vec<(u64, NewMessage, usize)> = (0..MESSAGES_PER_COMMIT)
            .map(|_| {
                umid += 1;
                let t = pick_thread(&mut rng, &mut threads, umid);
                (umid, message(&mut rng, folder, umid), t)
            })
            .collect();
        let values: Vec<[String; 3]> = batch.iter().map(|_| sync_values(&mut rng)).collect();
        let start = Instant::now();
        let ids = store.commit(&account, now, |t| {
            let mut ids = Vec::with_capacity(batch.len());
            for ((umid, msg, thread), vals) in batch.iter().zip(&values) {
                let th = &mut threads[*thread];
                th.summary.id = th.item;
                th.summary.message_count += 1;
                th.summary.unread_count += 1;
                th.summary.last_date = msg.date;
                let conv = t.put_conversation(th.summary.clone())?;
                th.item = Some(conv);
                t.sync_put("c", &thread.to_string(), Some(&vals[0]))?;
                t.sync_put("l", &umid.to_string(), Some(&vals[1]))?;
                let mut m = msg.clone();
                m.conversation = Some(conv);
                ids.push((t.insert_message(m)?, conv));
                t.sync_put("m", &umid.to_string(), Some(&vals[2]))?;
            }
            Ok(ids)
        })?;
        took += start.elapsed();
        for (((_, msg, _), vals), (id, conv)) in batch.iter().zip(&values).zip(ids.value) {
            stored.push(Stored {
                id,
                conv,
                uid: msg.imap_uid.unwrap_or_default(),
                snippet: msg.snippet.clone(),
                value: vals[2].clone(),
            });
        }
    }
    let reput = match reput {
        true => reput_all(&store, &account, folder, &stored)?,
        false => Duration::ZERO,
    };
    Ok(Times {
        insert: took,
        reput,
    })
}

/// The driver's path for a message it already has (`put_message` in imap-driver's persist): look it up,
/// then move, flags, conversation and body, each a no-op unless something changed, and its record.
fn reput_all(
    store: &Store,
    account: &inboxd_model::AccountId,
    folder: ItemId,
    stored: &[Stored],
) -> Result<Duration, Box<dyn std::error::Error>> {
    let flagged: Vec<String> = vec!["\\Flagged".into(), "\\Seen".into()];
    let seen: Vec<String> = vec!["\\Seen".into()];
    let start = Instant::now();
    for chunk in stored.chunks(MESSAGES_PER_COMMIT) {
        store.commit(account, Timestamp(1_700_000_000_000), |t| {
            for (i, m) in chunk.iter().enumerate() {
                if t.item(m.id)?.is_none() {
                    continue;
                }
                t.move_message(m.id, folder, Some(m.uid))?;
                let flags = if i % 5 == 0 { &flagged } else { &seen };
                t.update_message_flags(m.id, flags)?;
                t.set_message_conversation(m.id, m.conv)?;
                t.set_message_body(m.id, m.snippet.as_deref(), false, false)?;
                t.sync_put("m", &m.uid.to_string(), Some(&m.value))?;
            }
            Ok(())
        })?;
    }
    Ok(start.elapsed())
}

/// A new thread about once every `MESSAGES_PER_THREAD` messages, otherwise a reply to a recent one.
fn pick_thread(rng: &mut Rng, threads: &mut Vec<Thread>, umid: u64) -> usize {
    if threads.is_empty() || rng.next().is_multiple_of(MESSAGES_PER_THREAD) {
        threads.push(Thread {
            item: None,
            summary: ConversationSummary {
                id: None,
                subject: format!("[PATCH v{umid}] {}", rng.word(48)),
                participants: rng.addresses(2, 6),
                first_date: Timestamp(1_600_000_000_000 + umid * 60_000),
                last_date: Timestamp(1_600_000_000_000 + umid * 60_000),
                snippet: Some(rng.word(120)),
                ..Default::default()
            },
        });
        return threads.len() - 1;
    }
    let recent = threads.len().min(200) as u64;
    threads.len() - 1 - (rng.next() % recent) as usize
}

fn message(rng: &mut Rng, folder: ItemId, umid: u64) -> NewMessage {
    let refs: Vec<String> = (0..rng.range(3, 10)).map(|_| rng.message_id()).collect();
    NewMessage {
        folder,
        conversation: None,
        imap_uid: Some(umid as u32),
        message_id: Some(rng.message_id()),
        in_reply_to: refs.last().cloned().into_iter().collect(),
        references: refs,
        subject: format!("Re: [PATCH] {}", rng.word(48)),
        from: vec![rng.address()],
        to: rng.addresses(1, 4),
        cc: rng.addresses(2, 6),
        date: Timestamp(1_600_000_000_000 + umid * 60_000),
        internal_date: Timestamp(1_600_000_000_000 + umid * 60_000 + 1_000),
        size: rng.range(2_000, 40_000),
        flags: vec!["\\Seen".into()],
        snippet: Some(rng.word(100)),
        has_attachments: false,
        body_fetched: false,
    }
}

/// The three engine records per message (conversation, location, message), 100-200 bytes of JSON each.
fn sync_values(rng: &mut Rng) -> [String; 3] {
    [
        format!(
            r#"{{"item":{},"subject_key":"{}","count":{},"last":{}}}"#,
            rng.range(257, 99_999),
            rng.word(60),
            rng.range(1, 50),
            rng.next() % 1_000_000_000_000
        ),
        format!(
            r#"{{"folder":{},"uid":{},"modseq":{},"pad":"{}"}}"#,
            rng.range(1, 9),
            rng.range(1, 99_999),
            rng.next() % 1_000_000_000,
            rng.word(50)
        ),
        format!(
            r#"{{"item":{},"flags":["\\Seen"],"hid":"{}","size":{},"thread":"{}"}}"#,
            rng.range(257, 99_999),
            rng.message_id(),
            rng.range(2_000, 40_000),
            rng.word(40)
        ),
    ]
}

/// Total messages written by one `run`.
pub const MESSAGES: usize = MESSAGES_PER_COMMIT * COMMITS;
