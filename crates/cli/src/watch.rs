//! `inboxd watch`: a WaitSet client. Authenticates, creates a waitset, long-polls it and prints one line
//! per notified account (`ACCOUNT_ID changeid=N`), reconnecting with backoff on errors. Uses the user
//! API (`…/service/soap`) or, for an admin listener URL (`…/service/admin/soap`), the admin API, which
//! also allows `--all` and other accounts. Only the wire conversation lives here; no server code.

use std::time::Duration;

use anyhow::{Context, anyhow, bail};
use inboxd_soap::{Element, Format, Limits, NS_ACCOUNT, NS_ADMIN, NS_MAIL, NS_ZIMBRA};

/// Longest pause between reconnect attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// Flags of `inboxd watch`.
#[derive(clap::Args, Debug, Clone)]
pub struct WatchArgs {
    /// SOAP endpoint: `http://HOST:7070/service/soap` (user) or `http://HOST:7071/service/admin/soap` (admin).
    #[arg(long)]
    pub url: String,
    /// Account name to authenticate as.
    #[arg(long)]
    pub user: String,
    /// Password (or set INBOXD_PASSWORD).
    #[arg(long, env = "INBOXD_PASSWORD", hide_env_values = true)]
    pub password: String,
    /// Account id to watch (repeatable); default: the authenticated account.
    #[arg(long = "account", value_name = "ID")]
    pub accounts: Vec<String>,
    /// Watch every account on the server (admin URL only).
    #[arg(long, conflicts_with = "accounts")]
    pub all: bool,
    /// Interest types: comma list of f,m,c,a,t,d or `all`.
    #[arg(long, default_value = "all")]
    pub types: String,
    /// Seconds the server may hold each poll (clamped by the server).
    #[arg(long)]
    pub timeout: Option<u64>,
}

/// Runs until interrupted (Ctrl-C).
pub async fn run(args: WatchArgs) -> anyhow::Result<()> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(args.timeout.unwrap_or(300) + 3700))
        .build()?;
    let watcher = async {
        let mut backoff = Duration::from_secs(1);
        // Runs until Ctrl-C; every failure leads to a fresh login and waitset after a bounded pause.
        loop {
            match session(&client, &args).await {
                Ok(()) => backoff = Duration::from_secs(1),
                Err(e) => {
                    eprintln!("watch: {e:#}; reconnecting in {}s", backoff.as_secs());
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                }
            }
        }
    };
    tokio::select! {
        () = watcher => Ok(()),
        res = tokio::signal::ctrl_c() => res.context("waiting for Ctrl-C"),
    }
}

/// The namespace and request names of the user or admin API.
struct Api {
    ns: &'static str,
    create: &'static str,
    wait: &'static str,
}

impl Api {
    fn for_url(url: &str) -> Self {
        if url.contains("/service/admin") {
            Api {
                ns: NS_ADMIN,
                create: "AdminCreateWaitSetRequest",
                wait: "AdminWaitSetRequest",
            }
        } else {
            Api {
                ns: NS_MAIL,
                create: "CreateWaitSetRequest",
                wait: "WaitSetRequest",
            }
        }
    }
}

/// One login + waitset; returns `Ok` when the server canceled the waitset (the caller recreates it).
async fn session(client: &reqwest::Client, args: &WatchArgs) -> anyhow::Result<()> {
    let api = Api::for_url(&args.url);
    let token = login(client, args, &api).await?;
    let created = call(client, &args.url, Some(&token), create_request(args, &api)).await?;
    let id = created
        .scalar("waitSet")
        .ok_or_else(|| anyhow!("no waitSet in {}", created.name))?;
    for e in created.children_named("error") {
        print_error(e);
    }
    eprintln!("watch: waitset {id}");
    let mut seq = "0".to_string();
    // Bounded by the server: each poll ends at its timeout at the latest.
    loop {
        let mut req = Element::ns(api.wait, api.ns)
            .with_attr("waitSet", id.as_str())
            .with_attr("seq", seq.as_str())
            .with_attr("block", "1");
        if let Some(t) = args.timeout {
            req.set_attr("timeout", t.to_string());
        }
        let resp = call(client, &args.url, Some(&token), req).await?;
        if resp
            .scalar("canceled")
            .is_some_and(|c| c == "1" || c == "true")
        {
            eprintln!("watch: waitset {id} canceled; recreating");
            return Ok(());
        }
        for a in resp.children_named("a") {
            let account = a.scalar("id").unwrap_or_default();
            let change = a.scalar("changeid").unwrap_or_default();
            println!("{account} changeid={change}");
        }
        for e in resp.children_named("error") {
            print_error(e);
        }
        if let Some(s) = resp.scalar("seq") {
            seq = s;
        }
    }
}

