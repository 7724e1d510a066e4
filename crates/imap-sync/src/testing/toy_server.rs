//! A toy in-memory IMAP server that answers the engine's commands with typed `wire` responses.
//!
//! What belongs here: just enough RFC 3501 semantics for the sync engine (LOGIN, CAPABILITY, LIST,
//! SELECT/EXAMINE, UID FETCH, UID SEARCH, IDLE/DONE, LOGOUT), plus knobs for server quirks (no UIDNEXT).
//! SEARCH dates compare UTC days. What does not: parsing command bytes (tests hand it `Command` values).

use std::collections::BTreeMap;

use crate::DAY_MS;
use crate::wire::{
    Code, Command, FetchAttr, FetchItem, ListEntry, Response, SearchKey, Status, UidSet, Untagged,
};

/// One message in a toy mailbox.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ToyMessage {
    pub uid: u32,
    pub flags: Vec<String>,
    /// INTERNALDATE, ms since the epoch.
    pub internal_date: i64,
    pub raw: Vec<u8>,
}

/// One toy mailbox. `messages` are in UID (= sequence) order.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ToyMailbox {
    pub uid_validity: u32,
    pub uid_next: u32,
    pub attrs: Vec<String>,
    pub messages: Vec<ToyMessage>,
}

impl ToyMailbox {
    pub fn new(uid_validity: u32) -> Self {
        Self {
            uid_validity,
            uid_next: 1,
            attrs: Vec::new(),
            messages: Vec::new(),
        }
    }
}

/// The toy server: mailboxes by path, capabilities, credentials and quirks.
#[derive(Clone, Debug)]
pub struct ToyServer {
    pub mailboxes: BTreeMap<String, ToyMailbox>,
    pub capabilities: Vec<String>,
    pub user: String,
    pub password: String,
    /// Quirk: SELECT does not report UIDNEXT (gaia's `nouidnext` fake-server variant).
    pub no_uidnext: bool,
    /// Every command received, in order.
    pub received: Vec<Command>,
    /// Answer the next command with this name (`Command::name`) `NO [code]` without running it.
    pub fail_once: Option<(&'static str, Code)>,
    pub(crate) selected: Option<String>,
    /// The response code of the tagged completion being built (COPYUID).
    pub(crate) completion_code: Option<Code>,
    next_validity: u32,
}

impl Default for ToyServer {
    fn default() -> Self {
        Self::new()
    }
}

impl ToyServer {
    /// A server with an empty INBOX, RFC 3501 capabilities only, user `user` / password `pass`.
    pub fn new() -> Self {
        let mut s = Self {
            mailboxes: BTreeMap::new(),
            capabilities: vec!["IMAP4rev1".into()],
            user: "user".into(),
            password: "pass".into(),
            no_uidnext: false,
            received: Vec::new(),
            fail_once: None,
            selected: None,
            completion_code: None,
            next_validity: 100,
        };
        s.add_mailbox("INBOX", &[]);
        s
    }

    /// Creates a mailbox (no-op if it exists).
    pub fn add_mailbox(&mut self, path: &str, attrs: &[&str]) {
        if self.mailboxes.contains_key(path) {
            return;
        }
        self.next_validity += 1;
        let mut mb = ToyMailbox::new(self.next_validity);
        mb.attrs = attrs.iter().map(|a| (*a).to_owned()).collect();
        self.mailboxes.insert(path.to_owned(), mb);
    }

    pub fn remove_mailbox(&mut self, path: &str) {
        self.mailboxes.remove(path);
    }

    /// Appends a message; returns its UID (0 if the mailbox does not exist).
    pub fn append(&mut self, path: &str, raw: &[u8], internal_date: i64, flags: &[&str]) -> u32 {
        let Some(mb) = self.mailboxes.get_mut(path) else {
            return 0;
        };
        let uid = mb.uid_next;
        mb.uid_next += 1;
        mb.messages.push(ToyMessage {
            uid,
            flags: flags.iter().map(|f| (*f).to_owned()).collect(),
            internal_date,
            raw: raw.to_vec(),
        });
        uid
    }

    /// Expunges one message.
    pub fn expunge(&mut self, path: &str, uid: u32) {
        if let Some(mb) = self.mailboxes.get_mut(path) {
            mb.messages.retain(|m| m.uid != uid);
        }
    }

    /// Replaces one message's flags.
    pub fn set_flags(&mut self, path: &str, uid: u32, flags: &[&str]) {
        let msg = self
            .mailboxes
            .get_mut(path)
            .and_then(|mb| mb.messages.iter_mut().find(|m| m.uid == uid));
        if let Some(m) = msg {
            m.flags = flags.iter().map(|f| (*f).to_owned()).collect();
        }
    }

