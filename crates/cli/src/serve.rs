//! `inboxd serve`: build the server config from flags, start, wait for ctrl-c / SIGTERM, shut down gracefully.

use std::time::Duration;

use inboxd_server::ServerConfig;

use crate::args::ServeArgs;

pub async fn run(args: ServeArgs) -> anyhow::Result<()> {
    let mut config = ServerConfig::new(&args.data.data);
    config.listen = args.listen;
    config.admin_listen = args.admin_listen;
    config.token_lifetime = Duration::from_secs(args.token_lifetime);
    config.retention = Duration::from_secs(args.retention);
    config.sync = (args.poll_interval > 0).then(|| {
        let mut sync = inboxd_imap_driver::SyncConfig {
            poll_interval: Duration::from_secs(args.poll_interval),
            ..Default::default()
        };
        sync.connect.allow_plaintext = args.imap_allow_plaintext;
        sync.header_fetch = crate::sync::header_fetch(args.imap_header_fields);
        sync
    });
    config.waitset.user_timeout = args.waitset_user_timeout;
    config.waitset.admin_timeout = args.waitset_admin_timeout;
    config.waitset.max_per_owner = args.waitset_max_per_account;
    config.waitset.idle_timeout = Duration::from_secs(args.waitset_idle_timeout);
    let server = inboxd_server::start(config).await?;
    if !server.app.store.has_admin()? {
        eprintln!(
            "No admin account exists yet. Create one with:\n  inboxd admin create --data {} --name admin@example.com --password '…'",
            args.data.data.display()
        );
    }
    println!(
        "inboxd listening: user {} admin {}",
        server.user_addr, server.admin_addr
    );
    wait_for_signal().await;
    tracing::info!("shutting down");
    server.shutdown().await;
    Ok(())
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
