//! Churn: recomputing a conversation's summary from its messages.
//!
//! What belongs here: the pure summary function and its input/output types. What does not:
//! loading messages or writing the summary (the engine does that around `churn`).

use crate::subject::base_subject;

/// Most participants kept in a summary (list rows show a few names, not hundreds).
pub const MAX_PARTICIPANTS: usize = 10;

/// A mail address with optional display name.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Addr {
    /// Display name, if any.
    pub name: Option<String>,
    /// The address itself.
    pub email: String,
}

/// What churn needs to know about one message of a conversation.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConvMessage {
    /// The message item id (tie-breaker for equal dates).
    pub id: u64,
    /// Message date in ms since the epoch.
    pub date_ms: i64,
    /// Decoded Subject header.
    pub subject: String,
    /// From addresses.
    pub from: Vec<Addr>,
    /// No `\Seen` flag.
    pub unread: bool,
    /// `\Flagged`.
    pub flagged: bool,
    /// Has attachments.
    pub has_attachments: bool,
    /// Body snippet; `None` means not fetched yet.
    pub snippet: Option<String>,
    /// Deleted (expunged or `\Deleted`): ignored by churn.
    pub deleted: bool,
}

/// The conversation row derived from its messages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConversationSummary {
    /// Base subject of the earliest message with a non-empty base subject ("" if none).
    pub subject: String,
    /// Distinct senders (by case-insensitive email) in date order, at most [`MAX_PARTICIPANTS`].
    pub participants: Vec<Addr>,
    /// Date of the earliest message (0 when empty).
    pub first_date: i64,
    /// Date of the latest message (0 when empty); the conversation's sort date.
    pub last_date: i64,
    /// Live (non-deleted) messages.
    pub message_count: usize,
    /// Live unread messages.
    pub unread_count: usize,
    /// Any live message flagged.
    pub flagged: bool,
    /// Any live message with attachments.
    pub has_attachments: bool,
    /// Snippet of the latest message that has one.
    pub snippet: Option<String>,
}

impl ConversationSummary {
    /// True when no live message is left: the engine should delete the conversation.
    pub fn is_empty(&self) -> bool {
        self.message_count == 0
    }
}

/// Computes the summary of a conversation's messages, given in any order.
///
/// Messages are sorted by `(date_ms, id)` first, so the result never depends on the caller's
/// order (gaia's churn took the subject from whichever message came first, and its callers
/// disagreed on the order). Deleted messages are ignored entirely; if none is left the summary is
/// empty ([`ConversationSummary::is_empty`]) and the conversation should be deleted.
pub fn churn(messages: &[ConvMessage]) -> ConversationSummary {
    let mut live: Vec<&ConvMessage> = messages.iter().filter(|m| !m.deleted).collect();
    live.sort_by_key(|m| (m.date_ms, m.id));
    let (Some(first), Some(last)) = (live.first(), live.last()) else {
        return ConversationSummary::default();
    };
    ConversationSummary {
        subject: summary_subject(&live),
        participants: participants(&live),
        first_date: first.date_ms,
        last_date: last.date_ms,
        message_count: live.len(),
        unread_count: live.iter().filter(|m| m.unread).count(),
        flagged: live.iter().any(|m| m.flagged),
        has_attachments: live.iter().any(|m| m.has_attachments),
        snippet: live.iter().rev().find_map(|m| m.snippet.clone()),
    }
}

fn summary_subject(sorted: &[&ConvMessage]) -> String {
    sorted
        .iter()
        .map(|m| base_subject(&m.subject))
        .find(|s| !s.is_empty())
        .unwrap_or_default()
}

/// Distinct senders in date order; a later display name fills in a missing one.
fn participants(sorted: &[&ConvMessage]) -> Vec<Addr> {
    let mut out: Vec<Addr> = Vec::new();
    for addr in sorted.iter().flat_map(|m| &m.from) {
        if addr.email.is_empty() {
            continue;
        }
        let full = out.len() >= MAX_PARTICIPANTS;
        let existing = out
            .iter_mut()
            .find(|a| a.email.eq_ignore_ascii_case(&addr.email));
        match existing {
            Some(known) if known.name.is_none() => known.name.clone_from(&addr.name),
            Some(_) => {}
            None if !full => out.push(addr.clone()),
            None => {}
        }
    }
    out
}
