//! sync_body (on demand): fetch one message's body (`UID FETCH uid (UID BODY.PEEK[]<0.max>)`), parse it with
//! mail-parser, store a snippet and the decoded parts, and re-churn the conversation (its snippet).
//!
//! A vanished message or a failed fetch ends the task with a problem, not an error: the user asked for a
//! body that no longer exists. What does not belong here: attachment download in chunks (future work).

use mail_parser::{MessageParser, MimeHeaders, PartType};

use super::{Cx, Job, Step};
use crate::plan::Task;
use crate::reply::Reply;
use crate::wire::{Command, FetchAttr, UidSet};
use crate::{Body, BodyPart, Location, Problem, ProblemKind, Umid};

/// Characters kept for a snippet (gaia `DESIRED_SNIPPET_LENGTH`).
pub const SNIPPET_CHARS: usize = 160;

#[derive(Debug)]
pub(crate) struct SyncBody {
    umid: Umid,
    loc: Option<Location>,
    selecting: bool,
}

impl SyncBody {
    pub(crate) fn new(umid: Umid) -> Self {
        Self {
            umid,
            loc: None,
            selecting: false,
        }
    }

    fn fetch(&mut self, cx: &mut Cx<'_>) -> Step {
        let Some(set) = self.loc.and_then(|l| UidSet::single(l.uid)) else {
            return self.fail(cx, ProblemKind::MessageVanished, "no location");
        };
        Step::Send(Command::UidFetch {
            set,
            items: vec![
                FetchAttr::Uid,
                FetchAttr::BodyPeekPartial {
                    section: String::new(),
                    start: 0,
                    len: cx.config.max_body_bytes,
                },
            ],
        })
    }

    fn fail(&mut self, cx: &mut Cx<'_>, kind: ProblemKind, detail: &str) -> Step {
        cx.db.problem(Problem {
            folder: self.loc.map(|l| l.folder),
            uid: self.loc.map(|l| l.uid),
            umid: Some(self.umid),
            ..Problem::new(kind, detail)
        });
        finish_tasks(cx, self.umid);
        Step::Done
    }

    fn apply(&mut self, cx: &mut Cx<'_>, reply: &Reply) -> Step {
        let uid = self.loc.map(|l| l.uid);
        let Some(raw) = reply
            .fetches()
            .find(|f| f.uid() == uid)
            .and_then(|f| f.body())
        else {
            return self.fail(cx, ProblemKind::MessageVanished, "not in FETCH reply");
        };
        let Some(body) = parse_body(self.umid, raw) else {
            return self.fail(cx, ProblemKind::MalformedBody, "body did not parse");
        };
        if let Some(m) = cx.db.message(self.umid) {
            let mut m = m.clone();
            m.snippet = Some(body.snippet.clone());
            m.has_attachments = body.parts.iter().any(|p| p.file_name.is_some());
            let conv = m.conv;
            cx.db.put_message(m);
            cx.db.churn(conv);
        }
        cx.db.put_body(body);
        finish_tasks(cx, self.umid);
        Step::Done
    }
}

impl Job for SyncBody {
    fn start(&mut self, cx: &mut Cx<'_>) -> Step {
        self.loc = cx.db.location(self.umid);
        let Some(loc) = self.loc else {
            return self.fail(cx, ProblemKind::MessageVanished, "no location");
        };
        if cx.selected == Some(loc.folder) {
            return self.fetch(cx);
        }
        self.selecting = true;
        match cx.select(loc.folder) {
            Some(cmd) => Step::Send(cmd),
            None => self.fail(cx, ProblemKind::MessageVanished, "folder gone"),
        }
    }

    fn on_reply(&mut self, cx: &mut Cx<'_>, reply: Reply) -> Step {
        if !reply.is_ok() {
            cx.command_failed(self.loc.map(|l| l.folder), "sync_body", &reply);
            finish_tasks(cx, self.umid);
            return Step::Done;
        }
        if std::mem::take(&mut self.selecting) {
            return self.fetch(cx);
        }
        self.apply(cx, &reply)
    }
}

fn finish_tasks(cx: &mut Cx<'_>, umid: Umid) {
    cx.db
        .finish_tasks_of(umid, |t| matches!(t, Task::SyncBody { .. }));
}

/// Parses a whole message into a snippet and its leaf parts.
pub(crate) fn parse_body(umid: Umid, raw: &[u8]) -> Option<Body> {
    let msg = MessageParser::default().parse(raw)?;
    let snippet = msg
        .body_preview(SNIPPET_CHARS)
        .map(|s| s.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let parts = msg
        .parts
        .iter()
        .filter_map(|p| {
            let text = match &p.body {
                PartType::Text(t) | PartType::Html(t) => Some(t.to_string()),
                PartType::Binary(_) | PartType::InlineBinary(_) | PartType::Message(_) => None,
                PartType::Multipart(_) => return None,
            };
            let content_type = p.content_type().map_or_else(
                || "text/plain".to_owned(),
                |c| format!("{}/{}", c.ctype(), c.subtype().unwrap_or("")).to_lowercase(),
            );
            Some(BodyPart {
                content_type,
                text,
                file_name: p.attachment_name().map(str::to_owned),
                size: u64::try_from(p.len()).unwrap_or(u64::MAX),
            })
        })
        .collect();
    Some(Body {
        umid,
        snippet: snippet.chars().take(SNIPPET_CHARS).collect(),
        parts,
    })
}