    /// Gives a mailbox a new UIDVALIDITY and renumbers its messages from 1 (what a server rebuild does).
    pub fn reset_uid_validity(&mut self, path: &str) {
        self.next_validity += 1;
        let validity = self.next_validity;
        if let Some(mb) = self.mailboxes.get_mut(path) {
            mb.uid_validity = validity;
            for (i, m) in mb.messages.iter_mut().enumerate() {
                m.uid = u32::try_from(i + 1).unwrap_or(u32::MAX);
            }
            mb.uid_next = u32::try_from(mb.messages.len() + 1).unwrap_or(u32::MAX);
        }
    }

    /// Answers one command: untagged responses, then the tagged completion (tag `T`).
    pub fn answer(&mut self, cmd: &Command) -> Vec<Response> {
        self.received.push(cmd.clone());
        let mut out = Vec::new();
        if let Some((name, code)) = self.fail_once.take_if(|(n, _)| *n == cmd.name()) {
            out.push(Response::Tagged {
                tag: "T".into(),
                status: Status::No,
                code: Some(code),
                text: format!("{name} refused for now"),
            });
            return out;
        }
        let status = self.run(cmd, &mut out);
        if let Some((status, text)) = status {
            out.push(Response::Tagged {
                tag: "T".into(),
                status,
                code: self.completion_code.take(),
                text: text.into(),
            });
        }
        out
    }

    fn run(&mut self, cmd: &Command, out: &mut Vec<Response>) -> Option<(Status, &'static str)> {
        let ok = Some((Status::Ok, "done"));
        match cmd {
            Command::Login { user, password } | Command::AuthenticatePlain { user, password } => {
                if *user == self.user && *password == self.password {
                    ok
                } else {
                    Some((Status::No, "bad credentials"))
                }
            }
            Command::Capability => {
                out.push(Response::Untagged(Untagged::Capability(
                    self.capabilities.clone(),
                )));
                ok
            }
            Command::List { .. } => {
                for (path, mb) in &self.mailboxes {
                    out.push(Response::Untagged(Untagged::List(ListEntry {
                        attrs: mb.attrs.clone(),
                        delimiter: Some('/'),
                        mailbox: path.clone(),
                    })));
                }
                ok
            }
            Command::Select { mailbox } | Command::Examine { mailbox } => self.select(mailbox, out),
            Command::UidFetch { set, items } => {
                self.fetch(set, items, out);
                ok
            }
            Command::UidSearch { criteria } => {
                let uids = self.selected_box().map_or_else(Vec::new, |mb| {
                    mb.messages
                        .iter()
                        .filter(|m| matches(m, criteria, mb))
                        .map(|m| m.uid)
                        .collect()
                });
                out.push(Response::Untagged(Untagged::Search(uids)));
                ok
            }
            Command::Idle => {
                out.push(Response::Continue("idling".into()));
                None
            }
            Command::Logout => {
                out.push(Response::Untagged(Untagged::Bye {
                    code: None,
                    text: "bye".into(),
                }));
                ok
            }
            Command::Done | Command::Noop => ok,
            Command::UidStore { .. }
            | Command::UidCopy { .. }
            | Command::UidMove { .. }
            | Command::Expunge
            | Command::UidExpunge { .. } => self.run_write(cmd, out),
            Command::Create { .. } | Command::Rename { .. } | Command::Delete { .. } => {
                self.run_folder(cmd)
            }
            _ => Some((Status::Bad, "not supported by the toy server")),
        }
    }

    fn selected_box(&self) -> Option<&ToyMailbox> {
        self.mailboxes.get(self.selected.as_deref()?)
    }

    fn select(&mut self, mailbox: &str, out: &mut Vec<Response>) -> Option<(Status, &'static str)> {
        let Some(mb) = self.mailboxes.get(mailbox) else {
            self.selected = None;
            return Some((Status::No, "no such mailbox"));
        };
        if mb
            .attrs
            .iter()
            .any(|a| a.eq_ignore_ascii_case("\\Noselect"))
        {
            self.selected = None;
            return Some((Status::No, "not selectable"));
        }
        let exists = u32::try_from(mb.messages.len()).unwrap_or(u32::MAX);
        out.push(Response::Untagged(Untagged::Exists(exists)));
        out.push(Response::Untagged(Untagged::Recent(0)));
        let mut codes = vec![Code::UidValidity(mb.uid_validity)];
        if !self.no_uidnext {
            codes.push(Code::UidNext(mb.uid_next));
        }
        for code in codes {
            out.push(Response::Untagged(Untagged::Ok {
                code: Some(code),
                text: String::new(),
            }));
        }
        self.selected = Some(mailbox.to_owned());
        Some((Status::Ok, "selected"))
    }

