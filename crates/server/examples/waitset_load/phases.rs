//! The measured phases for one waiter count: create + park N idle waiters (RSS), sustained commits with
//! probe waiters (latency), fan-out commits (N/accounts answers per commit).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio::task::JoinSet;

use crate::client::{ADMIN_NS, Conn, MAIL_NS};
use crate::{Account, Args, pct, rss_kib};

/// Connections opened at once (stays below the listen backlog).
const OPEN_BATCH: usize = 256;
/// A fan-out round gives up after this long.
const ROUND_LIMIT: Duration = Duration::from_secs(10);

/// Runs every phase for `n` idle waiters and returns the table row.
pub async fn run_n(
    args: &Args,
    admin_token: &str,
    idle: &[Account],
    hot: &[Account],
    n: usize,
) -> anyhow::Result<String> {
    let base = rss_kib(args.pid)?;
    let ids: Vec<String> = (0..n).map(|i| idle[i % idle.len()].id.clone()).collect();
    let sets = create_waitsets(args, admin_token, &ids).await?;
    let conns = open_conns(args.admin_port, n).await?;
    let rss0 = rss_kib(args.pid)?;
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, Instant)>();
    let mut tasks = JoinSet::new();
    for (i, (ws, conn)) in sets.into_iter().zip(conns).enumerate() {
        let tx = tx.clone();
        let k = i % idle.len();
        tasks.spawn(waiter(conn, ws, admin_token.to_owned(), move |t, _| {
            let _ = tx.send((k, t));
        }));
    }
    tokio::time::sleep(args.settle).await;
    let rss1 = rss_kib(args.pid)?;
    #[allow(clippy::cast_precision_loss)]
    let (parked, total) = (
        (rss1.saturating_sub(rss0)) as f64 / n as f64,
        (rss1.saturating_sub(base)) as f64 / n as f64,
    );
    eprintln!("N={n}: RSS {base} -> {rss0} (conns open) -> {rss1} KiB (parked)");

    let Sustained {
        rate,
        notify: mut lat,
        mut rtt,
        mut lag,
    } = sustained(args, admin_token, hot, &mut tasks).await?;
    eprintln!("N={n}: {} notify samples", lat.len());
    let mut fan = fanout(args, idle, n, &mut rx).await?;
    tasks.abort_all();
    while tasks.join_next().await.is_some() {}
    Ok(format!(
        "| {n} | {parked:.1} | {total:.1} | {} / {rate:.0} | {:.2} / {:.2} | {:.2} | {:.2} | {:.2} | {:.2} | {} | {:.2} / {:.2} |",
        args.rate,
        pct(&mut rtt, 50.0),
        pct(&mut rtt, 99.0),
        pct(&mut lat, 50.0),
        pct(&mut lat, 99.0),
        pct(&mut lat, 100.0),
        pct(&mut lag, 99.0),
        lat.len(),
        pct(&mut fan, 50.0),
        pct(&mut fan, 99.0),
    ))
}

/// One waitset per entry of `accounts` (contacts only), over four admin connections.
async fn create_waitsets(
    args: &Args,
    token: &str,
    accounts: &[String],
) -> anyhow::Result<Vec<String>> {
    let lanes = 4;
    let mut set = JoinSet::new();
    for lane in 0..lanes {
        let mine: Vec<(usize, String)> = accounts
            .iter()
            .cloned()
            .enumerate()
            .skip(lane)
            .step_by(lanes)
            .collect();
        let (port, token) = (args.admin_port, token.to_owned());
        set.spawn(async move {
            let mut c = Conn::open(port, "/service/admin/soap").await?;
            let mut out = Vec::with_capacity(mine.len());
            for (i, id) in mine {
                let r = c
                    .call(
                        "AdminCreateWaitSetRequest",
                        ADMIN_NS,
                        json!({"defTypes": "c", "add": {"a": [{"id": id}]}}),
                        Some(&token),
                    )
                    .await?;
                out.push((i, r["waitSet"].as_str().context("waitSet id")?.to_owned()));
            }
            anyhow::Ok(out)
        });
    }
    let mut all = Vec::with_capacity(accounts.len());
    while let Some(r) = set.join_next().await {
        all.extend(r??);
    }
    all.sort_by_key(|(i, _)| *i);
    Ok(all.into_iter().map(|(_, ws)| ws).collect())
}

