//! sync_message: fetch envelopes in chunks
//! (`UID FETCH <uids> (UID INTERNALDATE FLAGS RFC822.SIZE BODY.PEEK[HEADER] or [HEADER.FIELDS (…)])`), parse
//! the headers, and thread each message: Message-ID / References / In-Reply-To → headerIdMap → new, join or
//! merge (`inboxd-threading` decides; `sync_merge` re-homes). Then write the message and re-churn its
//! conversation.
//!
//! Two sources of work: the pending `SyncMessage` tasks of a folder (messages `sync_refresh` registered), and
//! the unregistered UIDs a `sync_grow` window found ([`SyncMessages::for_uids`]), which are registered (umid,
//! location) only when their envelope arrives. A grow needs no durable task per message: if it is interrupted,
//! the next session's grow searches the same window again and skips the UIDs already known.
//!
//! Broken input never stops the sync: a missing Message-ID gets a stable synthesized one, an unparsable
//! header block leaves a message with date, flags and size only; both are reported as problems. A message
//! expunged before we got to it is forgotten.

use inboxd_model::Timestamp;
use inboxd_threading::Resolution;

use super::{Cx, Job, JobSpec, Step, check_uid_validity, sync_conv, sync_merge, sync_refresh};
use crate::config::HeaderFetch;
use crate::headers::{
    HEADER_FIELDS, ParsedHeaders, parse_header_block, select_fields, synthesize_message_id,
};
use crate::plan::Task;
use crate::reply::{Fetched, Reply};
use crate::wire::{Command, FetchAttr, UidSet};
use crate::{FlagSet, FolderId, Message, Problem, ProblemKind, TaskId, Umid};

/// A message to fetch: its UID, and its `SyncMessage` task and umid when it was registered beforehand
/// (`None`: a UID a grow found, registered when its envelope arrives).
#[derive(Clone, Copy, Debug)]
struct Pending {
    uid: u32,
    task: Option<(TaskId, Umid)>,
}

#[derive(Debug)]
pub(crate) struct SyncMessages {
    folder: FolderId,
    selecting: bool,
    /// Messages of this folder not fetched yet, in fetch order (`None`: the folder's pending tasks, listed
    /// when the first chunk is due).
    pending: Option<std::collections::VecDeque<Pending>>,
    /// The chunk in flight.
    chunk: Vec<Pending>,
    /// A fetched chunk and its reply, threaded once the next chunk's FETCH is out (`run_deferred`).
    fetched: Option<(Vec<Pending>, Reply)>,
    /// Chunks asked for so far (the first ones are smaller, see [`chunk_size`]).
    sent: u32,
}

impl SyncMessages {
    pub(crate) fn new(folder: FolderId) -> Self {
        Self {
            folder,
            selecting: false,
            pending: None,
            chunk: Vec::new(),
            fetched: None,
            sent: 0,
        }
    }

    /// Fetches and threads the given UIDs of `folder` (a grow's window), newest (highest UID) first; UIDs
    /// already known when their chunk is due are skipped. The folder must be selected already.
    pub(crate) fn for_uids(folder: FolderId, mut uids: Vec<u32>) -> Self {
        uids.sort_unstable_by(|a, b| b.cmp(a));
        uids.dedup();
        Self {
            pending: Some(
                uids.into_iter()
                    .map(|uid| Pending { uid, task: None })
                    .collect(),
            ),
            ..Self::new(folder)
        }
    }

    fn pending_tasks(&self, cx: &Cx<'_>) -> std::collections::VecDeque<Pending> {
        cx.db
            .tasks()
            .iter()
            .filter_map(|(id, t)| match t {
                Task::SyncMessage { umid } => Some((*id, *umid)),
                _ => None,
            })
            .filter_map(|(id, umid)| {
                let loc = cx.db.location(umid)?;
                (loc.folder == self.folder).then_some(Pending {
                    uid: loc.uid,
                    task: Some((id, umid)),
                })
            })
            .collect()
    }

    fn next_chunk(&mut self, cx: &mut Cx<'_>) -> Step {
        let mut pending = match self.pending.take() {
            Some(p) => p,
            None => self.pending_tasks(cx),
        };
        let limit = chunk_size(cx.config.fetch_chunk, self.sent, pending.len());
        self.chunk.clear();
        while self.chunk.len() < limit {
            let Some(item) = pending.pop_front() else {
                break;
            };
            // Skip tasks finished since the list was made (e.g. the message vanished in an earlier chunk), and
            // grow UIDs that became known meanwhile.
            let due = match item.task {
                Some((task, _)) => cx.db.tasks().contains_key(&task),
                None => cx.db.umid_at(self.folder, item.uid).is_none(),
            };
            if due {
                self.chunk.push(item);
            }
        }
        self.pending = Some(pending);
        let Some(set) = UidSet::from_uids(self.chunk.iter().map(|c| c.uid)) else {
            return Step::Done;
        };
        self.sent = self.sent.saturating_add(1);
        let headers = match cx.config.header_fetch {
            HeaderFetch::Fields => FetchAttr::BodyPeekHeaderFields(
                HEADER_FIELDS.iter().map(|f| (*f).to_owned()).collect(),
            ),
            HeaderFetch::Whole => FetchAttr::BodyPeekHeader,
        };
        Step::Send(Command::UidFetch {
            set,
            items: vec![
                FetchAttr::Uid,
                FetchAttr::InternalDate,
                FetchAttr::Flags,
                FetchAttr::Rfc822Size,
                headers,
            ],
        })
    }

