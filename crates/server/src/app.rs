//! The shared application state: store, signing key, settings, clock, and the long-lived engines (WaitSets, IMAP
//! workers). One `App` per running server, shared by `Arc` with every request.

use std::sync::Arc;

use inboxd_store::{Store, StoreOptions};

use crate::auth::TokenKey;
use crate::clock::Clock;
use crate::config::ServerConfig;
use crate::sync_workers::SyncWorkers;
use crate::waitset::WaitSetShell;

/// Shared server state.
pub struct App {
    pub store: Store,
    pub config: ServerConfig,
    pub key: TokenKey,
    pub clock: Clock,
    /// One IMAP worker per active account with an IMAP source.
    pub sync: SyncWorkers,
    /// The WaitSet engine's shell: parked long-polls, change events, timers.
    pub waitsets: Arc<WaitSetShell>,
}

impl App {
    /// Opens (or creates) the data directory's store and auth key.
    pub fn open(config: ServerConfig) -> anyhow::Result<Arc<App>> {
        std::fs::create_dir_all(&config.data_dir)?;
        let store = Store::open(
            &config.data_dir,
            StoreOptions {
                retention: config.retention,
            },
        )?;
        let key = TokenKey::load_or_create(&config.data_dir)?;
        let clock = config.clock.clone();
        let sync = SyncWorkers::new(store.clone(), config.sync.clone());
        let waitsets = WaitSetShell::new(config.waitset.clone(), store.clone(), clock.clone());
        Ok(Arc::new(App {
            store,
            config,
            key,
            clock,
            sync,
            waitsets,
        }))
    }
}

/// Background work that lives as long as the server: change-log trimming (hourly), the WaitSet timer and the
/// IMAP workers (started by their shells).
pub fn start_background(app: &Arc<App>, shutdown: &crate::shutdown::Shutdown) {
    crate::metrics_setup::init();
    app.waitsets.start(Some(shutdown.clone()));
    app.sync.start_all();
    let app = app.clone();
    let stop = shutdown.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(3600));
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.clone().wait() => return,
            }
            let store = app.store.clone();
            let now = app.clock.now();
            match tokio::task::spawn_blocking(move || store.trim_log(now)).await {
                Ok(Ok(n)) if n > 0 => tracing::info!(trimmed = n, "change log trimmed"),
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::warn!(error = %e, "change log trim failed"),
                Err(e) => tracing::warn!(error = %e, "change log trim task failed"),
            }
        }
    });
}

impl App {
    /// Tells the engines that an account was created or its settings/status changed (WaitSets report
    /// MAINTENANCE_MODE / MAILBOX_DELETED; IMAP workers start, restart or stop).
    pub fn account_changed(&self, account: &inboxd_store::Account) {
        tracing::info!(account = %account.id, name = %account.name, status = %account.status, "account changed");
        crate::waitset::account_changed(self, account);
        self.sync.account_changed(account);
    }
}