/// Opens `n` admin connections, `OPEN_BATCH` at a time.
async fn open_conns(port: u16, n: usize) -> anyhow::Result<Vec<Conn>> {
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let batch = OPEN_BATCH.min(n - out.len());
        let mut set = JoinSet::new();
        for _ in 0..batch {
            set.spawn(Conn::open(port, "/service/admin/soap"));
        }
        while let Some(r) = set.join_next().await {
            out.push(r??);
        }
    }
    Ok(out)
}

/// Parks blocking waits on `ws` forever (until aborted), calling `on_answer(received, signalled)` after each.
async fn waiter(
    mut conn: Conn,
    ws: String,
    token: String,
    on_answer: impl Fn(Instant, bool) + Send,
) -> anyhow::Result<()> {
    let mut seq = Value::from("0");
    // Bounded: one round per answer; parked answers time out after an hour at the latest.
    for _ in 0..1_000_000 {
        let r = conn
            .call(
                "AdminWaitSetRequest",
                ADMIN_NS,
                json!({"waitSet": ws, "seq": seq, "block": "1", "timeout": "3600"}),
                Some(&token),
            )
            .await?;
        let now = Instant::now();
        let signalled = r.get("a").is_some_and(|a| !a.is_null());
        if let Some(s) = r.get("seq") {
            seq = s.clone();
        }
        on_answer(now, signalled);
    }
    Ok(())
}

/// Times of one sustained commit: request sent, answer received, probe's answer received.
#[derive(Clone, Copy, Default)]
struct Commit {
    sent: Option<Instant>,
    acked: Option<Instant>,
    answered: Option<Instant>,
}

/// Latencies of the sustained phase, in ms.
pub struct Sustained {
    pub rate: f64,
    /// Commit request sent → the probe's answer received.
    pub notify: Vec<f64>,
    /// Commit request sent → commit answer received.
    pub rtt: Vec<f64>,
    /// Commit answer received → probe's answer received (0 when the probe was answered first): the
    /// WaitSet path alone, without the store's commit time.
    pub lag: Vec<f64>,
}

