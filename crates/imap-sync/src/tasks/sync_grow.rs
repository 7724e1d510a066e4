//! sync_grow: widen a folder's date window (and the base case: the first sync of a folder).
//!
//! 1. SELECT (a changed UIDVALIDITY resets the folder first).
//! 2. Unknown = EXISTS − known. Fewer than [`SYNC_WHOLE_FOLDER_AT_N_MESSAGES`], or mirror mode: take the
//!    whole folder back to [`crate::OLDEST_SYNC_DATE`] (no SINCE at all, so even older dates are caught).
//!    Otherwise probe: `UID SEARCH ALL` gives the sequence → UID mapping (the engine speaks UIDs only), then
//!    `UID FETCH <sampled uids> (UID INTERNALDATE)`; `date_probe` picks the new since-date.
//! 3. `UID SEARCH [BEFORE old+1d] [SINCE new]` → unknown UIDs. A window that reaches back to the dawn of
//!    time after an earlier one searches `UID 1:last_high` instead: every unknown UID up to the highest the
//!    first grow saw is in it, and Dovecot answers that without reading a date (a date SEARCH took 10–16 ms
//!    of a 10k-message folder in `bench/sync`). Higher UIDs are `sync_refresh`'s.
//! 4. Their envelopes, newest first, in chunks (`sync_message`'s fetch, [`SyncMessages::for_uids`]): each
//!    message is registered (umid, location) and threaded as its envelope arrives. No `SyncMessage` task per
//!    message: an interrupted grow is searched again next session and skips what is known by then.
//! 5. Window moved; the first grow also sets `last_high_uid` (UIDNEXT−1, else the highest UID found).
//!
//! Mirror mode (`grow_to_full`, the daemon's) takes the whole folder in one grow, newest first: the newest
//! mail arrives with the first chunk all the same, and date windows would only cost time. Each is a probe
//! and a date `SEARCH`, which Dovecot answers by reading every message's date: ~10 ms for a 10k-message
//! folder whose index cache is warm, 80 ms when it is cold (as after delivery), measured in `bench/sync`;
//! and the probe's fixed 3-day fallback could take thousands of windows on a folder with scrambled dates.
//! Windows are for syncing part of a folder (`grow_to_full` off), grown on request.

use inboxd_model::Timestamp;

use super::date_probe::{self, SYNC_WHOLE_FOLDER_AT_N_MESSAGES};
use super::sync_message::SyncMessages;
use super::{Cx, Job, JobSpec, Step, check_uid_validity};
use crate::reply::{Reply, SelectInfo};
use crate::wire::{Command, FetchAttr, SearchKey, UidSet};
use crate::{DAY_MS, FolderId, OLDEST_SYNC_DATE};

#[derive(Debug)]
pub(crate) struct SyncGrow {
    folder: FolderId,
    state: State,
    info: SelectInfo,
    /// Sampled `(position, uid)` pairs of the probe.
    samples: Vec<(u32, u32)>,
    /// The window being added: `[new_since, old_since)`; `None` new_since = to the dawn of time.
    new_since: Option<u64>,
    found_max: u32,
    /// The envelope fetch of the window's unknown UIDs.
    fetch: Option<SyncMessages>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Select,
    ProbeSearch,
    ProbeFetch,
    Search,
    Fetch,
}

impl SyncGrow {
    pub(crate) fn new(folder: FolderId) -> Self {
        Self {
            folder,
            state: State::Select,
            info: SelectInfo::default(),
            samples: Vec::new(),
            new_since: None,
            found_max: 0,
            fetch: None,
        }
    }

    fn known(&self, cx: &Cx<'_>) -> u32 {
        cx.db
            .uids(self.folder)
            .map_or(0, |m| u32::try_from(m.len()).unwrap_or(u32::MAX))
    }

    fn old_since(&self, cx: &Cx<'_>) -> Option<u64> {
        cx.db
            .sync_state(self.folder)
            .since_date
            .map(Timestamp::as_millis)
    }

    fn after_select(&mut self, cx: &mut Cx<'_>) -> Step {
        let unknown = self.info.exists.saturating_sub(self.known(cx));
        if unknown < SYNC_WHOLE_FOLDER_AT_N_MESSAGES || cx.config.grow_to_full {
            self.new_since = None;
            return self.search(cx);
        }
        self.state = State::ProbeSearch;
        Step::Send(Command::UidSearch {
            criteria: SearchKey::All,
        })
    }

    fn probe_fetch(&mut self, cx: &mut Cx<'_>, reply: &Reply) -> Step {
        let mut all = reply.search();
        all.sort_unstable();
        all.dedup();
        let total = u32::try_from(all.len()).unwrap_or(u32::MAX);
        let start = total.saturating_sub(self.known(cx));
        self.samples = date_probe::sample_positions(start)
            .into_iter()
            .filter_map(|pos| Some((pos, *all.get(usize::try_from(pos).ok()?.checked_sub(1)?)?)))
            .collect();
        let Some(set) = UidSet::from_uids(self.samples.iter().map(|(_, uid)| *uid)) else {
            self.new_since = None;
            return self.search(cx);
        };
        self.state = State::ProbeFetch;
        Step::Send(Command::UidFetch {
            set,
            items: vec![FetchAttr::Uid, FetchAttr::InternalDate],
        })
    }

