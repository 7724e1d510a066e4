//! HTTP in, SOAP out: the two listeners, routing, body limits, format detection, token extraction, fault
//! status codes. The HTTP/1.1 wire itself (connections, parsing, keep-alive, hang-ups) is `http1`.
//!
//! Every SOAP answer is built here: 200 with the response envelope, or 500 with a Fault (as Zimbra does). The
//! format follows the request body (`<` XML, `{` JSON), never the Content-Type, because real clients send odd ones.

#[path = "http1/mod.rs"]
mod http1;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use inboxd_soap::{Element, Fault, Format, Limits, SoapRequest};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use self::http1::{Body, Head, Method, Reply, Response, Settings};
use crate::app::App;
use crate::config::ServerConfig;
use crate::cx::{AuthInfo, Cx, Listener};
use crate::shutdown::Shutdown;
use crate::{handlers, metrics_setup};

/// A server that is accepting connections. Dropping it does not stop it; call `shutdown`.
pub struct RunningServer {
    pub app: Arc<App>,
    pub user_addr: SocketAddr,
    pub admin_addr: SocketAddr,
    shutdown: Shutdown,
    http: Arc<Settings>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningServer {
    /// Stops accepting, lets in-flight requests finish (parked long-polls are completed by the WaitSet shell), and
    /// waits a bounded time for the listeners to close.
    pub async fn shutdown(self) {
        self.shutdown.trigger();
        self.app.sync.shutdown().await;
        for task in self.tasks {
            if tokio::time::timeout(Duration::from_secs(10), task)
                .await
                .is_err()
            {
                tracing::warn!("listener did not stop within 10 s");
            }
        }
    }

    /// Waits until the shutdown signal fires (e.g. from ctrl-c in the CLI), then shuts down.
    pub fn shutdown_handle(&self) -> Shutdown {
        self.shutdown.clone()
    }

    /// Changes how long a client may take to send a request head once it has started (default 30 s; each
    /// body read may stall as long), and how long a keep-alive connection may wait for its next request
    /// (default 10 min). Applies to requests read from now on; tests shorten them.
    pub fn set_http_timeouts(&self, head: Duration, idle: Duration) {
        self.http.set_timeouts(head, idle);
    }
}

/// Opens the store, binds both listeners and starts serving.
pub async fn start(config: ServerConfig) -> anyhow::Result<RunningServer> {
    let user_listener = TcpListener::bind(config.listen).await?;
    let admin_listener = TcpListener::bind(config.admin_listen).await?;
    let app = App::open(config)?;
    let shutdown = Shutdown::new();
    crate::app::start_background(&app, &shutdown);
    let user_addr = user_listener.local_addr()?;
    let admin_addr = admin_listener.local_addr()?;
    let http = Arc::new(Settings::new(app.config.max_body_bytes));
    let site = |listener| {
        Arc::new(Site {
            app: app.clone(),
            listener,
        })
    };
    let tasks = vec![
        spawn_listener(user_listener, site(Listener::User), &http, &shutdown),
        spawn_listener(admin_listener, site(Listener::Admin), &http, &shutdown),
    ];
    tracing::info!(%user_addr, %admin_addr, data = %app.config.data_dir.display(), "inboxd serving");
    Ok(RunningServer {
        app,
        user_addr,
        admin_addr,
        shutdown,
        http,
        tasks,
    })
}

/// Accepts connections until shutdown, then lets each finish its in-flight request and waits for all of them.
///
/// TCP_NODELAY on every socket: small SOAP answers must not wait for Nagle.
fn spawn_listener(
    listener: TcpListener,
    site: Arc<Site>,
    settings: &Arc<Settings>,
    shutdown: &Shutdown,
) -> JoinHandle<()> {
    let (settings, shutdown) = (settings.clone(), shutdown.clone());
    tokio::spawn(async move {
        // Each connection holds a receiver; the sender sees `closed` once all of them are gone.
        let (close_tx, close_rx) = tokio::sync::watch::channel(());
        loop {
            let accepted = tokio::select! {
                res = listener.accept() => res,
                () = shutdown.clone().wait() => break,
            };
            let stream = match accepted {
                Ok((stream, _)) => stream,
                // A peer that gave up before we accepted: nothing to do.
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    // Out of fds or similar: back off instead of spinning (as axum::serve does).
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            };
            if let Err(e) = stream.set_nodelay(true) {
                tracing::debug!(error = %e, "TCP_NODELAY not set");
            }
            tokio::spawn(http1::serve(
                stream,
                site.clone(),
                settings.clone(),
                close_rx.clone(),
            ));
        }
        settings.close_idle();
        drop(close_rx);
        drop(listener);
        close_tx.closed().await;
    })
}

fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}

/// One listener's routes: SOAP on its path, `/metrics` on the admin listener.
struct Site {
    app: Arc<App>,
    listener: Listener,
}

