//! Search bench: loads a real mailing-list mbox (threaded into conversations) into a fresh store, starts the
//! server on loopback and measures SearchRequest, GetConvRequest and GetFolderRequest over HTTP (JSON, as the
//! web client speaks). Then it adds candidate indexes to the messages table one by one (`INDEX_STAGES`) and
//! measures again after each, to show what a migration adding them would buy.
//!
//! Usage: `search <corpus.mbox.gz> [--requests N] [--limit N] [--max-messages N]`. Requests are sequential,
//! one client, after 10 warm-up requests per scenario; latency is from send to the last body byte.

mod load;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use inboxd_model::ItemId;
use inboxd_server::{ServerConfig, auth::hash_password};
use inboxd_soap::{Element, Format, Limits, NS_ACCOUNT, NS_MAIL, NS_ZIMBRA, parse_request};
use inboxd_store::NewAccount;

const USER: &str = "bench@example.test";
const WARMUP: usize = 10;

/// Index experiments, applied one after the other to the loaded store file.
const INDEX_STAGES: [(&str, &str); 3] = [
    (
        "INDEX messages (account, folder, date)",
        "CREATE INDEX bench_folder_date ON messages (account, folder, date)",
    ),
    (
        "INDEX messages (account, folder, conversation, date)",
        "CREATE INDEX bench_folder_conv_date ON messages (account, folder, conversation, date)",
    ),
    (
        "INDEX messages (account, folder, flags)",
        "CREATE INDEX bench_folder_flags ON messages (account, folder, flags)",
    ),
];

struct Args {
    corpus: PathBuf,
    requests: usize,
    limit: u32,
    max_messages: usize,
}

fn main() -> anyhow::Result<()> {
    let args = parse_args()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(args))
}

fn parse_args() -> anyhow::Result<Args> {
    // `cargo bench` appends `--bench` to harness-less targets.
    let mut raw = std::env::args().skip(1).filter(|a| a != "--bench");
    let mut args = Args {
        corpus: PathBuf::new(),
        requests: 200,
        limit: 100,
        max_messages: usize::MAX,
    };
    while let Some(a) = raw.next() {
        let mut num = || -> anyhow::Result<usize> {
            Ok(raw
                .next()
                .ok_or_else(|| anyhow::anyhow!("{a} needs a number"))?
                .parse()?)
        };
        match a.as_str() {
            "--requests" => args.requests = num()?.max(1),
            "--limit" => args.limit = u32::try_from(num()?)?,
            "--max-messages" => args.max_messages = num()?,
            _ => args.corpus = PathBuf::from(&a),
        }
    }
    anyhow::ensure!(
        !args.corpus.as_os_str().is_empty(),
        "usage: search <corpus.mbox.gz> [--requests N] [--limit N] [--max-messages N]"
    );
    Ok(args)
}

async fn run(args: Args) -> anyhow::Result<()> {
    let (parsed, parse_time) = timed(|| load::parse_mbox(&args.corpus, args.max_messages));
    let parsed = parsed?;
    let dir = tempfile::tempdir()?;
    let mut config = ServerConfig::new(dir.path());
    config.listen = "127.0.0.1:0".parse()?;
    config.admin_listen = "127.0.0.1:0".parse()?;
    config.sync = None;
    let server = inboxd_server::start(config).await?;
    let store = server.app.store.clone();
    let now = server.app.clock.now();
    let new = NewAccount {
        name: USER.into(),
        password_hash: hash_password("pw")?,
        admin: false,
        imap: None,
    };
    let account = store.create_account(new, now)?.id;
    let (loaded, seed_time) = timed(|| load::seed(&store, &account, &parsed, now));
    let loaded = loaded?;
    drop(parsed);

    let client = Client::new(format!("http://{}/service/soap", server.user_addr)).await?;
    println!(
        "corpus: {} messages, {} conversations (largest {} messages); parse {:.1} s, store load {:.1} s; \
         {} requests per row after {WARMUP} warm-up, limit {}, JSON\n",
        loaded.messages,
        loaded.conversations,
        loaded.largest.1,
        parse_time.as_secs_f64(),
        seed_time.as_secs_f64(),
        args.requests,
        args.limit
    );
    let later_convs = u64::try_from(loaded.conversations / 2)?;
    let later_msgs = u64::try_from(loaded.messages / 2)?;
    let searches = [
        (
            "conversations, in:inbox, first page",
            search("in:inbox", "conversation", args.limit, 0),
        ),
        (
            "messages, in:inbox, first page",
            search("in:inbox", "message", args.limit, 0),
        ),
        (
            "conversations, in:inbox, page at offset conversations/2",
            search("in:inbox", "conversation", args.limit, later_convs),
        ),
        (
            "messages, in:inbox, page at offset messages/2",
            search("in:inbox", "message", args.limit, later_msgs),
        ),
        (
            "conversations, in:inbox is:unread, first page",
            search("in:inbox is:unread", "conversation", args.limit, 0),
        ),
        (
            "messages, in:inbox subject word \"clk\", first page",
            search("in:inbox clk", "message", args.limit, 0),
        ),
    ];
    let others = [
        (
            "GetConvRequest, largest conversation",
            get_conv(loaded.largest.0),
        ),
        (
            "GetFolderRequest (with n/u counts)",
            Element::ns("GetFolderRequest", NS_MAIL),
        ),
    ];
    header();
    for (name, req) in searches.iter().chain(&others) {
        client.measure(name, req, args.requests).await?;
    }

    // What indexes would change; the schema has neither (no migration here). Cumulative: each stage adds one.
    let conn = rusqlite::Connection::open(store.path())?;
    for (name, sql) in INDEX_STAGES {
        let (created, index_time) = timed(|| conn.execute_batch(sql));
        created?;
        println!(
            "\nwith {name} added (built in {:.0} ms):\n",
            index_time.as_secs_f64() * 1000.0
        );
        header();
        for (name, req) in searches.iter().chain(&others[1..]) {
            client.measure(name, req, args.requests).await?;
        }
    }
    server.shutdown().await;
    Ok(())
}

