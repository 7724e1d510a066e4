//! [Admin]WaitSetRequest: modify the waitset, then answer at once or park until data, timeout or
//! cancel. Unknown `AllWaitSet-` ids are resumed from the change log (the server restarted), using the
//! client's seq (a commit seq) and the request's `defTypes` (`all` when absent, so a resumed waitset
//! never goes deaf; Zimbra would use an empty set).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use inboxd_model::{CommitSeq, InterestTypes};
use inboxd_soap::{Element, Fault};
use inboxd_waitset::{
    LogEntry, Owner, Ticket, WaitOutcome, WaitRequest, WaitResponse, WaitSetError, WaitSetId,
};
use tokio::sync::oneshot;

use super::shell::{StoreLookup, WaitSetShell};
use super::{blocking, codec, owner, resolve_name};
use crate::cx::Cx;

/// Change-log rows read per page while resuming.
const LOG_PAGE: usize = 10_000;

enum Step {
    Answered(WaitResponse),
    Parked(Ticket, oneshot::Receiver<WaitResponse>),
}

/// The answer still to come; boxed so that [`super::dispatch`]'s future holds one pointer for it.
type WaitFuture<'a> = Pin<Box<dyn Future<Output = Result<Element, Fault>> + Send + 'a>>;

/// Runs the request's engine step now when it needs no store (the common long poll), so that only the
/// park itself (ticket, receiver, ids) is a future; the parsed request is gone before it parks.
pub(super) fn handle<'a>(
    shell: Arc<WaitSetShell>,
    cx: &Cx,
    req: Element,
    name: &'a str,
    ns: &'a str,
) -> WaitFuture<'a> {
    let owner = match owner(cx) {
        Ok(owner) => owner,
        Err(fault) => return Box::pin(std::future::ready(Err(fault))),
    };
    let id = WaitSetId::new(req.scalar("waitSet").unwrap_or_default());
    let now = cx.now;
    match inline(&shell, &owner, &req, now) {
        Some(Ok(step)) => answer(shell, id, step, name, ns),
        Some(Err(fault)) => Box::pin(std::future::ready(Err(fault))),
        None => Box::pin(async move {
            let sh = shell.clone();
            let step = blocking(move || {
                let wait = parse(&sh, &req)?;
                run(&sh, &owner, wait, now)
            })
            .await?;
            answer(shell, id, step, name, ns).await
        }),
    }
}

/// The response at once, or a future that parks until it comes.
fn answer<'a>(
    shell: Arc<WaitSetShell>,
    id: WaitSetId,
    step: Step,
    name: &'a str,
    ns: &'a str,
) -> WaitFuture<'a> {
    match step {
        Step::Answered(r) => Box::pin(std::future::ready(Ok(codec::wait_response(name, ns, &r)))),
        Step::Parked(ticket, rx) => Box::pin(Parked {
            guard: AbandonOnDrop {
                shell: Some(shell),
                ticket,
            },
            id,
            rx,
            name,
            ns,
        }),
    }
}

/// The common long-poll (no add/update/remove) touches no store: run it on this task. `None` when the
/// request needs the store (account specs, or resuming an unknown all-accounts waitset).
fn inline(
    shell: &WaitSetShell,
    owner: &Owner,
    req: &Element,
    now: inboxd_model::Timestamp,
) -> Option<Result<Step, Fault>> {
    if ["add", "update", "remove"]
        .iter()
        .any(|list| req.child(list).is_some())
    {
        return None;
    }
    let wait = match parse(shell, req) {
        Ok(w) => w,
        Err(f) => return Some(Err(f)),
    };
    match try_wait(shell, owner, wait, now) {
        Err(WaitSetError::NoSuchWaitSet(id)) if id.is_all_accounts() && owner.admin => None,
        res => Some(res.map_err(|e| codec::fault(e, false))),
    }
}

fn parse(shell: &WaitSetShell, req: &Element) -> Result<WaitRequest, Fault> {
    let resolve = |n: &str| resolve_name(&shell.store, n);
    let timeout = req
        .int_opt::<i64>("timeout")?
        .map(|t| u64::try_from(t).unwrap_or(0));
    Ok(WaitRequest {
        id: WaitSetId::new(req.required("waitSet")?),
        seq: req.required("seq")?,
        block: req.bool_opt("block")?.unwrap_or(false),
        timeout,
        def_types: codec::types_opt(req, "defTypes")?,
        add: codec::specs(req, "add", &resolve)?,
        update: codec::specs(req, "update", &resolve)?,
        remove: codec::specs(req, "remove", &resolve)?
            .into_iter()
            .map(|s| s.account)
            .collect(),
    })
}

