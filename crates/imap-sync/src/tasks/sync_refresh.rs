//! sync_refresh: the steady-state sync of one folder.
//!
//! 1. SELECT; a changed UIDVALIDITY resets the folder and hands over to a grow.
//! 2. New messages by UIDNEXT: `UID FETCH last_high+1:* (UID INTERNALDATE FLAGS)`, skipped when UIDNEXT says
//!    nothing is new.
//! 3. Deletions: `UID SEARCH UID <known>` (chunked; never sent with an empty set); known UIDs not returned
//!    are gone. `\Deleted` is treated as an ordinary flag (gaia's `NOT DELETED` made undeleted messages vanish
//!    for good).
//! 4. Flag changes: `UID FETCH <survivors> (UID FLAGS)`, compared through the flag-set table.
//! 5. One batch: deletions and flag changes (via `sync_conv`), new umids + locations + `SyncMessage` tasks.
//!
//! A folder that was never grown is handed to `sync_grow` (the base case). One whose first grow was
//! interrupted (some messages known, no window recorded) gets steps 3–4 for what it knows, then the grow:
//! nothing else would notice those messages' deletions and flag changes, since a grow only fetches UIDs it
//! does not know; new messages are the grow's to find.

use std::collections::{BTreeMap, BTreeSet};

use inboxd_model::Timestamp;

use super::{Cx, Job, JobSpec, Step, check_uid_validity, sync_conv};
use crate::reply::{Reply, SelectInfo};
use crate::wire::{Command, FetchAttr, SearchKey, UidSet};
use crate::{DAY_MS, FlagSet, FolderId, Umid};

#[derive(Debug)]
pub(crate) struct SyncRefresh {
    folder: FolderId,
    state: State,
    info: SelectInfo,
    /// New UIDs found by step 2: UID → (INTERNALDATE, flags).
    new: BTreeMap<u32, (i64, FlagSet)>,
    /// The known UIDs when step 3 started, and the chunks still to search.
    known: BTreeMap<u32, Umid>,
    chunks: Vec<UidSet>,
    survivors: BTreeSet<u32>,
    flag_changes: Vec<(Umid, FlagSet)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Select,
    FetchNew,
    Search,
    FetchFlags,
}

impl SyncRefresh {
    pub(crate) fn new(folder: FolderId) -> Self {
        Self {
            folder,
            state: State::Select,
            info: SelectInfo::default(),
            new: BTreeMap::new(),
            known: BTreeMap::new(),
            chunks: Vec::new(),
            survivors: BTreeSet::new(),
            flag_changes: Vec::new(),
        }
    }

    fn after_select(&mut self, cx: &mut Cx<'_>) -> Step {
        if !grown(&cx.db.sync_state(self.folder)) {
            return self.start_search(cx);
        }
        let last_high = cx.db.sync_state(self.folder).last_high_uid;
        let nothing_new = self
            .info
            .uid_next
            .is_some_and(|n| n <= last_high.saturating_add(1));
        if nothing_new {
            return self.start_search(cx);
        }
        let Some(set) = UidSet::range(last_high.saturating_add(1), u32::MAX) else {
            return self.start_search(cx);
        };
        self.state = State::FetchNew;
        Step::Send(Command::UidFetch {
            set,
            items: vec![FetchAttr::Uid, FetchAttr::InternalDate, FetchAttr::Flags],
        })
    }

    fn collect_new(&mut self, cx: &Cx<'_>, reply: &Reply) {
        let last_high = cx.db.sync_state(self.folder).last_high_uid;
        for f in reply.fetches() {
            // `n:*` always matches the highest UID, even below n (RFC 3501; Yahoo relies on it).
            let Some(uid) = f.uid().filter(|u| *u > last_high) else {
                continue;
            };
            if cx.db.umid_at(self.folder, uid).is_some() {
                continue;
            }
            let flags = FlagSet::new(f.flags().unwrap_or_default());
            self.new
                .insert(uid, (f.internal_date().unwrap_or(0), flags));
        }
    }

    fn start_search(&mut self, cx: &mut Cx<'_>) -> Step {
        self.known = cx.db.uids(self.folder).cloned().unwrap_or_default();
        self.chunks = UidSet::from_uids(self.known.keys().copied())
            .map(|s| s.chunks(cx.config.uid_set_chars))
            .unwrap_or_default();
        self.chunks.reverse();
        self.state = State::Search;
        self.next_search(cx)
    }

    fn next_search(&mut self, cx: &mut Cx<'_>) -> Step {
        match self.chunks.pop() {
            Some(set) => Step::Send(Command::UidSearch {
                criteria: SearchKey::Uid(set),
            }),
            None => self.start_flags(cx),
        }
    }

