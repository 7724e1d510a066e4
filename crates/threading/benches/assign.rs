//! Benchmark: `HeaderIdMap::assign` throughput on a real mailing-list mbox, and agreement of the
//! resulting conversations with Dovecot's THREAD output for the same mbox.
//!
//! Usage: `assign <corpus.mbox.gz> [--runs N] [--explain N]`. Dovecot's TSVs are looked up beside
//! the corpus (`<stem>.dovecot-thread-refs.tsv.gz`, `<stem>.dovecot-thread-references.tsv.gz`).
//! Headers are parsed once up front (mail-parser); the timed part is assignment only, in process.

#[path = "support/agreement.rs"]
mod agreement;
// Shared with the fixture tests; this binary needs only part of it.
#[allow(dead_code)]
#[path = "../tests/common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::fs::File;
use std::hash::Hash;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use flate2::read::GzDecoder;
use inboxd_threading::{HeaderIdMap, Resolution, ThreadHeaders, reference_threads};
use mail_parser::MessageParser;
use mail_parser::mailbox::mbox::MessageIterator;

use agreement::{Agreement, DovecotThreads, compare};

struct Args {
    corpus: PathBuf,
    runs: usize,
    explain: usize,
}

/// A parsed corpus message: what assignment needs plus a subject for explanations.
struct Parsed {
    headers: ThreadHeaders,
    subject: String,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = parse_args()?;
    let (messages, parse_time) = timed(|| load_mbox(&args.corpus));
    let messages = messages?;
    let headers: Vec<ThreadHeaders> = messages.iter().map(|m| m.headers.clone()).collect();

    let mut run_times = Vec::with_capacity(args.runs);
    let mut labels = Vec::new();
    for _ in 0..args.runs {
        let (result, elapsed) = timed(|| assign_all(&headers));
        labels = result.0;
        run_times.push(elapsed);
    }
    run_times.sort();
    let (_, stats) = assign_all(&headers);
    check_against_reference(&headers, &labels)?;
    let shuffled = shuffled_order(headers.len());
    let reordered: Vec<ThreadHeaders> = shuffled.iter().map(|&i| headers[i].clone()).collect();
    let ((shuffled_labels, shuffled_stats), shuffled_time) = timed(|| assign_all(&reordered));
    let mut unshuffled = vec![0u32; headers.len()];
    for (position, &i) in shuffled.iter().enumerate() {
        unshuffled[i] = shuffled_labels[position];
    }
    let order_agreement = compare(&labels, &unshuffled);

    let n = messages.len();
    println!("| metric | value |");
    println!("|---|---|");
    println!("| messages | {n} |");
    println!(
        "| header parse (mail-parser, untimed for the target) | {:.0} msgs/s |",
        rate(n, parse_time)
    );
    println!(
        "| assignment, median of {} runs | {:.0} msgs/s |",
        args.runs,
        rate(n, run_times[run_times.len() / 2])
    );
    println!(
        "| assignment, best run | {:.0} msgs/s |",
        rate(n, run_times[0])
    );
    println!("| conversations | {} |", stats.conversations);
    println!("| largest conversation | {} messages |", stats.largest);
    println!(
        "| joins / merges on arrival | {} / {} |",
        stats.joins, stats.merges
    );
    println!("| header ids mapped | {} |", stats.ids);
    println!(
        "| shuffled arrival: assignment (1 run) | {:.0} msgs/s |",
        rate(n, shuffled_time)
    );
    println!(
        "| shuffled arrival: joins / merges | {} / {} |",
        shuffled_stats.joins, shuffled_stats.merges
    );
    println!(
        "| shuffled arrival: same partition as mbox order | {} |",
        order_agreement.exact_share == 1.0
            && order_agreement.ours_groups == order_agreement.theirs_groups
    );
    for (label, suffix) in [("REFS", "refs"), ("REFERENCES", "references")] {
        let path = dovecot_path(&args.corpus, suffix);
        match DovecotThreads::load(&path) {
            Ok(dovecot) => report_dovecot(label, &dovecot, &messages, &labels, args.explain),
            Err(e) => println!(
                "| Dovecot {label} | not available ({}: {e}) |",
                path.display()
            ),
        }
    }
    Ok(())
}

