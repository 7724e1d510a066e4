//! The local half of a client operation on a message: the store change a SOAP handler makes at once (flags,
//! folder, deletion, and the conversation summary re-churned with `inboxd_threading::churn`), plus the queued
//! op for the worker ([`crate::queue_op`]), all inside the handler's one transaction.
//!
//! What belongs here: the store writes of an action. What does not: parsing requests and faults (the
//! server's handlers), and anything upstream (the engine).

use std::collections::BTreeSet;

use inboxd_model::{ItemId, Timestamp};
use inboxd_store::{Address, ConversationSummary, Item, StoreError, Txn};
use inboxd_threading::{Addr, ConvMessage, churn};

use crate::ops::{QueuedOp, queue_op};

/// What a client does to a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageAction {
    /// Set (`true`) or clear a flag such as `\Seen` or `\Flagged`.
    Flag(String, bool),
    /// Move to this store folder.
    Move(ItemId),
    /// Delete for good (upstream: `\Deleted` and expunge).
    Delete,
}

/// Applies `action` to each message in one transaction: store change, queued op (when `upstream`: the
/// account has an IMAP source whose worker will consume it), then one re-churn per touched conversation. Ids
/// that are not messages are `NoSuchItem`.
pub fn apply_message_actions(
    txn: &mut Txn<'_>,
    messages: &[ItemId],
    action: &MessageAction,
    upstream: bool,
) -> Result<(), StoreError> {
    let mut convs = BTreeSet::new();
    for id in messages {
        let Some(Item::Message(m)) = txn.item(*id)? else {
            return Err(StoreError::NoSuchItem);
        };
        convs.extend(m.conversation);
        let op = match action {
            MessageAction::Flag(flag, on) => {
                let mut flags: Vec<String> =
                    m.flags.iter().filter(|f| *f != flag).cloned().collect();
                if *on {
                    flags.push(flag.clone());
                }
                flags.sort();
                if flags == m.flags {
                    continue;
                }
                txn.update_message_flags(*id, &flags)?;
                QueuedOp {
                    flags: Some(flags),
                    ..QueuedOp::default()
                }
            }
            MessageAction::Move(folder) => {
                if m.folder == *folder {
                    continue;
                }
                txn.move_message(*id, *folder, None)?;
                QueuedOp {
                    folder: Some(*folder),
                    ..QueuedOp::default()
                }
            }
            MessageAction::Delete => {
                txn.delete_message(*id)?;
                QueuedOp {
                    delete: true,
                    ..QueuedOp::default()
                }
            }
        };
        if upstream {
            queue_op(txn, *id, op)?;
        }
    }
    for conv in convs {
        rechurn(txn, conv)?;
    }
    Ok(())
}

/// Recomputes a conversation's summary from its messages; deletes it when none is left.
pub fn rechurn(txn: &mut Txn<'_>, conv: ItemId) -> Result<(), StoreError> {
    let msgs: Vec<ConvMessage> = txn
        .conversation_messages(conv)?
        .iter()
        .map(|m| ConvMessage {
            id: u64::try_from(m.id.0).unwrap_or(0),
            date_ms: i64::try_from(m.internal_date.as_millis()).unwrap_or(i64::MAX),
            subject: m.subject.clone(),
            from: m
                .from
                .iter()
                .map(|a| Addr {
                    name: a.name.clone(),
                    email: a.email.clone(),
                })
                .collect(),
            unread: !m.flags.iter().any(|f| f == "\\Seen"),
            flagged: m.flags.iter().any(|f| f == "\\Flagged"),
            has_attachments: m.has_attachments,
            snippet: m.snippet.clone(),
            deleted: false,
        })
        .collect();
    let s = churn(&msgs);
    if s.is_empty() {
        return match txn.delete_conversation(conv) {
            Err(StoreError::NoSuchItem) => Ok(()),
            other => other,
        };
    }
    txn.put_conversation(ConversationSummary {
        id: Some(conv),
        subject: s.subject,
        participants: s
            .participants
            .into_iter()
            .map(|a| Address {
                name: a.name,
                email: a.email,
            })
            .collect(),
        first_date: Timestamp(u64::try_from(s.first_date).unwrap_or(0)),
        last_date: Timestamp(u64::try_from(s.last_date).unwrap_or(0)),
        message_count: u32::try_from(s.message_count).unwrap_or(u32::MAX),
        unread_count: u32::try_from(s.unread_count).unwrap_or(u32::MAX),
        flagged: s.flagged,
        has_attachments: s.has_attachments,
        snippet: s.snippet,
    })?;
    Ok(())
}