    fn apply_chunk(cx: &mut Cx<'_>, folder: FolderId, chunk: Vec<Pending>, reply: &Reply) {
        // Conversations that gained messages are re-churned once per chunk, not once per message: a thread
        // of k messages arriving in one chunk cost k re-churns of up to k members each. Churn is a function
        // of the members alone, so the summaries the batch carries are the same.
        let mut grown = std::collections::BTreeSet::new();
        // Sized up front: collecting from a filter would grow (rehash) the map several times per chunk.
        let mut by_uid: foldhash::HashMap<u32, Fetched<'_>> =
            foldhash::HashMap::with_capacity_and_hasher(chunk.len(), Default::default());
        by_uid.extend(reply.fetches().filter_map(|f| Some((f.uid()?, f))));
        for Pending { uid, task } in chunk {
            match (by_uid.get(&uid), task) {
                (Some(f), Some((task, umid))) => {
                    // Registered earlier (by a refresh): the flags may have changed since.
                    let flags = FlagSet::new(f.flags().unwrap_or_default());
                    cx.db.update_flags(umid, &flags);
                    grown.insert(thread_message(cx, folder, umid, uid, f, flags));
                    cx.db.finish_task(task);
                }
                (Some(f), None) => {
                    if cx.db.umid_at(folder, uid).is_none() {
                        // Registered with the flags of this very FETCH: nothing to update.
                        let flags = FlagSet::new(f.flags().unwrap_or_default());
                        let umid = sync_refresh::register(cx, folder, uid, &flags);
                        grown.insert(thread_message(cx, folder, umid, uid, f, flags));
                    }
                }
                (None, Some((_, umid))) => {
                    if let Some(conv) = sync_conv::forget(cx.db, umid) {
                        cx.db.churn(conv);
                    }
                }
                // Expunged before its envelope came: never registered, nothing to forget.
                (None, None) => {}
            }
        }
        for conv in grown {
            cx.db.churn(conv);
        }
    }
}

impl Job for SyncMessages {
    fn start(&mut self, cx: &mut Cx<'_>) -> Step {
        if cx.selected == Some(self.folder) {
            return self.next_chunk(cx);
        }
        self.selecting = true;
        cx.select_step(self.folder)
    }

    fn on_reply(&mut self, cx: &mut Cx<'_>, reply: Reply) -> Step {
        // The engine ran it already; this keeps the job correct on its own.
        self.run_deferred(cx);
        if !reply.is_ok() {
            cx.command_failed(Some(self.folder), "sync_message", &reply);
            return Step::Done;
        }
        if std::mem::take(&mut self.selecting) {
            if check_uid_validity(cx, self.folder, reply.select_info().uid_validity) {
                cx.follow_ups.push(JobSpec::Grow(self.folder));
                return Step::Done;
            }
            return self.next_chunk(cx);
        }
        let chunk = std::mem::take(&mut self.chunk);
        let step = self.next_chunk(cx);
        if matches!(step, Step::Send(_)) {
            // Thread this chunk while the server prepares the next one.
            self.fetched = Some((chunk, reply));
        } else {
            Self::apply_chunk(cx, self.folder, chunk, &reply);
        }
        step
    }

    fn has_deferred(&self) -> bool {
        self.fetched.is_some()
    }

    fn run_deferred(&mut self, cx: &mut Cx<'_>) {
        if let Some((chunk, reply)) = self.fetched.take() {
            Self::apply_chunk(cx, self.folder, chunk, &reply);
        }
    }
}

/// The first chunk of a fetch; each next one may double, up to `fetch_chunk`.
const FIRST_CHUNK: usize = 100;

/// The smallest chunk the end of a fetch shrinks to.
const MIN_LAST_CHUNK: usize = 64;

/// How many envelopes the next FETCH asks for: `fetch_chunk` in the middle of a folder, fewer at both ends.
/// The first chunks ramp up (100, 200, 400, …) because the engine and the store have nothing to do until the
/// first reply is in. The last ones shrink to half of what is left (at least [`MIN_LAST_CHUNK`]) because what
/// is threaded and committed after the last reply is the sync's tail, when the server has nothing left to send.
/// A chunk is threaded while the server answers the next, so the tail is then one small chunk.
fn chunk_size(fetch_chunk: u32, sent: u32, remaining: usize) -> usize {
    let most = usize::try_from(fetch_chunk.max(1)).unwrap_or(usize::MAX);
    // Past 16 doublings any chunk size is reached.
    let ramp = match sent {
        0..16 => FIRST_CHUNK << sent,
        _ => usize::MAX,
    };
    let tail = remaining.div_ceil(2).max(MIN_LAST_CHUNK);
    most.min(ramp).min(tail)
}

