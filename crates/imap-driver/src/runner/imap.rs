//! The IMAP side of a `Runner`: opening the connection, sending the engine's commands (literal segments
//! after the server's `+`), reading tagged completions (login refusals, mailbox sizes for progress), and
//! losing the connection. What does not belong here: store commits and the event loop (`mod.rs`).

use std::collections::VecDeque;

use inboxd_imap_sync::Input;
use inboxd_imap_sync::wire::{self, Command, Response, Untagged};

use super::Runner;
use crate::DriverError;
use crate::config::ProgressEvent;
use crate::connection::Connection;

impl Runner {
    pub(super) async fn connect(&mut self) {
        match Connection::open(&self.source, &self.opts).await {
            Ok(c) => {
                let input = Input::Connected {
                    capabilities: c.capabilities().to_vec(),
                    preauthenticated: c.preauthenticated(),
                };
                self.conn = Some(c);
                (self.progress)(ProgressEvent::Connected);
                self.feed(input);
            }
            Err(e) => {
                tracing::warn!(account = %self.account, %e, "IMAP connect failed");
                self.last_error = Some(e);
                self.feed(Input::Disconnected);
            }
        }
    }

    pub(super) async fn send(&mut self, cmd: Command) {
        let Some(conn) = self.conn.as_mut() else {
            self.feed(Input::Disconnected);
            return;
        };
        self.tags += 1;
        let tag = format!("s{}", self.tags);
        self.opening = match &cmd {
            Command::Select { mailbox } | Command::Examine { mailbox } => {
                Some((mailbox.clone(), 0))
            }
            _ => None,
        };
        self.logging_in = matches!(
            cmd,
            Command::Login { .. } | Command::AuthenticatePlain { .. }
        );
        let mut segments: VecDeque<Vec<u8>> = wire::encode(&tag, &cmd).into();
        // DONE carries no tag: its completion is IDLE's tagged reply, already awaited.
        if !matches!(cmd, Command::Done) {
            self.inflight = Some(tag);
        }
        // In IDLE the server speaks only when something changes; after DONE it owes the tagged reply.
        self.idling = matches!(cmd, Command::Idle);
        self.summary.commands += 1;
        tracing::trace!(command = cmd.name(), "send");
        let first = segments.pop_front().unwrap_or_default();
        self.pending = segments;
        if let Err(e) = conn.send_segment(&first).await {
            self.lost(e);
        }
    }

    pub(super) fn reset_inflight(&mut self) {
        self.pending.clear();
        self.inflight = None;
        self.idling = false;
        self.opening = None;
        self.logging_in = false;
    }

    pub(super) fn lost(&mut self, e: DriverError) {
        tracing::info!(account = %self.account, %e, "IMAP connection lost");
        self.conn = None;
        self.reset_inflight();
        // A refused login explains the hang-up that follows it better than the hang-up does.
        if !matches!(self.last_error, Some(DriverError::Auth(_))) {
            self.last_error = Some(e);
        }
        self.feed(Input::Disconnected);
    }

    pub(super) async fn on_response(&mut self, r: Response) {
        match &r {
            Response::Continue(_) => {
                if let Some(seg) = self.pending.pop_front()
                    && let Some(c) = self.conn.as_mut()
                    && let Err(e) = c.send_segment(&seg).await
                {
                    self.lost(e);
                    return;
                }
            }
            Response::Untagged(Untagged::Exists(n)) => {
                if let Some((_, exists)) = self.opening.as_mut() {
                    *exists = *n;
                }
            }
            Response::Tagged {
                tag, status, text, ..
            } if self.inflight.as_deref() == Some(tag.as_str()) => {
                tracing::trace!(%tag, "tagged reply");
                self.pending.clear();
                self.inflight = None;
                self.idling = false;
                if std::mem::take(&mut self.logging_in) {
                    if *status == wire::Status::Ok {
                        // Logged in again: earlier trouble is over.
                        self.last_error = None;
                    } else {
                        tracing::warn!(account = %self.account, %text, "IMAP login refused");
                        self.last_error = Some(DriverError::Auth(text.clone()));
                    }
                }
                if let Some((path, exists)) = self.opening.take()
                    && *status == wire::Status::Ok
                {
                    self.summary.folders += 1;
                    self.summary.upstream_messages += u64::from(exists);
                    (self.progress)(ProgressEvent::Folder { path, exists });
                }
            }
            _ => {}
        }
        self.feed(Input::Response(r));
    }
}

/// Commands that change nothing on the server: they may go out while a batch is still being committed.
pub(super) fn read_only(cmd: &Command) -> bool {
    matches!(
        cmd,
        Command::Capability
            | Command::Noop
            | Command::Logout
            | Command::StartTls
            | Command::Login { .. }
            | Command::AuthenticatePlain { .. }
            | Command::List { .. }
            | Command::Lsub { .. }
            | Command::Select { .. }
            | Command::Examine { .. }
            | Command::Status { .. }
            | Command::UidFetch { .. }
            | Command::UidSearch { .. }
            | Command::Idle
            | Command::Done
    )
}
