//! The threading-relevant headers of one message, normalized, and the ids it is looked up by.
//!
//! What belongs here: `ThreadHeaders` and which ids count for conversation lookup. What does not:
//! the lookup itself (`map`, `resolve`) or header parsing of whole messages (the caller's MIME
//! parser supplies the three raw values).

use std::collections::HashSet;

use crate::message_id::{normalize_message_id, parse_message_id_list};

/// Normalized Message-ID, In-Reply-To and References of one message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThreadHeaders {
    /// The message's own id, if it has a valid one.
    pub message_id: Option<String>,
    /// In-Reply-To ids in header order (usually one).
    pub in_reply_to: Vec<String>,
    /// References ids, oldest (root) first, capped as `parse_message_id_list` documents.
    pub references: Vec<String>,
}

impl ThreadHeaders {
    /// Builds from raw header values (absent headers as `None`); junk is tolerated, see
    /// [`normalize_message_id`] and [`parse_message_id_list`].
    pub fn from_raw(
        message_id: Option<&str>,
        in_reply_to: Option<&str>,
        references: Option<&str>,
    ) -> Self {
        Self {
            message_id: message_id.and_then(normalize_message_id),
            in_reply_to: in_reply_to.map(parse_message_id_list).unwrap_or_default(),
            references: references.map(parse_message_id_list).unwrap_or_default(),
        }
    }

    /// The ids used for headerIdMap lookup and recording: the own id, then References, then
    /// In-Reply-To, without duplicates (first occurrence kept).
    ///
    /// In-Reply-To always counts, also when References is absent (the case gaia never finished:
    /// In-Reply-To-only replies then found no parent and split the thread). Every id is used, not
    /// only the nearest ancestor, so that any shared ancestor (also an unseen one) joins messages.
    pub fn header_ids(&self) -> Vec<String> {
        let total =
            usize::from(self.message_id.is_some()) + self.references.len() + self.in_reply_to.len();
        let mut seen: HashSet<&str> = HashSet::with_capacity(total);
        let mut ids = Vec::with_capacity(total);
        let all = self
            .message_id
            .iter()
            .chain(&self.references)
            .chain(&self.in_reply_to);
        for id in all {
            if seen.insert(id.as_str()) {
                ids.push(id.clone());
            }
        }
        ids
    }

    /// True when the message carries no usable id at all (it can only start its own conversation).
    pub fn is_empty(&self) -> bool {
        self.message_id.is_none() && self.in_reply_to.is_empty() && self.references.is_empty()
    }
}
