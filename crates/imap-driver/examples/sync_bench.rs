//! Sync benchmark (run by `bench/sync/run.sh`): loads an mbox into a temporary local Dovecot with
//! `doveadm import`, then times
//! - a minimal client doing `UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER])`,
//! - inboxd's initial sync into a fresh store (headers, threading, store commits) and a no-change refresh,
//! - mbsync (isync) full-message initial sync and no-change run into a Maildir, if `mbsync` is installed,
//!
//! and prints a Markdown table. Usage: `sync_bench MBOX[.gz]`.
#![allow(clippy::disallowed_methods)] // a benchmark measures wall time

#[path = "../tests/common/dovecot.rs"]
#[allow(dead_code)]
mod dovecot;
#[path = "../tests/common/mirror.rs"]
#[allow(dead_code)]
mod mirror;

use std::path::Path;
use std::process::Command as Process;
use std::time::{Duration, Instant};

use dovecot::Dovecot;
use inboxd_imap_driver::{Connection, SyncConfig, WorkerStatus, spawn_worker, sync_once_with};
use inboxd_imap_sync::wire::{Command, FetchAttr, UidSet, Untagged};
use inboxd_store::ImapSecurity;

/// The allocator of the `inboxd` binary, so the sync runs as it does in the daemon.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

struct Row {
    what: String,
    time: Duration,
    note: String,
}

fn main() {
    if std::env::var_os("RUST_LOG").is_some() {
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_timer(tracing_subscriber::fmt::time::uptime())
            .init();
    }
    let mbox = std::env::args()
        .nth(1)
        .expect("usage: sync_bench MBOX[.gz]");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let rows = rt.block_on(run(Path::new(&mbox)));
    println!("| step | time | notes |\n|---|---:|---|");
    for r in rows {
        println!(
            "| {} | {:.3} s | {} |",
            r.what,
            r.time.as_secs_f64(),
            r.note
        );
    }
}

