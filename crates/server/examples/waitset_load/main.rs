//! WaitSet load generator for `bench/waitset/run` (loopback only, against a separate `inboxd serve` process).
//!
//! Workload per N in `--waiters`:
//! 1. N admin waitsets, waitset i watching contacts of idle account i mod `--accounts`; each gets its own TCP
//!    connection and one blocking `AdminWaitSetRequest` (timeout 3600 s) parked on it. Server RSS (VmRSS of
//!    `--pid`) is read before the waitsets, after the connections are open, and after parking (+ settle).
//! 2. Sustained commits: `CreateContactRequest` at `--rate`/s for `--duration` s over `--hot` other accounts
//!    (round-robin, `--committers` connections, open-loop schedule), each hot account watched by one probe
//!    waiter that re-parks after every answer. Latency = commit request sent → probe's answer received. The
//!    N idle waiters stay parked throughout, so this is the cost of a wake with N parked.
//! 3. Fan-out: `--fanout-rounds` single commits to idle accounts, each waking N/`--accounts` waiters at once;
//!    latency = commit sent → each of those answers received.
//!
//! Every loop is bounded by count and by time; it prints a markdown table row per N on stdout.

// A load generator measures wall-clock latency; the clock rule is for the server and sans-IO cores.
#![allow(clippy::disallowed_methods)]

mod client;
mod phases;

use std::time::Duration;

use anyhow::Context;
use serde_json::json;

use client::{ACCOUNT_NS, ADMIN_NS, Conn, token_of};

/// Command-line settings (all `--name value`).
#[derive(Clone, Debug)]
pub struct Args {
    pub user_port: u16,
    pub admin_port: u16,
    pub pid: u32,
    pub admin: String,
    pub password: String,
    pub waiters: Vec<usize>,
    pub accounts: usize,
    pub hot: usize,
    pub rate: u64,
    pub duration: Duration,
    pub committers: usize,
    pub fanout_rounds: usize,
    pub settle: Duration,
}

fn parse_args() -> anyhow::Result<Args> {
    let mut a = Args {
        user_port: 0,
        admin_port: 0,
        pid: 0,
        admin: "admin@bench.test".into(),
        password: "pw".into(),
        waiters: vec![1_000, 10_000],
        accounts: 100,
        hot: 100,
        rate: 1_000,
        duration: Duration::from_secs(10),
        committers: 16,
        fanout_rounds: 20,
        settle: Duration::from_secs(3),
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    for pair in argv.chunks(2) {
        let [k, v] = pair else {
            anyhow::bail!("expected --name value pairs")
        };
        match k.as_str() {
            "--user-port" => a.user_port = v.parse()?,
            "--admin-port" => a.admin_port = v.parse()?,
            "--pid" => a.pid = v.parse()?,
            "--admin" => a.admin.clone_from(v),
            "--password" => a.password.clone_from(v),
            "--waiters" => {
                a.waiters = v.split(',').map(str::parse).collect::<Result<_, _>>()?;
            }
            "--accounts" => a.accounts = v.parse()?,
            "--hot" => a.hot = v.parse()?,
            "--rate" => a.rate = v.parse()?,
            "--duration" => a.duration = Duration::from_secs_f64(v.parse()?),
            "--committers" => a.committers = v.parse()?,
            "--fanout-rounds" => a.fanout_rounds = v.parse()?,
            "--settle" => a.settle = Duration::from_secs_f64(v.parse()?),
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    anyhow::ensure!(
        a.user_port > 0 && a.admin_port > 0 && a.pid > 0,
        "need --user-port --admin-port --pid"
    );
    anyhow::ensure!(a.accounts > 0 && a.hot > 0 && a.committers > 0 && a.rate > 0);
    Ok(a)
}

/// An account the bench commits to: id and its user token.
#[derive(Clone, Debug)]
pub struct Account {
    pub id: String,
    pub token: String,
}

async fn make_accounts(
    args: &Args,
    admin_token: &str,
    tag: &str,
    n: usize,
) -> anyhow::Result<Vec<Account>> {
    let mut admin = Conn::open(args.admin_port, "/service/admin/soap").await?;
    let mut user = Conn::open(args.user_port, "/service/soap").await?;
    let run = std::process::id();
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        let name = format!("{tag}{run}-{i}@bench.test");
        let r = admin
            .call(
                "CreateAccountRequest",
                ADMIN_NS,
                json!({"name": name, "password": "pw"}),
                Some(admin_token),
            )
            .await?;
        let acct = &r["account"];
        let id = acct.get(0).unwrap_or(acct)["id"]
            .as_str()
            .context("account id")?
            .to_owned();
        let r = user
            .call(
                "AuthRequest",
                ACCOUNT_NS,
                json!({"account": {"by": "name", "_content": name}, "password": {"_content": "pw"}}),
                None,
            )
            .await?;
        out.push(Account {
            id,
            token: token_of(&r)?,
        });
    }
    Ok(out)
}

/// VmRSS of the server process in KiB.
pub fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .context("no VmRSS")?
        .parse()
        .context("bad VmRSS")
}

/// The p-th percentile (0..=100) of `v` in ms, nearest rank; NaN when empty.
pub fn pct(v: &mut [f64], p: f64) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let i = ((p / 100.0) * (v.len() - 1) as f64).round() as usize;
    v[i.min(v.len() - 1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let mut admin = Conn::open(args.admin_port, "/service/admin/soap").await?;
    let r = admin
        .call(
            "AuthRequest",
            ADMIN_NS,
            json!({"name": {"_content": args.admin}, "password": {"_content": args.password}}),
            None,
        )
        .await?;
    let admin_token = token_of(&r)?;
    eprintln!(
        "creating {} idle + {} hot accounts",
        args.accounts, args.hot
    );
    let idle = make_accounts(&args, &admin_token, "idle", args.accounts).await?;
    let hot = make_accounts(&args, &admin_token, "hot", args.hot).await?;
    println!(
        "| parked waiters | RSS/waiter parked (KiB) | RSS/waiter incl. conn + waitset (KiB) | commits/s target / achieved | \
         commit RTT p50 / p99 (ms) | notify p50 (ms) | notify p99 (ms) | notify max (ms) | wake after commit ack p99 (ms) | samples | fan-out wake p50 / p99 (ms) |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for &n in &args.waiters {
        let row = phases::run_n(&args, &admin_token, &idle, &hot, n).await?;
        println!("{row}");
    }
    Ok(())
}