/// Builds the message record from one FETCH (whose `flags` the caller recorded at the message's location
/// already), assigns its conversation and writes the record; returns the conversation, for the caller to
/// re-churn.
fn thread_message(
    cx: &mut Cx<'_>,
    folder: FolderId,
    umid: Umid,
    uid: u32,
    f: &Fetched<'_>,
    flags: FlagSet,
) -> crate::ConvId {
    // A whole header block parses exactly like the fields a HEADER.FIELDS fetch returns (cut from it byte
    // for byte, in one pass when possible), so the parse and a synthesized Message-ID do not depend on the
    // fetch mode. The cut copy is only made when it is needed.
    let block = f.body().unwrap_or_default();
    let mut headers = parse_header_block(block);
    let synthesized = headers.thread.message_id.is_none();
    let raw = (synthesized || !headers.parsed).then(|| select_fields(block));
    if let Some(raw) = &raw
        && !headers.parsed
        && !raw.iter().all(u8::is_ascii_whitespace)
    {
        report(
            cx,
            folder,
            uid,
            umid,
            ProblemKind::MalformedHeaders,
            "header block did not parse",
        );
    }
    if let Some(raw) = raw.filter(|_| synthesized) {
        let validity = cx.db.sync_state(folder).uid_validity.unwrap_or(0);
        let fallback = format!("{folder}.{validity}.{uid}");
        headers.thread.message_id = Some(synthesize_message_id(&raw, &fallback));
        report(
            cx,
            folder,
            uid,
            umid,
            ProblemKind::MissingMessageId,
            "synthesized a Message-ID",
        );
    }
    let (conv, resolution) = cx.db.assign(&headers.thread, umid);
    if let Resolution::Merge { keep, absorb } = &resolution {
        sync_merge::apply(cx.db, *keep, absorb);
    }
    let date = f
        .internal_date()
        .and_then(|d| u64::try_from(d).ok())
        .or(headers.sent_date)
        .unwrap_or(0);
    let message = build_message(umid, conv, folder, headers, flags, date, f);
    cx.db.put_message(Message {
        synthesized_id: synthesized,
        ..message
    });
    conv
}

fn build_message(
    umid: Umid,
    conv: crate::ConvId,
    folder: FolderId,
    h: ParsedHeaders,
    flags: FlagSet,
    date: u64,
    f: &Fetched<'_>,
) -> Message {
    Message {
        umid,
        conv,
        folder,
        message_id: h.thread.message_id.unwrap_or_default(),
        synthesized_id: false,
        references: h.thread.references,
        in_reply_to: h.thread.in_reply_to,
        subject: h.subject,
        from: h.from,
        to: h.to,
        cc: h.cc,
        date: Timestamp::from_millis(date),
        sent_date: h.sent_date.map(Timestamp::from_millis),
        flags,
        size: f.size().unwrap_or(0),
        snippet: None,
        has_attachments: false,
    }
}

fn report(
    cx: &mut Cx<'_>,
    folder: FolderId,
    uid: u32,
    umid: Umid,
    kind: ProblemKind,
    detail: &str,
) {
    cx.db.problem(Problem {
        folder: Some(folder),
        uid: Some(uid),
        umid: Some(umid),
        ..Problem::new(kind, detail)
    });
}

#[cfg(test)]
mod chunk_size_tests {
    use super::chunk_size;

    /// The chunk sizes a fetch of `n` messages asks for.
    fn plan(fetch_chunk: u32, mut n: usize) -> Vec<usize> {
        let mut sizes = Vec::new();
        while n > 0 {
            let c = chunk_size(fetch_chunk, sizes.len() as u32, n).min(n);
            sizes.push(c);
            n -= c;
        }
        sizes
    }

    #[test]
    fn a_big_fetch_ramps_up_runs_full_chunks_and_shrinks_at_the_end() {
        let sizes = plan(500, 10_464);
        assert_eq!(sizes.iter().sum::<usize>(), 10_464);
        assert_eq!(sizes[..4], [100, 200, 400, 500]);
        assert!(sizes.iter().all(|c| *c <= 500));
        let last = &sizes[sizes.len() - 4..];
        assert!(last.windows(2).all(|w| w[1] <= w[0]), "{sizes:?}");
        assert!(*sizes.last().unwrap() <= 64, "{sizes:?}");
    }

    #[test]
    fn small_chunks_and_small_fetches_are_left_alone() {
        assert_eq!(plan(50, 120), [50, 50, 20]);
        assert_eq!(plan(500, 60), [60]);
        assert_eq!(plan(0, 3), [1, 1, 1]);
        assert_eq!(chunk_size(u32::MAX, 40, usize::MAX), u32::MAX as usize);
    }
}