/// One engine call under the lock; resumes an all-accounts waitset first if it is unknown.
fn run(
    shell: &WaitSetShell,
    owner: &Owner,
    req: WaitRequest,
    now: inboxd_model::Timestamp,
) -> Result<Step, Fault> {
    match try_wait(shell, owner, req.clone(), now) {
        Err(WaitSetError::NoSuchWaitSet(id)) if id.is_all_accounts() && owner.admin => {
            resume(shell, owner, &req, now)?;
            try_wait(shell, owner, req, now).map_err(|e| codec::fault(e, false))
        }
        res => res.map_err(|e| codec::fault(e, false)),
    }
}

fn try_wait(
    shell: &WaitSetShell,
    owner: &Owner,
    req: WaitRequest,
    now: inboxd_model::Timestamp,
) -> Result<Step, WaitSetError> {
    let mut st = shell.lock();
    let (outcome, done) = st
        .engine
        .wait(owner, req, &StoreLookup(&shell.store), now)?;
    st.deliver(done);
    Ok(match outcome {
        WaitOutcome::Ready(r) => Step::Answered(r),
        WaitOutcome::Parked { ticket, .. } => {
            let rx = st.park(ticket);
            drop(st);
            shell.deadline_changed();
            Step::Parked(ticket, rx)
        }
    })
}

/// Recreates the all-accounts waitset `req.id` from the change log after the client's seq. The bulk of
/// the log is read without the lock; the tail is read under it, so no commit falls in between.
fn resume(
    shell: &WaitSetShell,
    owner: &Owner,
    req: &WaitRequest,
    now: inboxd_model::Timestamp,
) -> Result<(), Fault> {
    let seq = match req.seq.parse::<u64>() {
        Ok(s) if s > 0 => CommitSeq(s),
        _ => return Err(Fault::parse_error(format!("Invalid CommitId: {}", req.seq))),
    };
    let types = req.def_types.unwrap_or(InterestTypes::ALL);
    let mut log = Vec::new();
    let after = read_log(shell, seq, types, &mut log)?;
    let mut st = shell.lock();
    read_log(shell, after, types, &mut log)?;
    match st
        .engine
        .resume_all_accounts(owner, req.id.clone(), seq, types, &log, now)
    {
        Ok(()) | Err(WaitSetError::AlreadyExists(_)) => Ok(()),
        Err(e) => Err(codec::fault(e, false)),
    }
}

/// Appends matching log rows after `after`; returns the last seq read.
fn read_log(
    shell: &WaitSetShell,
    mut after: CommitSeq,
    types: InterestTypes,
    out: &mut Vec<LogEntry>,
) -> Result<CommitSeq, Fault> {
    // Bounded: each page strictly advances `after`, and the log is finite.
    loop {
        let page = shell
            .store
            .log_since(after, LOG_PAGE)
            .map_err(crate::store_fault)?;
        let full = page.len() == LOG_PAGE;
        for row in page {
            after = row.seq;
            if row.types.intersects(types) {
                out.push((row.seq, row.account, row.change_id, row.types));
            }
        }
        if !full {
            return Ok(after);
        }
    }
}

/// A parked long poll: all that stays alive while it waits (written out rather than an `async fn`,
/// whose arguments and locals would each take their own slot). Dropping it before the answer comes,
/// as a client hang-up does, abandons the ticket.
struct Parked<'a> {
    guard: AbandonOnDrop,
    id: WaitSetId,
    rx: oneshot::Receiver<WaitResponse>,
    name: &'a str,
    ns: &'a str,
}

impl Future for Parked<'_> {
    type Output = Result<Element, Fault>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let res = ready!(Pin::new(&mut self.rx).poll(cx));
        self.guard.shell = None;
        let response = match res {
            Ok(r) => r,
            // The sender went away without an answer (shell dropped): the client retries.
            Err(_) => WaitResponse {
                id: self.id.clone(),
                seq: None,
                canceled: true,
                signalled: Vec::new(),
                errors: Vec::new(),
            },
        };
        Poll::Ready(Ok(codec::wait_response(self.name, self.ns, &response)))
    }
}

struct AbandonOnDrop {
    shell: Option<Arc<WaitSetShell>>,
    ticket: Ticket,
}

impl Drop for AbandonOnDrop {
    fn drop(&mut self) {
        if let Some(shell) = self.shell.take() {
            shell.abandon(self.ticket);
        }
    }
}