    fn fetch(&self, set: &UidSet, items: &[FetchAttr], out: &mut Vec<Response>) {
        let Some(mb) = self.selected_box() else {
            return;
        };
        let max_uid = mb.messages.last().map_or(0, |m| m.uid);
        for (i, m) in mb.messages.iter().enumerate() {
            if !in_set(set, m.uid, max_uid) {
                continue;
            }
            let mut fetched = vec![FetchItem::Uid(m.uid)];
            fetched.extend(items.iter().filter_map(|a| fetch_item(m, a)));
            out.push(Response::Untagged(Untagged::Fetch {
                seq: u32::try_from(i + 1).unwrap_or(u32::MAX),
                items: fetched,
            }));
        }
    }
}

/// RFC 3501: `*` is the highest UID, and `n:*` matches it even when it is below `n`.
pub(crate) fn in_set(set: &UidSet, uid: u32, max_uid: u32) -> bool {
    set.ranges().iter().any(|&(lo, hi)| {
        if hi == u32::MAX {
            let lo = lo.min(max_uid);
            uid >= lo
        } else {
            uid >= lo && uid <= hi
        }
    })
}

fn fetch_item(m: &ToyMessage, attr: &FetchAttr) -> Option<FetchItem> {
    Some(match attr {
        FetchAttr::Uid => return None,
        FetchAttr::Flags => FetchItem::Flags(m.flags.clone()),
        FetchAttr::InternalDate => FetchItem::InternalDate(m.internal_date),
        FetchAttr::Rfc822Size => {
            FetchItem::Rfc822Size(u32::try_from(m.raw.len()).unwrap_or(u32::MAX))
        }
        FetchAttr::BodyPeekHeaderFields(fields) => FetchItem::Body {
            section: format!("HEADER.FIELDS ({})", fields.join(" ")),
            origin: None,
            data: Some(header_fields(&m.raw, fields)),
        },
        FetchAttr::BodyPeekHeader => FetchItem::Body {
            section: "HEADER".into(),
            origin: None,
            data: Some(header_fields(&m.raw, &[])),
        },
        FetchAttr::BodyPeek(section) if section.is_empty() => FetchItem::Body {
            section: String::new(),
            origin: None,
            data: Some(m.raw.clone()),
        },
        FetchAttr::BodyPeekPartial {
            section,
            start,
            len,
        } if section.is_empty() => {
            let start = usize::try_from(*start)
                .unwrap_or(usize::MAX)
                .min(m.raw.len());
            let end = start
                .saturating_add(usize::try_from(*len).unwrap_or(usize::MAX))
                .min(m.raw.len());
            FetchItem::Body {
                section: String::new(),
                origin: Some(u32::try_from(start).unwrap_or(0)),
                data: m.raw.get(start..end).map(<[u8]>::to_vec),
            }
        }
        _ => return None,
    })
}

/// The header block limited to `fields` (all of it when `fields` is empty), ending with the blank line.
fn header_fields(raw: &[u8], fields: &[String]) -> Vec<u8> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |p| p + 2);
    let header = raw.get(..end).unwrap_or(raw);
    let mut out = Vec::new();
    let mut keep = false;
    for line in header.split_inclusive(|b| *b == b'\n') {
        let continuation = line.first().is_some_and(|b| *b == b' ' || *b == b'\t');
        if !continuation {
            let name = line.split(|b| *b == b':').next().unwrap_or_default();
            let name = String::from_utf8_lossy(name).trim().to_ascii_uppercase();
            keep = fields.is_empty() || fields.iter().any(|f| f.eq_ignore_ascii_case(&name));
        }
        if keep {
            out.extend_from_slice(line);
        }
    }
    out.extend_from_slice(b"\r\n");
    out
}

fn day(ms: i64) -> i64 {
    ms.div_euclid(i64::try_from(DAY_MS).unwrap_or(i64::MAX))
}

fn matches(m: &ToyMessage, key: &SearchKey, mb: &ToyMailbox) -> bool {
    let max_uid = mb.messages.last().map_or(0, |m| m.uid);
    let has = |f: &str| m.flags.iter().any(|x| x.eq_ignore_ascii_case(f));
    match key {
        SearchKey::All => true,
        SearchKey::Uid(set) => in_set(set, m.uid, max_uid),
        SearchKey::Since(d) => day(m.internal_date) >= day(*d),
        SearchKey::Before(d) => day(m.internal_date) < day(*d),
        SearchKey::On(d) => day(m.internal_date) == day(*d),
        SearchKey::Deleted => has("\\Deleted"),
        SearchKey::Undeleted => !has("\\Deleted"),
        SearchKey::Seen => has("\\Seen"),
        SearchKey::Unseen => !has("\\Seen"),
        SearchKey::Flagged => has("\\Flagged"),
        SearchKey::Not(k) => !matches(m, k, mb),
        SearchKey::Or(a, b) => matches(m, a, mb) || matches(m, b, mb),
        SearchKey::And(keys) => keys.iter().all(|k| matches(m, k, mb)),
        SearchKey::Header(name, value) => {
            let field = String::from_utf8_lossy(&header_fields(&m.raw, std::slice::from_ref(name)))
                .to_ascii_lowercase();
            field.contains(&value.to_ascii_lowercase())
        }
        _ => false,
    }
}