/// Commits at `args.rate` for `args.duration` over the hot accounts, each watched by a probe waiter.
async fn sustained(
    args: &Args,
    admin_token: &str,
    hot: &[Account],
    tasks: &mut JoinSet<anyhow::Result<()>>,
) -> anyhow::Result<Sustained> {
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let total = (args.rate as f64 * args.duration.as_secs_f64()) as u64;
    // Per hot account: the commit whose answer its probe waits for.
    let pending: Arc<Mutex<Vec<Option<usize>>>> = Arc::new(Mutex::new(vec![None; hot.len()]));
    let commits: Arc<Mutex<Vec<Commit>>> =
        Arc::new(Mutex::new(vec![Commit::default(); usize::try_from(total)?]));
    let ids: Vec<String> = hot.iter().map(|a| a.id.clone()).collect();
    let sets = create_waitsets(args, admin_token, &ids).await?;
    for (k, ws) in sets.into_iter().enumerate() {
        let conn = Conn::open(args.admin_port, "/service/admin/soap").await?;
        let (pending, commits) = (pending.clone(), commits.clone());
        tasks.spawn(waiter(
            conn,
            ws,
            admin_token.to_owned(),
            move |t, signalled| {
                let i = pending
                    .lock()
                    .ok()
                    .and_then(|mut p| p.get_mut(k).and_then(Option::take));
                if let (true, Some(i)) = (signalled, i)
                    && let Ok(mut c) = commits.lock()
                    && let Some(c) = c.get_mut(i)
                {
                    c.answered = Some(t);
                }
            },
        ));
    }
    // Let the probes park (their first answer, if any, carries no pending commit).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = tokio::time::Instant::now();
    let mut committers = JoinSet::new();
    for c in 0..args.committers {
        let (hot, pending, commits) = (hot.to_vec(), pending.clone(), commits.clone());
        let (port, rate, step) = (args.user_port, args.rate, args.committers as u64);
        committers.spawn(async move {
            let mut conn = Conn::open(port, "/service/soap").await?;
            let mut i = c as u64;
            while i < total {
                #[allow(clippy::cast_precision_loss)]
                let at = start + Duration::from_secs_f64(i as f64 / rate as f64);
                tokio::time::sleep_until(at).await;
                #[allow(clippy::cast_possible_truncation)]
                let (k, idx) = ((i % hot.len() as u64) as usize, i as usize);
                let sent = Instant::now();
                if let Ok(mut p) = pending.lock() {
                    p[k] = Some(idx);
                }
                let cn = json!({"cn": {"a": [{"n": "firstName", "_content": format!("c{i}")}]}});
                conn.call("CreateContactRequest", MAIL_NS, cn, Some(&hot[k].token))
                    .await?;
                let acked = Instant::now();
                if let Ok(mut c) = commits.lock() {
                    c[idx].sent = Some(sent);
                    c[idx].acked = Some(acked);
                }
                i += step;
            }
            anyhow::Ok(())
        });
    }
    while let Some(r) = committers.join_next().await {
        r??;
    }
    let elapsed = start.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let commits = commits.lock().map(|c| c.clone()).unwrap_or_default();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    let mut out = Sustained {
        rate: 0.0,
        notify: Vec::new(),
        rtt: Vec::new(),
        lag: Vec::new(),
    };
    for c in &commits {
        let (Some(sent), Some(acked)) = (c.sent, c.acked) else {
            continue;
        };
        out.rtt.push(ms(acked - sent));
        if let Some(answered) = c.answered {
            out.notify
                .push(ms(answered.saturating_duration_since(sent)));
            out.lag.push(ms(answered.saturating_duration_since(acked)));
        }
    }
    #[allow(clippy::cast_precision_loss)]
    {
        out.rate = out.rtt.len() as f64 / elapsed;
    }
    Ok(out)
}

/// Single commits to idle accounts, each answered by the N/accounts waiters of that account.
async fn fanout(
    args: &Args,
    idle: &[Account],
    n: usize,
    rx: &mut mpsc::UnboundedReceiver<(usize, Instant)>,
) -> anyhow::Result<Vec<f64>> {
    let mut conn = Conn::open(args.user_port, "/service/soap").await?;
    let mut lat = Vec::new();
    for r in 0..args.fanout_rounds {
        let k = r % idle.len();
        let expected = (0..n).filter(|i| i % idle.len() == k).count();
        while rx.try_recv().is_ok() {}
        let t0 = Instant::now();
        let cn = json!({"cn": {"a": [{"n": "firstName", "_content": format!("f{r}")}]}});
        conn.call("CreateContactRequest", MAIL_NS, cn, Some(&idle[k].token))
            .await?;
        let deadline = tokio::time::Instant::now() + ROUND_LIMIT;
        let mut got = 0;
        while got < expected {
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some((acct, t))) if acct == k => {
                    got += 1;
                    lat.push(t.duration_since(t0).as_secs_f64() * 1000.0);
                }
                Ok(Some(_)) => {}
                Ok(None) | Err(_) => {
                    eprintln!("fan-out round {r}: {got}/{expected} answers within {ROUND_LIMIT:?}");
                    break;
                }
            }
        }
    }
    Ok(lat)
}