impl http1::Service for Site {
    fn call(&self, head: &Head, body: Body) -> Reply {
        let soap_path = match self.listener {
            Listener::User => "/service/soap",
            Listener::Admin => "/service/admin/soap",
        };
        let is_soap = head
            .path
            .strip_prefix(soap_path)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'));
        let is_metrics = self.listener == Listener::Admin && head.path == "/metrics";
        Reply::Ready(match (head.method, is_soap, is_metrics) {
            (Method::Post, true, _) => return soap(&self.app, self.listener, head, body),
            (Method::Get, _, true) => Response::new(
                200,
                "text/plain; version=0.0.4",
                metrics_setup::render().into(),
            ),
            (_, true, _) => not_allowed("POST"),
            (_, _, true) => not_allowed("GET"),
            _ => Response::text(404, "not found"),
        })
    }
}

fn not_allowed(allow: &'static str) -> Response {
    Response {
        allow: Some(allow),
        ..Response::text(405, "method not allowed")
    }
}

/// Parses and authenticates a SOAP request, then hands it to its handler. Only what the answer needs
/// (format, name, the caller's account for the change token) is kept with the handler's future; the body,
/// the headers and the parsed tree are gone before a long poll parks.
fn soap(app: &Arc<App>, listener: Listener, head: &Head, body: Body) -> Reply {
    let started = crate::clock::monotonic_now();
    let bytes: Bytes = match body {
        Body::Full(bytes) => bytes,
        Body::TooLarge { limit } => {
            let fault = Fault::invalid_request(format!("request body exceeds {limit} bytes"));
            return Reply::Ready(fault_response(Format::Soap12, &fault, "(too large)"));
        }
    };
    let limits = Limits {
        max_bytes: app.config.max_body_bytes,
        ..Limits::default()
    };
    let req = match inboxd_soap::parse_request(&bytes, &limits) {
        Ok(req) => req,
        Err(fault) => {
            return Reply::Ready(fault_response(guess_format(&bytes), &fault, "(unparsed)"));
        }
    };
    drop(bytes);
    let format = req.response_format();
    let name = req.body.name.clone();
    let now = app.clock.now();
    let auth = authenticate(app, &req, &head.cookies, listener, now);
    let account = match &auth {
        Ok(Some(info)) => Some(info.account.clone()),
        _ => None,
    };
    let SoapRequest { context, body, .. } = req;
    let cx = Cx {
        app: app.clone(),
        auth,
        listener,
        context,
        format,
        now,
    };
    let handler = handlers::handle(cx, body);
    let app = app.clone();
    Reply::Later(Box::pin(async move {
        let result = handler.await;
        metrics_setup::observe_request(&name, result.is_ok(), started.elapsed());
        match result {
            Ok(body) => ok_response(format, response_context(&app, account.as_ref()), &body),
            Err(fault) => fault_response(format, &fault, &name),
        }
    }))
}

/// The token from the SOAP context, else from the listener's cookie.
fn presented_token(req: &SoapRequest, cookies: &[String], listener: Listener) -> Option<String> {
    if let Some(token) = req.auth_token().filter(|t| !t.trim().is_empty()) {
        return Some(token);
    }
    let wanted = match listener {
        Listener::User => ["ZM_AUTH_TOKEN", "ZM_ADMIN_AUTH_TOKEN"],
        Listener::Admin => ["ZM_ADMIN_AUTH_TOKEN", "ZM_AUTH_TOKEN"],
    };
    let pairs: Vec<(&str, &str)> = cookies
        .iter()
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim(), v.trim()))
        .collect();
    wanted.iter().find_map(|name| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.to_string())
    })
}

fn authenticate(
    app: &App,
    req: &SoapRequest,
    cookies: &[String],
    listener: Listener,
    now: inboxd_model::Timestamp,
) -> Result<Option<AuthInfo>, Fault> {
    let Some(token) = presented_token(req, cookies, listener) else {
        return Ok(None);
    };
    let claims = app.key.verify(&token, now).map_err(|e| match e {
        crate::auth::AuthError::Expired => Fault::auth_expired(),
        _ => Fault::auth_required(),
    })?;
    let account = app
        .store
        .account(&claims.account)
        .map_err(crate::store_fault)?
        .filter(|a| a.status != inboxd_store::AccountStatus::Deleted)
        .ok_or_else(Fault::auth_required)?;
    Ok(Some(AuthInfo {
        account: account.id,
        name: account.name,
        // Admin rights need both a token issued as admin and an account that is still admin.
        admin: claims.admin && account.admin,
        expires: claims.expires,
    }))
}

/// The response header context: the caller's account's current change id, as Zimbra's `<change token>`.
fn response_context(app: &App, account: Option<&inboxd_model::AccountId>) -> Element {
    let mut context = Element::ns("context", inboxd_soap::NS_ZIMBRA);
    if let Some(account) = account
        && let Ok(change) = app.store.change_id(account)
    {
        context.push(Element::new("change").with_attr("token", change.0));
    }
    context
}

fn guess_format(bytes: &[u8]) -> Format {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Format::Json,
        _ => Format::Soap12,
    }
}

fn ok_response(format: Format, context: Element, body: &Element) -> Response {
    let bytes = inboxd_soap::encode_response(format, Some(&context), body);
    Response::new(200, inboxd_soap::content_type(format), bytes)
}

fn fault_response(format: Format, fault: &Fault, request: &str) -> Response {
    tracing::debug!(request, code = %fault.code, reason = %fault.reason, "soap fault");
    let bytes = inboxd_soap::encode_fault(format, fault);
    Response::new(500, inboxd_soap::content_type(format), bytes)
}
