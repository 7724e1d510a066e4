//! Command-line flags (clap derive). Every flag that names a place or address also reads an `INBOXD_*`
//! environment variable, so a service manager can configure inboxd without a wrapper script.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Parser, Debug)]
#[command(
    name = "inboxd",
    version,
    about = "Mail sync and change-notification server (Zimbra WaitSet API)"
)]
pub struct Cli {
    /// More logging (-v debug, -vv trace); INBOXD_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the server.
    Serve(ServeArgs),
    /// Offline admin bootstrap (create the first admin account).
    Admin(AdminArgs),
    /// Offline account management on a data directory.
    Account(AccountArgs),
    /// Run one sync of one account in the foreground, with progress.
    Sync(SyncArgs),
    /// Watch accounts through a WaitSet and print one line per notified account.
    Watch(crate::watch::WatchArgs),
}

#[derive(Args, Debug)]
pub struct SyncArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// Account name or id.
    #[arg(long)]
    pub account: String,
    /// Allow IMAP sources with security "none".
    #[arg(long, env = "INBOXD_IMAP_ALLOW_PLAINTEXT")]
    pub imap_allow_plaintext: bool,
    /// Fetch only the header fields inboxd reads (less traffic, more server CPU) instead of whole header
    /// blocks: for IMAP servers behind slow links.
    #[arg(long, env = "INBOXD_IMAP_HEADER_FIELDS")]
    pub imap_header_fields: bool,
}

/// The data directory, shared by every command.
#[derive(Args, Debug, Clone)]
pub struct DataArg {
    /// Data directory (store, auth key).
    #[arg(long, env = "INBOXD_DATA", default_value = "./inboxd-data")]
    pub data: PathBuf,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArg,
    /// User SOAP listener.
    #[arg(long, env = "INBOXD_LISTEN", default_value = "127.0.0.1:7070")]
    pub listen: SocketAddr,
    /// Admin SOAP and /metrics listener.
    #[arg(long, env = "INBOXD_ADMIN_LISTEN", default_value = "127.0.0.1:7071")]
    pub admin_listen: SocketAddr,
    /// Auth token lifetime in seconds.
    #[arg(long, env = "INBOXD_TOKEN_LIFETIME", default_value_t = 12 * 3600)]
    pub token_lifetime: u64,
    /// Change-log retention in seconds (older sync tokens need a full resync).
    #[arg(long, env = "INBOXD_RETENTION", default_value_t = 7 * 24 * 3600)]
    pub retention: u64,
    /// IMAP poll interval in seconds; 0 disables the IMAP workers.
    #[arg(long, env = "INBOXD_POLL_INTERVAL", default_value_t = 60)]
    pub poll_interval: u64,
    /// Allow IMAP sources with security "none" (passwords in clear; for trusted networks and tests).
    #[arg(long, env = "INBOXD_IMAP_ALLOW_PLAINTEXT")]
    pub imap_allow_plaintext: bool,
    /// Fetch only the header fields inboxd reads (less traffic, more server CPU) instead of whole header
    /// blocks: for IMAP servers behind slow links.
    #[arg(long, env = "INBOXD_IMAP_HEADER_FIELDS")]
    pub imap_header_fields: bool,
    /// WaitSetRequest timeout for user tokens, seconds: DEFAULT:MIN:MAX.
    #[arg(long, env = "INBOXD_WAITSET_USER_TIMEOUT", default_value = "300:30:1200", value_parser = parse_timeout_range)]
    pub waitset_user_timeout: inboxd_waitset::TimeoutRange,
    /// WaitSetRequest timeout for admin tokens, seconds: DEFAULT:MIN:MAX.
    #[arg(long, env = "INBOXD_WAITSET_ADMIN_TIMEOUT", default_value = "300:1:3600", value_parser = parse_timeout_range)]
    pub waitset_admin_timeout: inboxd_waitset::TimeoutRange,
    /// Waitsets one non-admin account may hold; creating one more evicts its oldest.
    #[arg(long, env = "INBOXD_WAITSET_MAX_PER_ACCOUNT", default_value_t = 5)]
    pub waitset_max_per_account: usize,
    /// A waitset with no request for this many seconds (and none parked) is destroyed.
    #[arg(long, env = "INBOXD_WAITSET_IDLE_TIMEOUT", default_value_t = 20 * 60)]
    pub waitset_idle_timeout: u64,
}

/// Parses `DEFAULT:MIN:MAX` seconds, with MIN <= DEFAULT <= MAX.
fn parse_timeout_range(s: &str) -> Result<inboxd_waitset::TimeoutRange, String> {
    let parts: Vec<u64> = s
        .split(':')
        .map(|p| p.trim().parse::<u64>().map_err(|e| format!("{p:?}: {e}")))
        .collect::<Result<_, _>>()?;
    match parts[..] {
        [default_secs, min_secs, max_secs]
            if min_secs <= default_secs && default_secs <= max_secs =>
        {
            Ok(inboxd_waitset::TimeoutRange {
                default_secs,
                min_secs,
                max_secs,
            })
        }
        _ => Err(format!(
            "{s:?}: expected DEFAULT:MIN:MAX seconds with MIN <= DEFAULT <= MAX"
        )),
    }
}

#[derive(Args, Debug)]
pub struct AdminArgs {
    #[command(subcommand)]
    pub command: AdminCommand,
}

#[derive(Subcommand, Debug)]
pub enum AdminCommand {
    /// Create an admin account directly in the store.
    Create {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        name: String,
        #[arg(long, env = "INBOXD_PASSWORD")]
        password: String,
    },
}

#[derive(Args, Debug)]
pub struct AccountArgs {
    #[command(subcommand)]
    pub command: AccountCommand,
}

/// IMAP source flags for `account add` / `account set`.
#[derive(Args, Debug, Default, Clone)]
pub struct ImapFlags {
    #[arg(long)]
    pub imap_host: Option<String>,
    #[arg(long)]
    pub imap_port: Option<u16>,
    /// none | starttls | tls
    #[arg(long)]
    pub imap_security: Option<String>,
    #[arg(long)]
    pub imap_user: Option<String>,
    #[arg(long, env = "INBOXD_IMAP_PASSWORD")]
    pub imap_password: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum AccountCommand {
    /// Add an account.
    Add {
        #[command(flatten)]
        data: DataArg,
        #[arg(long)]
        name: String,
        #[arg(long, env = "INBOXD_PASSWORD")]
        password: String,
        /// Make it an admin account.
        #[arg(long)]
        admin: bool,
        #[command(flatten)]
        imap: ImapFlags,
        /// Do not log in to the IMAP server before creating the account.
        #[arg(long)]
        no_verify: bool,
        /// Allow IMAP security "none" when verifying.
        #[arg(long, env = "INBOXD_IMAP_ALLOW_PLAINTEXT")]
        imap_allow_plaintext: bool,
    },
    /// List accounts.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Change an account's password, status or IMAP source.
    Set {
        #[command(flatten)]
        data: DataArg,
        /// Account name or id.
        account: String,
        #[arg(long)]
        password: Option<String>,
        /// active | maintenance
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        admin: Option<bool>,
        #[command(flatten)]
        imap: ImapFlags,
        /// Remove the IMAP source.
        #[arg(long)]
        no_imap: bool,
    },
    /// Delete an account (its change log is kept).
    Delete {
        #[command(flatten)]
        data: DataArg,
        /// Account name or id.
        account: String,
    },
}