fn header() {
    println!("| request | hits | response bytes | p50 ms | p99 ms | max ms |");
    println!("|---|---:|---:|---:|---:|---:|");
}

fn search(query: &str, types: &str, limit: u32, offset: u64) -> Element {
    Element::ns("SearchRequest", NS_MAIL)
        .with_attr("types", types)
        .with_attr("limit", limit)
        .with_attr("offset", offset)
        .with_child(Element::text_child("query", query))
}

fn get_conv(id: ItemId) -> Element {
    Element::ns("GetConvRequest", NS_MAIL).with_child(
        Element::new("c")
            .with_attr("id", id.0)
            .with_attr("fetch", "all"),
    )
}

#[allow(clippy::disallowed_methods)] // a bench measures wall time
fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let out = f();
    (out, start.elapsed())
}

struct Client {
    http: reqwest::Client,
    url: String,
    token: String,
}

impl Client {
    async fn new(url: String) -> anyhow::Result<Client> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()?;
        let mut client = Client {
            http,
            url,
            token: String::new(),
        };
        let auth = Element::ns("AuthRequest", NS_ACCOUNT)
            .with_child(Element::text_child("account", USER).with_attr("by", "name"))
            .with_child(Element::text_child("password", "pw"));
        let (body, _) = client.post(&auth).await?;
        client.token = body
            .scalar("authToken")
            .ok_or_else(|| anyhow::anyhow!("no token"))?;
        Ok(client)
    }

    /// Posts one request; the parsed response body and the response size.
    async fn post(&self, body: &Element) -> anyhow::Result<(Element, usize)> {
        let mut context = Element::ns("context", NS_ZIMBRA);
        if !self.token.is_empty() {
            context.push(Element::text_child("authToken", self.token.as_str()));
        }
        let bytes = inboxd_soap::encode_response(Format::Json, Some(&context), body);
        let resp = self.http.post(&self.url).body(bytes).send().await?;
        let status = resp.status();
        let raw = resp.bytes().await?;
        anyhow::ensure!(
            status.is_success(),
            "{}: {}",
            status,
            String::from_utf8_lossy(&raw)
        );
        let parsed = parse_request(&raw, &Limits::default())
            .map_err(|f| anyhow::anyhow!("unparseable response: {f}"))?;
        Ok((parsed.body, raw.len()))
    }

    async fn measure(&self, name: &str, req: &Element, n: usize) -> anyhow::Result<()> {
        let (first, size) = self.post(req).await?;
        let hits = hit_count(&first);
        for _ in 0..WARMUP {
            self.post(req).await?;
        }
        let mut times = Vec::with_capacity(n);
        for _ in 0..n {
            let (result, elapsed) = timed_async(self.post(req)).await;
            result?;
            times.push(elapsed);
        }
        times.sort();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let p = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
        println!(
            "| {name} | {hits} | {size} | {:.2} | {:.2} | {:.2} |",
            ms(p(0.5)),
            ms(p(0.99)),
            ms(p(1.0))
        );
        Ok(())
    }
}

/// Top-level hits, or the messages of a GetConv answer.
fn hit_count(body: &Element) -> usize {
    match body.child("c") {
        Some(c) if body.name == "GetConvResponse" => c.children_named("m").count(),
        _ => body.children.len(),
    }
}

#[allow(clippy::disallowed_methods)] // a bench measures wall time
async fn timed_async<T>(f: impl std::future::Future<Output = T>) -> (T, Duration) {
    let start = Instant::now();
    let out = f.await;
    (out, start.elapsed())
}