fn print_error(e: &Element) {
    let account = e.scalar("id").unwrap_or_default();
    let kind = e
        .scalar("type")
        .or_else(|| e.scalar("t"))
        .unwrap_or_default();
    println!("{account} error={kind}");
}

fn create_request(args: &WatchArgs, api: &Api) -> Element {
    let mut req = Element::ns(api.create, api.ns).with_attr("defTypes", args.types.as_str());
    if args.all {
        return req.with_attr("allAccounts", "1");
    }
    let mut add = Element::new("add");
    if args.accounts.is_empty() {
        add.push(Element::new("a").with_attr("name", args.user.as_str()));
    }
    for id in &args.accounts {
        add.push(Element::new("a").with_attr("id", id.as_str()));
    }
    req.push(add);
    req
}

async fn login(client: &reqwest::Client, args: &WatchArgs, api: &Api) -> anyhow::Result<String> {
    let req = if api.ns == NS_ADMIN {
        Element::ns("AuthRequest", NS_ADMIN)
            .with_child(Element::text_child("name", args.user.as_str()))
            .with_child(Element::text_child("password", args.password.as_str()))
    } else {
        Element::ns("AuthRequest", NS_ACCOUNT)
            .with_child(Element::text_child("account", args.user.as_str()).with_attr("by", "name"))
            .with_child(Element::text_child("password", args.password.as_str()))
    };
    let resp = call(client, &args.url, None, req).await?;
    resp.scalar("authToken")
        .ok_or_else(|| anyhow!("no authToken in AuthResponse"))
}

/// Posts one SOAP 1.2 request; a Fault becomes an error carrying its Zimbra code.
async fn call(
    client: &reqwest::Client,
    url: &str,
    token: Option<&str>,
    body: Element,
) -> anyhow::Result<Element> {
    let mut context = Element::ns("context", NS_ZIMBRA);
    if let Some(t) = token {
        context.push(Element::text_child("authToken", t));
    }
    // The response encoder writes the same Envelope/Header/Body shape a request needs.
    let bytes = inboxd_soap::encode_response(Format::Soap12, Some(&context), &body);
    let resp = client
        .post(url)
        .header("content-type", "application/soap+xml; charset=utf-8")
        .body(bytes)
        .send()
        .await
        .with_context(|| format!("POST {url}"))?;
    let bytes = resp.bytes().await?;
    let parsed = inboxd_soap::parse_request(&bytes, &Limits::default())
        .map_err(|f| anyhow!("unreadable answer: {f}"))?;
    if parsed.body.name == "Fault" {
        let code = parsed
            .body
            .child("Detail")
            .and_then(|d| d.child("Error"))
            .and_then(|e| e.scalar("Code"))
            .unwrap_or_default();
        let reason = parsed
            .body
            .child("Reason")
            .and_then(|r| r.scalar("Text"))
            .unwrap_or_default();
        bail!("{code}: {reason}");
    }
    Ok(parsed.body)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(url: &str) -> WatchArgs {
        WatchArgs {
            url: url.into(),
            user: "ann@example.test".into(),
            password: "pw".into(),
            accounts: vec![],
            all: false,
            types: "m,c".into(),
            timeout: None,
        }
    }

    #[test]
    fn the_url_picks_the_user_or_admin_api() {
        assert_eq!(Api::for_url("http://h:7070/service/soap").ns, NS_MAIL);
        let admin = Api::for_url("http://h:7071/service/admin/soap");
        assert_eq!((admin.ns, admin.wait), (NS_ADMIN, "AdminWaitSetRequest"));
    }

    #[test]
    fn create_adds_self_by_name_given_ids_or_all_accounts() {
        let user = args("http://h/service/soap");
        let api = Api::for_url(&user.url);
        let req = create_request(&user, &api);
        let a = req.child("add").and_then(|l| l.child("a")).unwrap();
        assert_eq!(a.scalar("name").as_deref(), Some("ann@example.test"));
        assert_eq!(req.scalar("defTypes").as_deref(), Some("m,c"));

        let ids = WatchArgs {
            accounts: vec!["A".into(), "B".into()],
            ..user.clone()
        };
        let req = create_request(&ids, &api);
        let got: Vec<_> = req
            .child("add")
            .unwrap()
            .children_named("a")
            .filter_map(|a| a.scalar("id"))
            .collect();
        assert_eq!(got, ["A", "B"]);

        let all = WatchArgs { all: true, ..user };
        let req = create_request(&all, &Api::for_url("http://h/service/admin/soap"));
        assert_eq!(req.scalar("allAccounts").as_deref(), Some("1"));
        assert!(req.child("add").is_none());
    }
}
