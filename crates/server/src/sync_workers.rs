//! The IMAP side of the server: one `inboxd-imap-driver` worker per active account that has an IMAP source.
//! Workers start with the server, start/restart/stop when an account is created or its IMAP source or status
//! changes, and sync on demand (`SyncAccountRequest`, or after a client's change that must reach the server)
//! or fetch a message body on demand (GetMsgRequest).
//! Sync logic lives in `inboxd-imap-sync`; the socket loop in `inboxd-imap-driver`; this file only decides
//! which workers exist.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use inboxd_imap_driver::{SyncConfig, WorkerHandle, WorkerStatus, spawn_worker};
use inboxd_model::{AccountId, ItemId};
use inboxd_store::{Account, AccountStatus, ImapSource, Store};

/// The running workers, by account. `config: None` disables IMAP sync (tests of the SOAP side).
pub struct SyncWorkers {
    store: Store,
    config: Option<SyncConfig>,
    workers: Mutex<HashMap<AccountId, (ImapSource, WorkerHandle)>>,
}

impl SyncWorkers {
    pub fn new(store: Store, config: Option<SyncConfig>) -> Self {
        Self {
            store,
            config,
            workers: Mutex::new(HashMap::new()),
        }
    }

    fn workers(&self) -> MutexGuard<'_, HashMap<AccountId, (ImapSource, WorkerHandle)>> {
        self.workers.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a worker for every active account with an IMAP source.
    pub fn start_all(&self) {
        match self.store.list_accounts() {
            Ok(accounts) => accounts.iter().for_each(|a| self.account_changed(a)),
            Err(e) => tracing::error!(error = %e, "cannot list accounts to start IMAP workers"),
        }
    }

    /// Brings the account's worker in line with its settings: running iff active with an IMAP source, restarted
    /// when the source changed. Dropping a handle stops its worker.
    pub fn account_changed(&self, account: &Account) {
        let Some(config) = &self.config else {
            return;
        };
        let mut workers = self.workers();
        let wanted = match (&account.imap, account.status) {
            (Some(source), AccountStatus::Active) => Some(source),
            _ => None,
        };
        let current = workers.get(&account.id).map(|(source, _)| source);
        if current == wanted {
            return;
        }
        if workers.remove(&account.id).is_some() {
            tracing::info!(account = %account.id, "IMAP worker stopped");
        }
        if let Some(source) = wanted {
            let handle = spawn_worker(self.store.clone(), account.id.clone(), config.clone());
            tracing::info!(account = %account.id, host = %source.host, "IMAP worker started");
            workers.insert(account.id.clone(), (source.clone(), handle));
        }
    }

    /// The account now mirrors another mailbox: stops its worker and waits for it to end, forgets everything
    /// mirrored from the old mailbox (in one commit: clients see the deletions), then starts a worker for the
    /// new one. Blocks the calling thread (the handlers' blocking pool, or any non-async thread).
    pub fn replace_source(
        &self,
        account: &Account,
        now: inboxd_model::Timestamp,
    ) -> Result<(), inboxd_store::StoreError> {
        let old = self.workers().remove(&account.id);
        if let Some((_, handle)) = old {
            let stopped = match tokio::runtime::Handle::try_current() {
                Ok(rt) => rt.block_on(handle.shutdown()),
                Err(_) => Ok(()),
            };
            if let Err(e) = stopped {
                tracing::warn!(account = %account.id, %e, "IMAP worker ended with an error");
            }
            tracing::info!(account = %account.id, "IMAP worker stopped: new source");
        }
        self.store
            .commit(&account.id, now, |t| t.forget_imap_mirror())?;
        tracing::info!(account = %account.id, "mirror of the old IMAP source forgotten");
        self.account_changed(account);
        Ok(())
    }

    /// Asks the account's worker to sync now; false when it has none.
    pub fn sync_now(&self, account: &AccountId) -> bool {
        self.workers()
            .get(account)
            .map(|(_, w)| w.sync_now())
            .is_some()
    }

    /// Asks the account's worker to fetch the body of message `msg` (see `inboxd_imap_driver::stored_body`);
    /// false when it has no worker or its worker is offline, so nothing will arrive soon.
    pub fn fetch_body(&self, account: &AccountId, msg: ItemId) -> bool {
        let workers = self.workers();
        let Some((_, w)) = workers.get(account) else {
            return false;
        };
        if !w.status().connected {
            return false;
        }
        w.fetch_body(msg);
        true
    }

    /// The account's worker status, if it has a worker.
    pub fn status(&self, account: &AccountId) -> Option<WorkerStatus> {
        self.workers().get(account).map(|(_, w)| w.status())
    }

    /// Number of running workers.
    pub fn len(&self) -> usize {
        self.workers().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Logs every worker out and waits for them.
    pub async fn shutdown(&self) {
        let workers: Vec<_> = self.workers().drain().collect();
        for (account, (_, handle)) in workers {
            if let Err(e) = handle.shutdown().await {
                tracing::warn!(%account, error = %e, "IMAP worker ended with an error");
            }
        }
    }
}