fn parse_args() -> Result<Args, String> {
    // `cargo bench` appends `--bench` to harness-less targets; ignore it.
    let mut raw = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut corpus = None;
    let (mut runs, mut explain) = (15, 0);
    while let Some(arg) = raw.next() {
        match arg.as_str() {
            "--runs" => runs = number(raw.next())?,
            "--explain" => explain = number(raw.next())?,
            _ => corpus = Some(PathBuf::from(arg)),
        }
    }
    let corpus = corpus.ok_or("usage: assign <corpus.mbox.gz> [--runs N] [--explain N]")?;
    Ok(Args {
        corpus,
        runs: runs.max(1),
        explain,
    })
}

fn number(arg: Option<String>) -> Result<usize, String> {
    arg.and_then(|a| a.parse().ok())
        .ok_or_else(|| "expected a number".to_owned())
}

/// Splits the gzip'd mboxrd (mail-parser's splitter un-escapes `>From `) and parses headers.
fn load_mbox(path: &Path) -> std::io::Result<Vec<Parsed>> {
    let reader = BufReader::new(GzDecoder::new(File::open(path)?));
    let parser = MessageParser::default();
    let mut out = Vec::new();
    for message in MessageIterator::new(reader) {
        let message = message?;
        let parsed = parser.parse_headers(message.contents());
        out.push(Parsed {
            headers: parsed.as_ref().map(common::headers_of).unwrap_or_default(),
            subject: parsed
                .as_ref()
                .and_then(|m| m.subject())
                .unwrap_or("")
                .to_owned(),
        });
    }
    Ok(out)
}

#[derive(Default)]
struct Stats {
    conversations: usize,
    largest: usize,
    joins: usize,
    merges: usize,
    ids: usize,
}

/// Assigns every message in mbox order; returns each message's final conversation and stats.
fn assign_all(headers: &[ThreadHeaders]) -> (Vec<u32>, Stats) {
    let mut map: HeaderIdMap<u32> = HeaderIdMap::new();
    let mut next = 0u32;
    let mut at_arrival = Vec::with_capacity(headers.len());
    let mut stats = Stats::default();
    for h in headers {
        let assignment = map.assign(h, || {
            next += 1;
            next
        });
        match assignment.resolution {
            Resolution::New => {}
            Resolution::Join(_) => stats.joins += 1,
            Resolution::Merge { .. } => stats.merges += 1,
        }
        at_arrival.push(assignment.conversation);
    }
    let labels: Vec<u32> = headers
        .iter()
        .zip(&at_arrival)
        .map(|(h, &conv)| map.lookup(h).target().unwrap_or(conv))
        .collect();
    let mut sizes: HashMap<u32, usize> = HashMap::new();
    for label in &labels {
        *sizes.entry(*label).or_default() += 1;
    }
    stats.conversations = sizes.len();
    stats.largest = sizes.values().copied().max().unwrap_or(0);
    stats.ids = map.len();
    (labels, stats)
}

/// The incremental map must group exactly like the batch union-find.
fn check_against_reference(headers: &[ThreadHeaders], labels: &[u32]) -> Result<(), String> {
    let indexed: Vec<(usize, ThreadHeaders)> = headers.iter().cloned().enumerate().collect();
    let reference = reference_threads(&indexed);
    let mut ours: HashMap<u32, Vec<usize>> = HashMap::new();
    for (i, label) in labels.iter().enumerate() {
        ours.entry(*label).or_default().push(i);
    }
    if inboxd_threading::canonical(ours.into_values().collect()) == reference {
        Ok(())
    } else {
        Err("HeaderIdMap grouping differs from reference_threads".to_owned())
    }
}