    fn start_flags(&mut self, cx: &mut Cx<'_>) -> Step {
        self.chunks = UidSet::from_uids(self.survivors.iter().copied())
            .map(|s| s.chunks(cx.config.uid_set_chars))
            .unwrap_or_default();
        self.chunks.reverse();
        self.state = State::FetchFlags;
        self.next_flags(cx)
    }

    fn next_flags(&mut self, cx: &mut Cx<'_>) -> Step {
        match self.chunks.pop() {
            Some(set) => Step::Send(Command::UidFetch {
                set,
                items: vec![FetchAttr::Uid, FetchAttr::Flags],
            }),
            None => self.finish(cx),
        }
    }

    fn collect_flags(&mut self, reply: &Reply) {
        for f in reply.fetches() {
            let (Some(uid), Some(flags)) = (f.uid(), f.flags()) else {
                continue;
            };
            if let Some(umid) = self.known.get(&uid) {
                self.flag_changes.push((*umid, FlagSet::new(flags)));
            }
        }
    }

    fn finish(&mut self, cx: &mut Cx<'_>) -> Step {
        let deleted: Vec<Umid> = self
            .known
            .iter()
            .filter(|(uid, _)| !self.survivors.contains(uid))
            .map(|(_, umid)| *umid)
            .collect();
        sync_conv::apply(cx.db, &self.flag_changes, &deleted);
        let mut st = cx.db.sync_state(self.folder);
        let accept_from = accept_from(&st);
        for (uid, (date, flags)) in std::mem::take(&mut self.new) {
            st.last_high_uid = st.last_high_uid.max(uid);
            if date >= accept_from {
                register_new(cx, self.folder, uid, &flags);
            }
        }
        let was_grown = grown(&st);
        if let Some(n) = self.info.uid_next.filter(|_| was_grown) {
            st.last_high_uid = st.last_high_uid.max(n.saturating_sub(1));
        }
        st.last_sync_at = Some(cx.now);
        let fully_synced = st.fully_synced;
        cx.db.put_sync_state(self.folder, st);
        cx.follow_ups.push(JobSpec::Messages(self.folder));
        if !was_grown || (!fully_synced && cx.config.grow_to_full) {
            cx.follow_ups.push(JobSpec::Grow(self.folder));
        }
        Step::Done
    }
}

impl Job for SyncRefresh {
    fn start(&mut self, cx: &mut Cx<'_>) -> Step {
        let knows_some = cx.db.uids(self.folder).is_some_and(|u| !u.is_empty());
        if !grown(&cx.db.sync_state(self.folder)) && !knows_some {
            cx.follow_ups.push(JobSpec::Grow(self.folder));
            return Step::Done;
        }
        cx.select_step(self.folder)
    }

    fn on_reply(&mut self, cx: &mut Cx<'_>, reply: Reply) -> Step {
        if !reply.is_ok() {
            cx.command_failed(Some(self.folder), "refresh", &reply);
            return Step::Done;
        }
        match self.state {
            State::Select => {
                self.info = reply.select_info();
                if check_uid_validity(cx, self.folder, self.info.uid_validity) {
                    cx.follow_ups.push(JobSpec::Grow(self.folder));
                    return Step::Done;
                }
                self.after_select(cx)
            }
            State::FetchNew => {
                self.collect_new(cx, &reply);
                self.start_search(cx)
            }
            State::Search => {
                let found: Vec<u32> = reply.search();
                self.survivors
                    .extend(found.into_iter().filter(|u| self.known.contains_key(u)));
                self.next_search(cx)
            }
            State::FetchFlags => {
                self.collect_flags(&reply);
                self.next_flags(cx)
            }
        }
    }
}

/// Whether the folder's first grow finished (it records the window).
fn grown(st: &crate::FolderSyncState) -> bool {
    st.since_date.is_some()
}

/// Oldest INTERNALDATE a newly seen message may have to be taken: the sync window, one day of slack for
/// server-local SEARCH dates; everything once the folder is fully synced.
pub(crate) fn accept_from(st: &crate::FolderSyncState) -> i64 {
    if st.fully_synced {
        return i64::MIN;
    }
    let since = st.since_date.map_or(0, Timestamp::as_millis);
    i64::try_from(since.saturating_sub(DAY_MS)).unwrap_or(i64::MAX)
}

/// Allocates a umid for a newly found message copy and records its location.
pub(crate) fn register(cx: &mut Cx<'_>, folder: FolderId, uid: u32, flags: &FlagSet) -> Umid {
    let umid = cx.db.alloc_umid();
    cx.db.add_location(umid, folder, uid, flags);
    umid
}

/// [`register`]s a newly found message copy and queues its `sync_message`.
pub(crate) fn register_new(cx: &mut Cx<'_>, folder: FolderId, uid: u32, flags: &FlagSet) {
    let umid = register(cx, folder, uid, flags);
    cx.db.queue_task(crate::plan::Task::SyncMessage { umid });
}