async fn run(mbox: &Path) -> Vec<Row> {
    let dc = Dovecot::start();
    let load = Instant::now();
    let count = import(&dc, mbox);
    let mut rows = vec![Row {
        what: "load: doveadm import (sdbox, mail_fsync=never)".into(),
        time: load.elapsed(),
        note: format!("{count} messages"),
    }];
    let src = dc.source(ImapSecurity::None);
    let opts = dc.options();

    let t = Instant::now();
    let (n, _) = raw_fetch(&src, &opts, vec![FetchAttr::Uid, FetchAttr::Flags]).await;
    rows.push(Row {
        what: "minimal client: UID FETCH 1:* (UID FLAGS)".into(),
        time: t.elapsed(),
        note: format!("{n} messages, parse only"),
    });

    let mut config = SyncConfig {
        connect: opts.clone(),
        ..SyncConfig::default()
    };
    if let Some(n) = std::env::var("SYNC_BENCH_CHUNK")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        config.fetch_chunk = n;
    }
    // The raw header fetch and the initial sync alternate SYNC_BENCH_REPEAT times (default 5), each sync into
    // a fresh store: on a small shared box one run of either swings by ±15 %, so medians are compared.
    let repeat: usize = std::env::var("SYNC_BENCH_REPEAT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(5)
        .max(1);
    let (mut raw, mut initial, mut cpus) = (Vec::new(), Vec::new(), Vec::new());
    let (mut fetched, mut last) = ((0, 0), None);
    let cold = std::env::var_os("SYNC_BENCH_COLD").is_some();
    for round in 0..repeat {
        if cold {
            drop_dovecot_cache(dc.root());
        }
        // The previous sync's leftovers (its engine state freed in the background, its store's last
        // checkpoint) must not slow the raw fetch: drop them and let them finish first.
        drop(last.take());
        tokio::time::sleep(Duration::from_millis(300)).await;
        let t = Instant::now();
        fetched = raw_fetch(&src, &opts, header_items()).await;
        raw.push(t.elapsed());
        let dir = tempfile::tempdir().expect("tempdir");
        // SYNC_BENCH_STORE_DIR keeps the last synced store for inspection.
        let store_dir = std::env::var_os("SYNC_BENCH_STORE_DIR")
            .filter(|_| round + 1 == repeat)
            .map_or_else(|| dir.path().to_path_buf(), std::path::PathBuf::from);
        let (store, account) = mirror::store_with_account(&store_dir, src.clone());
        if cold {
            drop_dovecot_cache(dc.root());
        }
        let (t, cpu) = (Instant::now(), cpu_time());
        let s = sync_once_with(store.clone(), account.clone(), config.clone(), |_| {})
            .await
            .expect("sync");
        initial.push(t.elapsed());
        cpus.push(cpu_time() - cpu);
        last = Some((dir, store, account, s));
    }
    let Some((_dir, store, account, s)) = last else {
        return rows;
    };
    let ratios: Vec<f64> = raw
        .iter()
        .zip(&initial)
        .map(|(r, i)| i.as_secs_f64() / r.as_secs_f64())
        .collect();
    rows.push(Row {
        what:
            "minimal client: UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE BODY.PEEK[HEADER])"
                .into(),
        time: median(&raw),
        note: format!(
            "{} messages, {:.1} MB of headers, parse only; median of {repeat} ({})",
            fetched.0,
            fetched.1 as f64 / 1e6,
            spread(&raw)
        ),
    });
    rows.push(Row {
        what: "inboxd: initial sync (headers, threading, store)".into(),
        time: median(&initial),
        note: format!(
            "{} added, {} commands, {} batches; median of {repeat} ({}), inboxd CPU {:.3} s; \
             {:.2}× the raw fetch (medians; per pair {:.2}–{:.2}×)",
            s.messages_added,
            s.commands,
            s.batches,
            spread(&initial),
            median(&cpus).as_secs_f64(),
            median(&initial).as_secs_f64() / median(&raw).as_secs_f64(),
            ratios.iter().copied().fold(f64::INFINITY, f64::min),
            ratios.iter().copied().fold(0.0, f64::max),
        ),
    });
    // SYNC_BENCH_ONLY_INITIAL=1 stops after the initial syncs (for profiling them alone).
    let only_initial = std::env::var_os("SYNC_BENCH_ONLY_INITIAL").is_some();
    if !only_initial {
        let (t, cpu) = (Instant::now(), cpu_time());
        let s = sync_once_with(store.clone(), account.clone(), config.clone(), |_| {})
            .await
            .expect("sync");
        rows.push(Row {
            what: "inboxd: no-change refresh".into(),
            time: t.elapsed(),
            note: format!(
                "{} added, {} commands, {} batches; inboxd CPU {:.3} s",
                s.messages_added,
                s.commands,
                s.batches,
                (cpu_time() - cpu).as_secs_f64()
            ),
        });
    }
    if only_initial {
        return rows;
    }
    rows.push(warm_refresh(store.clone(), account.clone(), config.clone()).await);
    if std::env::var_os("SYNC_BENCH_NO_MBSYNC").is_none() {
        rows.extend(mbsync(&dc));
    }
    rows
}

/// Deletes Dovecot's `dovecot.index.cache` files: the next session reads every header from the mail files
/// again, as the first fetch after delivery does.
fn drop_dovecot_cache(root: &Path) {
    let mut dirs = vec![root.join("mail")];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.file_name().is_some_and(|n| n == "dovecot.index.cache") {
                let _ = std::fs::remove_file(&p);
            }
        }
    }
}

fn header_items() -> Vec<FetchAttr> {
    vec![
        FetchAttr::Uid,
        FetchAttr::Flags,
        FetchAttr::InternalDate,
        FetchAttr::Rfc822Size,
        FetchAttr::BodyPeekHeader,
    ]
}

