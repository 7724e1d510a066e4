//! [Admin]WaitSetRequest: cancel the previous parked request, apply remove/add/update, acknowledge or
//! retransmit, then answer at once or park (Zimbra `WaitSetRequest.staticHandle` + `doWait`).

use inboxd_model::Timestamp;

use crate::engine::check_own_accounts;
use crate::index::WsKey;
use crate::set::Parked;
use crate::{
    AccountError, AccountLookup, Completion, Owner, Ticket, WaitOutcome, WaitRequest, WaitSetError,
    WaitSets,
};

impl WaitSets {
    /// Handles a wait. Returns the outcome for this request plus completions for other parked requests
    /// (the one this request cancels). Errors refuse the whole request and change nothing.
    pub fn wait(
        &mut self,
        owner: &Owner,
        req: WaitRequest,
        accounts: &dyn AccountLookup,
        now: Timestamp,
    ) -> Result<(WaitOutcome, Vec<Completion>), WaitSetError> {
        let key = self.checked_key(owner, &req.id)?;
        let all_accounts = self.sets.get(&key).is_some_and(|ws| ws.is_all_accounts());
        if !all_accounts {
            let named = req.add.iter().chain(&req.update).map(|s| &s.account);
            check_own_accounts(owner, named.chain(&req.remove))?;
        }
        self.unschedule(key);
        let completions: Vec<Completion> = self.cancel_parked(key).into_iter().collect();
        let request_errors = if all_accounts {
            // Zimbra ignores add/update/remove on all-accounts waitsets, without errors.
            Vec::new()
        } else {
            self.apply_membership(key, &req, accounts)?
        };
        let id = req.id.clone();
        let outcome = self.answer_or_park(key, owner, req, request_errors, now);
        self.schedule(key);
        let outcome = outcome.ok_or(WaitSetError::NoSuchWaitSet(id))?;
        Ok((outcome, completions))
    }

    /// Completes the parked request of a waitset as canceled (the caller unschedules first).
    fn cancel_parked(&mut self, key: WsKey) -> Option<Completion> {
        let ws = self.sets.get_mut(&key)?;
        let parked = ws.parked.take()?;
        self.tickets.remove(&parked.ticket);
        let response = ws.canceled_response(parked.request_errors);
        Some(Completion {
            ticket: parked.ticket,
            response,
        })
    }

    /// remove, then add, then update, collecting per-account errors in that order.
    fn apply_membership(
        &mut self,
        key: WsKey,
        req: &WaitRequest,
        accounts: &dyn AccountLookup,
    ) -> Result<Vec<AccountError>, WaitSetError> {
        let def = self.default_types(key, req.def_types);
        let mut m = self.membership(key, accounts)?;
        let mut errors: Vec<AccountError> = req.remove.iter().filter_map(|a| m.remove(a)).collect();
        errors.extend(req.add.iter().filter_map(|s| m.add(s, def)));
        errors.extend(req.update.iter().filter_map(|s| m.update(s, def)));
        Ok(errors)
    }

    fn answer_or_park(
        &mut self,
        key: WsKey,
        owner: &Owner,
        req: WaitRequest,
        request_errors: Vec<AccountError>,
        now: Timestamp,
    ) -> Option<WaitOutcome> {
        let timeout = self.config.timeout_range(owner.admin).clamp(req.timeout);
        let ws = self.sets.get_mut(&key)?;
        ws.last_access = now;
        ws.cb_seq = Some(req.seq.clone());
        if let Some(batch) = ws.try_send(&req.seq, &self.names) {
            return Some(WaitOutcome::Ready(ws.data_response(batch, request_errors)));
        }
        if !req.block {
            return Some(WaitOutcome::Ready(
                ws.empty_response(req.seq, request_errors),
            ));
        }
        self.next_ticket += 1;
        let ticket = Ticket(self.next_ticket);
        let deadline = now.plus(timeout);
        ws.parked = Some(Parked {
            ticket,
            client_seq: req.seq,
            deadline,
            request_errors,
        });
        self.tickets.insert(ticket, key);
        Some(WaitOutcome::Parked { ticket, deadline })
    }

    /// Completes a parked request if its waitset now has data to send. The caller unschedules first.
    pub(crate) fn complete_if_ready(&mut self, key: WsKey, now: Timestamp) -> Option<Completion> {
        let ws = self.sets.get_mut(&key)?;
        let client_seq = ws.parked.as_ref()?.client_seq.clone();
        let batch = ws.try_send(&client_seq, &self.names)?;
        let parked = ws.parked.take()?;
        ws.last_access = now;
        self.tickets.remove(&parked.ticket);
        let response = ws.data_response(batch, parked.request_errors);
        Some(Completion {
            ticket: parked.ticket,
            response,
        })
    }

    /// The shell gave up on a parked request (client went away): forget it without a response.
    /// Data it would have carried stays pending. Returns false for unknown tickets.
    pub fn abandon(&mut self, ticket: Ticket, now: Timestamp) -> bool {
        let Some(&key) = self.tickets.get(&ticket) else {
            return false;
        };
        self.unschedule(key);
        self.tickets.remove(&ticket);
        if let Some(ws) = self.sets.get_mut(&key) {
            ws.parked = None;
            ws.last_access = now;
        }
        self.schedule(key);
        true
    }
}