fn report_dovecot(
    label: &str,
    dovecot: &DovecotThreads,
    messages: &[Parsed],
    ours: &[u32],
    explain: usize,
) {
    let theirs: Vec<u64> = dovecot.rows.iter().map(|(_, t)| *t).collect();
    let id_mismatches = dovecot
        .rows
        .iter()
        .zip(messages)
        .filter(|((id, _), m)| inboxd_threading::normalize_message_id(id) != m.headers.message_id)
        .count();
    let a: Agreement = compare(ours, &theirs);
    println!(
        "| Dovecot THREAD {label}: rows / Message-ID mismatches vs our parse | {} / {id_mismatches} |",
        dovecot.rows.len()
    );
    println!(
        "| Dovecot THREAD {label}: threads (ours / Dovecot) | {} / {} |",
        a.ours_groups, a.theirs_groups
    );
    println!(
        "| Dovecot THREAD {label}: exact agreement (messages) | {:.2}% |",
        100.0 * a.exact_share
    );
    println!(
        "| Dovecot THREAD {label}: pairwise precision / recall | {:.4} / {:.4} |",
        a.precision, a.recall
    );
    if explain > 0 {
        explain_differences(label, messages, ours, &theirs, explain);
    }
}

/// Prints the largest groups on either side that the other side splits.
fn explain_differences(
    label: &str,
    messages: &[Parsed],
    ours: &[u32],
    theirs: &[u64],
    limit: usize,
) {
    let n = ours.len().min(theirs.len());
    println!("\nConversations of ours that Dovecot {label} splits (largest {limit}):");
    print_split_groups(messages, &ours[..n], &theirs[..n], limit);
    println!("Dovecot {label} threads that we split (largest {limit}):");
    print_split_groups(messages, &theirs[..n], &ours[..n], limit);
}

/// Groups of `outer` whose members carry several `inner` labels, largest first.
fn print_split_groups<A: Hash + Eq + Copy, B: Ord + Copy>(
    messages: &[Parsed],
    outer: &[A],
    inner: &[B],
    limit: usize,
) {
    let mut groups: HashMap<A, Vec<usize>> = HashMap::new();
    for (i, label) in outer.iter().enumerate() {
        groups.entry(*label).or_default().push(i);
    }
    let mut split: Vec<&Vec<usize>> = groups
        .values()
        .filter(|m| m.iter().any(|&i| inner[i] != inner[m[0]]))
        .collect();
    split.sort_by_key(|m| (std::cmp::Reverse(m.len()), m[0]));
    for members in split.into_iter().take(limit) {
        let mut parts: Vec<B> = members.iter().map(|&i| inner[i]).collect();
        parts.sort_unstable();
        parts.dedup();
        let first = &messages[members[0]];
        println!(
            "  {} msgs in {} parts; first: {} {:?}",
            members.len(),
            parts.len(),
            first.headers.message_id.as_deref().unwrap_or("-"),
            first.subject
        );
    }
}

/// A fixed pseudo-random permutation (xorshift-driven Fisher-Yates), the same on every run.
fn shuffled_order(n: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for i in (1..n).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        order.swap(i, (state % (i as u64 + 1)) as usize);
    }
    order
}

fn dovecot_path(corpus: &Path, suffix: &str) -> PathBuf {
    let name = corpus.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let stem = name.strip_suffix(".mbox.gz").unwrap_or(name);
    corpus.with_file_name(format!("{stem}.dovecot-thread-{suffix}.tsv.gz"))
}

fn rate(n: usize, elapsed: Duration) -> f64 {
    n as f64 / elapsed.as_secs_f64().max(1e-9)
}

/// Wall time of `f`. Benchmarks measure time; the no-clock rule is for the library.
#[allow(clippy::disallowed_methods)]
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let value = f();
    (value, start.elapsed())
}
