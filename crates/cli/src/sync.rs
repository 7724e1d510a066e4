//! `inboxd sync --account NAME`: one foreground sync cycle of one account with a progress bar per folder and a
//! summary. It writes through the same store commit path as the server's workers.

use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use inboxd_imap_driver::{ProgressEvent, SyncConfig, sync_once_with};
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};

use crate::account::{find, open};
use crate::args::SyncArgs;

/// The bar of the folder being synced, replaced when the next folder opens.
struct Bars {
    multi: MultiProgress,
    current: Option<ProgressBar>,
    style: ProgressStyle,
}

impl Bars {
    fn on_event(&mut self, event: ProgressEvent) {
        match event {
            ProgressEvent::Connected => {
                let _ = self.multi.println("connected");
            }
            ProgressEvent::Folder { path, exists } => {
                if let Some(done) = self.current.take() {
                    done.finish();
                }
                let bar = self.multi.add(ProgressBar::new(u64::from(exists)));
                bar.set_style(self.style.clone());
                bar.set_message(path);
                self.current = Some(bar);
            }
            ProgressEvent::Stored(stats) => {
                if let Some(bar) = &self.current {
                    bar.inc(stats.messages_added + stats.messages_updated);
                }
            }
        }
    }
}

pub async fn run(args: SyncArgs) -> anyhow::Result<()> {
    let store = open(&args.data)?;
    let account = find(&store, &args.account)?;
    anyhow::ensure!(
        account.imap.is_some(),
        "{} has no IMAP source",
        account.name
    );
    let mut config = SyncConfig::default();
    config.connect.allow_plaintext = args.imap_allow_plaintext;
    config.header_fetch = header_fetch(args.imap_header_fields);
    let style = ProgressStyle::with_template("{msg:24} [{bar:40}] {pos}/{len} {elapsed}")
        .context("progress template")?
        .progress_chars("=> ");
    let bars = Arc::new(Mutex::new(Bars {
        multi: MultiProgress::new(),
        current: None,
        style,
    }));
    let sink = bars.clone();
    let progress = move |e| {
        sink.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .on_event(e)
    };
    let summary = sync_once_with(store, account.id.clone(), config, progress)
        .await
        .with_context(|| format!("syncing {}", account.name))?;
    if let Some(bar) = bars
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .current
        .take()
    {
        bar.finish();
    }
    println!(
        "{}: {} folders, {} upstream messages; {} added, {} updated, {} deleted; {} problems; {} IMAP commands",
        account.name,
        summary.folders,
        summary.upstream_messages,
        summary.messages_added,
        summary.messages_updated,
        summary.messages_deleted,
        summary.problems,
        summary.commands,
    );
    Ok(())
}

/// The header fetch mode the `--imap-header-fields` flag picks.
pub(crate) fn header_fetch(fields_only: bool) -> inboxd_imap_driver::HeaderFetch {
    if fields_only {
        inboxd_imap_driver::HeaderFetch::Fields
    } else {
        inboxd_imap_driver::HeaderFetch::Whole
    }
}