    fn after_probe(&mut self, cx: &mut Cx<'_>, reply: &Reply) -> Step {
        let dates: Vec<(u32, i64)> = reply
            .fetches()
            .filter_map(|f| {
                let uid = f.uid()?;
                let pos = self.samples.iter().find(|(_, u)| *u == uid)?.0;
                Some((pos, f.internal_date()?))
            })
            .collect();
        let cur = self
            .old_since(cx)
            .unwrap_or_else(|| date_probe::quantize(cx.now.as_millis()).saturating_add(DAY_MS));
        let picked = date_probe::pick_since_date(&dates, cur);
        self.new_since = (picked > OLDEST_SYNC_DATE.as_millis()).then_some(picked);
        self.search(cx)
    }

    fn search(&mut self, cx: &mut Cx<'_>) -> Step {
        self.state = State::Search;
        let last_high = cx.db.sync_state(self.folder).last_high_uid;
        if self.new_since.is_none()
            && self.old_since(cx).is_some()
            && let Some(set) = UidSet::range(1, last_high)
        {
            return Step::Send(Command::UidSearch {
                criteria: SearchKey::Uid(set),
            });
        }
        let mut keys = Vec::new();
        if let Some(old) = self.old_since(cx) {
            // One day of overlap: SEARCH dates are server-local, ours are UTC. Known UIDs are filtered out.
            keys.push(SearchKey::Before(to_i64(old.saturating_add(DAY_MS))));
        }
        if let Some(new) = self.new_since {
            keys.push(SearchKey::Since(to_i64(new)));
        }
        let criteria = match keys.len() {
            0 => SearchKey::All,
            1 => keys.remove(0),
            _ => SearchKey::And(keys),
        };
        Step::Send(Command::UidSearch { criteria })
    }

    fn fetch_found(&mut self, cx: &mut Cx<'_>, reply: &Reply) -> Step {
        let found = reply.search();
        self.found_max = found.iter().copied().max().unwrap_or(0);
        let unknown = found
            .into_iter()
            .filter(|u| cx.db.umid_at(self.folder, *u).is_none())
            .collect();
        self.state = State::Fetch;
        let mut fetch = SyncMessages::for_uids(self.folder, unknown);
        let step = fetch.start(cx);
        self.fetch = Some(fetch);
        self.after_fetch_step(cx, step)
    }

    /// The window is done once its envelope fetch is.
    fn after_fetch_step(&mut self, cx: &mut Cx<'_>, step: Step) -> Step {
        match step {
            Step::Send(cmd) => Step::Send(cmd),
            Step::Done => self.finish(cx),
        }
    }

    fn finish(&mut self, cx: &mut Cx<'_>) -> Step {
        let mut st = cx.db.sync_state(self.folder);
        let since = self.new_since.unwrap_or(OLDEST_SYNC_DATE.as_millis());
        if st.since_date.is_none() {
            st.last_high_uid = self
                .info
                .uid_next
                .map_or(self.found_max, |n| n.saturating_sub(1))
                .max(st.last_high_uid);
        }
        st.since_date = Some(Timestamp::from_millis(since));
        st.fully_synced = self.new_since.is_none();
        st.estimated_unsynced = self.info.exists.saturating_sub(self.known(cx));
        st.last_sync_at = Some(cx.now);
        cx.db.put_sync_state(self.folder, st);
        cx.follow_ups.push(JobSpec::Messages(self.folder));
        Step::Done
    }
}

impl Job for SyncGrow {
    fn start(&mut self, cx: &mut Cx<'_>) -> Step {
        if cx.db.sync_state(self.folder).fully_synced {
            return Step::Done;
        }
        cx.select_step(self.folder)
    }

    fn on_reply(&mut self, cx: &mut Cx<'_>, reply: Reply) -> Step {
        self.run_deferred(cx);
        if !reply.is_ok() {
            // The window stays where it was: the next grow searches it again.
            cx.command_failed(Some(self.folder), "grow", &reply);
            return Step::Done;
        }
        match self.state {
            State::Select => {
                self.info = reply.select_info();
                check_uid_validity(cx, self.folder, self.info.uid_validity);
                self.after_select(cx)
            }
            State::ProbeSearch => self.probe_fetch(cx, &reply),
            State::ProbeFetch => self.after_probe(cx, &reply),
            State::Search => self.fetch_found(cx, &reply),
            State::Fetch => match self.fetch.as_mut() {
                Some(fetch) => {
                    let step = fetch.on_reply(cx, reply);
                    self.after_fetch_step(cx, step)
                }
                None => Step::Done,
            },
        }
    }

    fn has_deferred(&self) -> bool {
        self.fetch.as_ref().is_some_and(Job::has_deferred)
    }

    fn run_deferred(&mut self, cx: &mut Cx<'_>) {
        if let Some(fetch) = self.fetch.as_mut() {
            fetch.run_deferred(cx);
        }
    }
}

fn to_i64(ms: u64) -> i64 {
    i64::try_from(ms).unwrap_or(i64::MAX)
}