fn median(xs: &[Duration]) -> Duration {
    let mut v = xs.to_vec();
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

/// `min–max` of a series, in seconds.
fn spread(xs: &[Duration]) -> String {
    let min = xs.iter().min().copied().unwrap_or_default();
    let max = xs.iter().max().copied().unwrap_or_default();
    format!("{:.3}–{:.3} s", min.as_secs_f64(), max.as_secs_f64())
}

/// CPU time (user + system) of this process, all threads (`CLOCK_PROCESS_CPUTIME_ID`, nanoseconds): load
/// on the box stretches wall times, much less this.
fn cpu_time() -> Duration {
    let ts = rustix::time::clock_gettime(rustix::time::ClockId::ProcessCPUTime);
    Duration::new(
        u64::try_from(ts.tv_sec).unwrap_or(0),
        u32::try_from(ts.tv_nsec).unwrap_or(0),
    )
}

/// A running worker's no-change cycle (what the daemon does every poll interval: the engine state is already
/// in memory and the connection open): time from `sync_now` to the cycle's batch being committed. Best of
/// five.
async fn warm_refresh(
    store: inboxd_store::Store,
    account: inboxd_model::AccountId,
    config: SyncConfig,
) -> Row {
    let config = SyncConfig {
        poll_interval: Duration::from_secs(3600),
        ..config
    };
    let worker = spawn_worker(store, account, config);
    let mut watch = worker.watch();
    let wait_batches = |watch: &mut tokio::sync::watch::Receiver<WorkerStatus>, n: u64| {
        let mut watch = watch.clone();
        async move {
            let r = tokio::time::timeout(
                Duration::from_secs(60),
                watch.wait_for(|s| s.summary.batches >= n || s.stopped),
            )
            .await;
            r.expect("worker cycle timed out")
                .expect("worker gone")
                .clone()
        }
    };
    // The worker's first cycle loads the state and syncs (nothing changed): let it settle.
    wait_batches(&mut watch, 1).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut best = Duration::MAX;
    let mut last = worker.status();
    for _ in 0..5 {
        let t = Instant::now();
        worker.sync_now();
        last = wait_batches(&mut watch, last.summary.batches + 1).await;
        best = best.min(t.elapsed());
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = worker.shutdown().await;
    Row {
        what: "inboxd: no-change refresh, running worker (state in memory, connected)".into(),
        time: best,
        note: format!(
            "best of 5; {} added in total, {} commands in total",
            last.summary.messages_added, last.summary.commands
        ),
    }
}

/// Imports the (optionally gzipped) mbox into alice's INBOX; returns the message count.
fn import(dc: &Dovecot, mbox: &Path) -> u32 {
    let work = tempfile::tempdir().expect("tempdir");
    let file = work.path().join("inbox.mbox");
    let status = if mbox.extension().is_some_and(|e| e == "gz") {
        let out = std::fs::File::create(&file).expect("create");
        Process::new("gzip")
            .arg("-dc")
            .arg(mbox)
            .stdout(out)
            .status()
    } else {
        Process::new("cp").arg(mbox).arg(&file).status()
    };
    assert!(status.expect("copy mbox").success());
    // SYNC_BENCH_COPIES=N imports the corpus N times (copies 2.. with rewritten Message-IDs, so each copy
    // threads on its own) for a folder N times larger.
    let copies: u32 = std::env::var("SYNC_BENCH_COPIES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let mut files = vec![file.clone()];
    for k in 2..=copies {
        let copy = work.path().join(format!("inbox{k}.mbox"));
        rewrite_ids(&file, &copy, k);
        files.push(copy);
    }
    // Dovecot writes index files next to the source, as the mail user.
    let _ = Process::new("chown")
        .arg("-R")
        .arg("65534:65534")
        .arg(work.path())
        .status();
    let _ = Process::new("chmod").arg("755").arg(work.path()).status();
    for file in &files {
        let location = format!("mbox:{}:INBOX={}", work.path().display(), file.display());
        dc.doveadm(&[
            "import",
            "-u",
            dovecot::USER,
            &location,
            "",
            "mailbox",
            "INBOX",
        ]);
    }
    let status = dc.doveadm(&[
        "mailbox",
        "status",
        "-u",
        dovecot::USER,
        "messages",
        "INBOX",
    ]);
    // `doveadm mailbox status` prints `messages=N`.
    status
        .split_whitespace()
        .find_map(|w| w.strip_prefix("messages="))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

/// One `UID FETCH 1:* (items)` on INBOX by a minimal client (login, EXAMINE, fetch, logout); returns the
/// number of FETCH responses and the bytes of body data in them.
/// Copies an mbox, prefixing every `<` in Message-ID, References and In-Reply-To headers (and their
/// continuation lines) with `c{k}.`.
fn rewrite_ids(from: &Path, to: &Path, k: u32) {
    use std::io::{BufRead, BufReader, BufWriter, Write};
    let input = BufReader::new(std::fs::File::open(from).expect("open mbox"));
    let mut out = BufWriter::new(std::fs::File::create(to).expect("create copy"));
    let tag = format!("<c{k}.");
    let (mut in_headers, mut in_id_header) = (false, false);
    for line in input.split(b'\n') {
        let mut line = line.expect("read mbox");
        if line.starts_with(b"From ") {
            in_headers = true;
            in_id_header = false;
        } else if in_headers && (line.is_empty() || line == b"\r") {
            in_headers = false;
        } else if in_headers {
            let lower = line.to_ascii_lowercase();
            if !line.starts_with(b" ") && !line.starts_with(b"\t") {
                in_id_header = [&b"message-id:"[..], b"references:", b"in-reply-to:"]
                    .iter()
                    .any(|h| lower.starts_with(h));
            }
            if in_id_header {
                let text = String::from_utf8_lossy(&line).replace('<', &tag);
                line = text.into_bytes();
            }
        }
        out.write_all(&line).expect("write copy");
        out.write_all(b"\n").expect("write copy");
    }
    out.flush().expect("flush copy");
}

async fn raw_fetch(
    src: &inboxd_store::ImapSource,
    opts: &inboxd_imap_driver::ConnectOptions,
    items: Vec<FetchAttr>,
) -> (usize, usize) {
    let mut conn = Connection::connect(src, opts).await.expect("connect");
    conn.execute_ok(&Command::Examine {
        mailbox: "INBOX".into(),
    })
    .await
    .expect("examine");
    let reply = conn
        .execute_ok(&Command::UidFetch {
            set: UidSet::range(1, u32::MAX).expect("set"),
            items,
        })
        .await
        .expect("fetch");
    let mut bytes = 0;
    let mut n = 0;
    for u in &reply.untagged {
        if let Untagged::Fetch { items, .. } = u {
            n += 1;
            for i in items {
                if let inboxd_imap_sync::wire::FetchItem::Body { data: Some(d), .. } = i {
                    bytes += d.len();
                }
            }
        }
    }
    conn.logout().await;
    (n, bytes)
}

/// mbsync full sync and no-change run into a Maildir, when installed.
fn mbsync(dc: &Dovecot) -> Vec<Row> {
    if Process::new("mbsync").arg("--version").output().is_err() {
        return vec![Row {
            what: "mbsync".into(),
            time: Duration::ZERO,
            note: "not installed (apt install isync)".into(),
        }];
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let rc = dir.path().join("mbsyncrc");
    let maildir = dir.path().join("mail");
    std::fs::create_dir_all(&maildir).expect("mkdir");
    std::fs::write(
        &rc,
        format!(
            "IMAPAccount a\nHost 127.0.0.1\nPort {}\nUser {}\nPass {}\nSSLType None\nAuthMechs LOGIN\n\n\
             IMAPStore remote\nAccount a\n\nMaildirStore local\nPath {}/\nInbox {}/INBOX\n\n\
             Channel c\nFar :remote:\nNear :local:\nPatterns INBOX\nCreate Near\nSyncState *\n",
            dc.port,
            dovecot::USER,
            dovecot::PASSWORD,
            maildir.display(),
            maildir.display()
        ),
    )
    .expect("write rc");
    let mut rows = Vec::new();
    for what in [
        "mbsync: initial sync (full messages, Maildir)",
        "mbsync: no-change run",
    ] {
        let t = Instant::now();
        let out = Process::new("mbsync")
            .arg("-c")
            .arg(&rc)
            .arg("-a")
            .arg("-q")
            .output()
            .expect("mbsync");
        rows.push(Row {
            what: what.into(),
            time: t.elapsed(),
            note: if out.status.success() {
                "exit 0".into()
            } else {
                format!(
                    "failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                        .lines()
                        .next()
                        .unwrap_or("")
                )
            },
        });
    }
    rows
}
