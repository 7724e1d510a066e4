//! What the engine makes of server responses: one command's untagged data collected up to its tagged
//! completion, capability sets, and SELECT results.
//!
//! What belongs here: read-only views over `wire::Response` values. What does not: parsing bytes (`wire`) or
//! deciding what to do with the data (`tasks`).

use crate::wire::{Code, FetchItem, Status, Untagged};

/// Everything the server sent for one command: untagged responses, then the tagged completion.
#[derive(Clone, PartialEq, Debug)]
pub struct Reply {
    pub status: Status,
    pub code: Option<Code>,
    pub text: String,
    pub untagged: Vec<Untagged>,
}

impl Reply {
    pub fn is_ok(&self) -> bool {
        self.status == Status::Ok
    }

    /// The FETCH responses, as `(seq, items)`.
    pub fn fetches(&self) -> impl Iterator<Item = Fetched<'_>> {
        self.untagged.iter().filter_map(|u| match u {
            Untagged::Fetch { seq, items } => Some(Fetched { seq: *seq, items }),
            _ => None,
        })
    }

    /// UIDs of all SEARCH responses (servers may split them over several lines).
    pub fn search(&self) -> Vec<u32> {
        self.untagged
            .iter()
            .filter_map(|u| match u {
                Untagged::Search(v) => Some(v.iter().copied()),
                _ => None,
            })
            .flatten()
            .collect()
    }

    /// Capabilities from an untagged CAPABILITY or the completion's `[CAPABILITY …]` code.
    pub fn capabilities(&self) -> Option<Capabilities> {
        let from_code = match &self.code {
            Some(Code::Capability(c)) => Some(c.clone()),
            _ => None,
        };
        self.untagged
            .iter()
            .find_map(|u| match u {
                Untagged::Capability(c) => Some(c.clone()),
                _ => None,
            })
            .or(from_code)
            .map(Capabilities::new)
    }

    /// EXISTS, UIDVALIDITY and UIDNEXT from a SELECT/EXAMINE reply.
    pub fn select_info(&self) -> SelectInfo {
        let mut info = SelectInfo::default();
        for u in &self.untagged {
            match u {
                Untagged::Exists(n) => info.exists = *n,
                Untagged::Ok {
                    code: Some(Code::UidValidity(v)),
                    ..
                } => info.uid_validity = Some(*v),
                Untagged::Ok {
                    code: Some(Code::UidNext(v)),
                    ..
                } => info.uid_next = Some(*v),
                _ => {}
            }
        }
        info
    }
}

/// One FETCH response.
#[derive(Clone, Copy, Debug)]
pub struct Fetched<'a> {
    pub seq: u32,
    pub items: &'a [FetchItem],
}

impl<'a> Fetched<'a> {
    pub fn uid(&self) -> Option<u32> {
        self.items.iter().find_map(|i| match i {
            FetchItem::Uid(u) => Some(*u),
            _ => None,
        })
    }

    pub fn flags(&self) -> Option<&'a [String]> {
        self.items.iter().find_map(|i| match i {
            FetchItem::Flags(f) => Some(f.as_slice()),
            _ => None,
        })
    }

    pub fn internal_date(&self) -> Option<i64> {
        self.items.iter().find_map(|i| match i {
            FetchItem::InternalDate(d) => Some(*d),
            _ => None,
        })
    }

    pub fn size(&self) -> Option<u32> {
        self.items.iter().find_map(|i| match i {
            FetchItem::Rfc822Size(s) => Some(*s),
            _ => None,
        })
    }

    /// The first body section's data (NIL counts as empty).
    pub fn body(&self) -> Option<&'a [u8]> {
        self.items.iter().find_map(|i| match i {
            FetchItem::Body { data, .. } => Some(data.as_deref().unwrap_or_default()),
            _ => None,
        })
    }
}

/// What SELECT/EXAMINE told us about a mailbox.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct SelectInfo {
    pub exists: u32,
    pub uid_validity: Option<u32>,
    pub uid_next: Option<u32>,
}

/// The server's capabilities, upper-cased.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct Capabilities(Vec<String>);

impl Capabilities {
    pub fn new<S: AsRef<str>>(caps: impl IntoIterator<Item = S>) -> Self {
        Capabilities(
            caps.into_iter()
                .map(|c| c.as_ref().to_ascii_uppercase())
                .collect(),
        )
    }

    pub fn has(&self, cap: &str) -> bool {
        self.0.iter().any(|c| c.eq_ignore_ascii_case(cap))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}
