//! Deadlines: parked requests that time out and idle waitsets that get swept. One ordered queue holds
//! exactly one entry per waitset, so both `poll_timeout` and `on_timeout` avoid scanning waitsets.

use inboxd_model::Timestamp;

use crate::engine::DeadlineKind;
use crate::{Completion, WaitSets};

impl WaitSets {
    /// The earliest instant at which `on_timeout` has work to do.
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        self.deadlines.first().map(|(at, _, _)| *at)
    }

    /// Expires everything due at `now`: parked requests get an empty response echoing the client's seq;
    /// idle waitsets (never those with a parked request) are destroyed.
    pub fn on_timeout(&mut self, now: Timestamp) -> Vec<Completion> {
        let mut completions = Vec::new();
        // Bounded: each round removes the first entry, and re-inserts one only with a later deadline.
        while let Some(&(at, kind, key)) = self.deadlines.first() {
            if at > now {
                break;
            }
            match kind {
                DeadlineKind::Idle => {
                    // Idle waitsets have no parked request, so nothing completes.
                    completions.extend(self.remove(key));
                }
                DeadlineKind::Parked => {
                    self.unschedule(key);
                    completions.extend(self.expire_parked(key, now));
                    self.schedule(key);
                }
            }
        }
        completions
    }

    /// Answers every parked request now as if it had timed out (server shutdown): empty responses
    /// echoing each client's seq. Pending data stays for the next request.
    pub fn expire_all_parked(&mut self, now: Timestamp) -> Vec<Completion> {
        let mut keys: Vec<_> = self.tickets.values().copied().collect();
        keys.sort();
        let mut completions = Vec::new();
        for key in keys {
            self.unschedule(key);
            completions.extend(self.expire_parked(key, now));
            self.schedule(key);
        }
        completions
    }

    fn expire_parked(&mut self, key: crate::index::WsKey, now: Timestamp) -> Option<Completion> {
        let ws = self.sets.get_mut(&key)?;
        let parked = ws.parked.take()?;
        ws.last_access = now;
        self.tickets.remove(&parked.ticket);
        let response = ws.empty_response(parked.client_seq, parked.request_errors);
        Some(Completion {
            ticket: parked.ticket,
            response,
        })
    }
}
