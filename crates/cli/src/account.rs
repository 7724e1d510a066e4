//! Offline account management (`inboxd admin create`, `inboxd account add|list|set|delete`): works on the data
//! directory's store directly, so it runs with or without a server. A running server sees the accounts at once
//! (SQLite WAL), but WaitSets only hear about changes made through the server.

use anyhow::{Context, bail};
use inboxd_model::{AccountId, Timestamp};
use inboxd_server::auth::hash_password;
use inboxd_store::{
    Account, AccountStatus, AccountUpdate, ImapSecurity, ImapSource, NewAccount, Store,
    StoreOptions,
};

use crate::args::{AccountArgs, AccountCommand, AdminArgs, AdminCommand, DataArg, ImapFlags};

pub fn open(data: &DataArg) -> anyhow::Result<Store> {
    std::fs::create_dir_all(&data.data)?;
    Store::open(&data.data, StoreOptions::default())
        .with_context(|| format!("opening store in {}", data.data.display()))
}

fn now() -> Timestamp {
    inboxd_server::Clock::System.now()
}

pub async fn run_admin(args: AdminArgs) -> anyhow::Result<()> {
    match args.command {
        AdminCommand::Create {
            data,
            name,
            password,
        } => {
            let account = add(&open(&data)?, name, &password, true, None)?;
            println!("created admin {} ({})", account.name, account.id);
            Ok(())
        }
    }
}

pub async fn run(args: AccountArgs) -> anyhow::Result<()> {
    match args.command {
        AccountCommand::Add {
            data,
            name,
            password,
            admin,
            imap,
            no_verify,
            imap_allow_plaintext,
        } => {
            let source = imap_source(&imap, None)?;
            if let (Some(source), false) = (&source, no_verify) {
                verify(source, imap_allow_plaintext).await?;
            }
            let account = add(&open(&data)?, name, &password, admin, source)?;
            println!("created {} ({})", account.name, account.id);
        }
        AccountCommand::List { data } => {
            for a in open(&data)?.list_accounts()? {
                println!("{}", describe(&a));
            }
        }
        AccountCommand::Set {
            data,
            account,
            password,
            status,
            admin,
            imap,
            no_imap,
        } => {
            let store = open(&data)?;
            let existing = find(&store, &account)?;
            let mut update = AccountUpdate {
                admin,
                ..AccountUpdate::default()
            };
            if let Some(pw) = password {
                update.password_hash = Some(hash_password(&pw)?);
            }
            if let Some(st) = status {
                match AccountStatus::parse(&st)? {
                    AccountStatus::Deleted => bail!("use `inboxd account delete` to delete"),
                    st => update.status = Some(st),
                }
            }
            update.imap = if no_imap {
                Some(None)
            } else {
                imap_source(&imap, existing.imap.as_ref())?.map(Some)
            };
            let new_mailbox = update.replaces_mailbox(existing.imap.as_ref());
            let updated = store.update_account(&existing.id, update)?;
            if new_mailbox {
                // Another mailbox: what was mirrored from the old one goes (local items stay).
                store.commit(&existing.id, now(), |t| t.forget_imap_mirror())?;
                println!(
                    "forgot the mail mirrored from {}",
                    describe_source(existing.imap.as_ref())
                );
            }
            println!("{}", describe(&updated));
        }
        AccountCommand::Delete { data, account } => {
            let store = open(&data)?;
            let existing = find(&store, &account)?;
            store.delete_account(&existing.id, now())?;
            println!("deleted {} ({})", existing.name, existing.id);
        }
    }
    Ok(())
}

/// Logs in to the IMAP server once, so that a typo in the settings is caught before the account exists.
async fn verify(source: &ImapSource, allow_plaintext: bool) -> anyhow::Result<()> {
    let opts = inboxd_imap_driver::ConnectOptions {
        allow_plaintext,
        ..Default::default()
    };
    inboxd_imap_driver::verify_login_with(source, &opts)
        .await
        .with_context(|| {
            format!(
                "IMAP login to {}:{} as {} failed",
                source.host, source.port, source.user
            )
        })?;
    println!("IMAP login to {}:{} ok", source.host, source.port);
    Ok(())
}

fn add(
    store: &Store,
    name: String,
    password: &str,
    admin: bool,
    imap: Option<ImapSource>,
) -> anyhow::Result<Account> {
    if password.is_empty() {
        bail!("the password must not be empty");
    }
    let password_hash = hash_password(password)?;
    Ok(store.create_account(
        NewAccount {
            name,
            password_hash,
            admin,
            imap,
        },
        now(),
    )?)
}

pub fn find(store: &Store, name_or_id: &str) -> anyhow::Result<Account> {
    let found = match store.account_by_name(name_or_id)? {
        Some(a) => Some(a),
        None => store.account(&AccountId::new(name_or_id))?,
    };
    found
        .filter(|a| a.status != AccountStatus::Deleted)
        .with_context(|| format!("no such account: {name_or_id}"))
}

/// Builds an IMAP source from flags merged over an existing one; `None` when no IMAP flag was given.
fn imap_source(
    flags: &ImapFlags,
    existing: Option<&ImapSource>,
) -> anyhow::Result<Option<ImapSource>> {
    let given = flags.imap_host.is_some()
        || flags.imap_port.is_some()
        || flags.imap_security.is_some()
        || flags.imap_user.is_some()
        || flags.imap_password.is_some();
    if !given {
        return Ok(None);
    }
    let security = match &flags.imap_security {
        Some(s) => ImapSecurity::parse(s)?,
        None => existing.map_or(ImapSecurity::Tls, |e| e.security),
    };
    let default_port = if security == ImapSecurity::Tls {
        993
    } else {
        143
    };
    let pick = |flag: &Option<String>, old: Option<&String>, what: &str| {
        flag.clone()
            .or_else(|| old.cloned())
            .with_context(|| format!("--{what} is required for an IMAP source"))
    };
    Ok(Some(ImapSource {
        host: pick(&flags.imap_host, existing.map(|e| &e.host), "imap-host")?,
        port: flags
            .imap_port
            .or(existing.map(|e| e.port))
            .unwrap_or(default_port),
        security,
        user: pick(&flags.imap_user, existing.map(|e| &e.user), "imap-user")?,
        password: pick(
            &flags.imap_password,
            existing.map(|e| &e.password),
            "imap-password",
        )?,
    }))
}

fn describe_source(imap: Option<&ImapSource>) -> String {
    imap.map_or_else(
        || "-".to_string(),
        |i| format!("{}@{}:{} ({})", i.user, i.host, i.port, i.security.as_str()),
    )
}

fn describe(a: &Account) -> String {
    let imap = describe_source(a.imap.as_ref());
    let role = if a.admin { "admin" } else { "user" };
    format!("{}\t{}\t{}\t{}\t{}", a.id, a.name, a.status, role, imap)
}
