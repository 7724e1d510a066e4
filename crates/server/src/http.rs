//! HTTP in, SOAP out: the two listeners, body limits, format detection, token extraction, fault status codes.
//!
//! Every SOAP answer is built here: 200 with the response envelope, or 500 with a Fault (as Zimbra does). The
//! format follows the request body (`<` XML, `{` JSON), never the Content-Type, because real clients send odd ones.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use inboxd_soap::{Element, Fault, Format, Limits, SoapRequest};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

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
    let tasks = vec![
        spawn_listener(user_listener, user_router(app.clone()), shutdown.clone()),
        spawn_listener(admin_listener, admin_router(app.clone()), shutdown.clone()),
    ];
    tracing::info!(%user_addr, %admin_addr, data = %app.config.data_dir.display(), "inboxd serving");
    Ok(RunningServer {
        app,
        user_addr,
        admin_addr,
        shutdown,
        tasks,
    })
}

/// Accepts connections until shutdown, then lets each finish its in-flight request and waits for all of them.
///
/// Connections are served with hyper's HTTP/1 builder directly (not `axum::serve`): TCP_NODELAY on every
/// socket (small SOAP answers must not wait for Nagle), writev instead of flattening bodies into the write
/// buffer, and one small per-connection future, because thousands of long polls sit parked at once.
fn spawn_listener(listener: TcpListener, router: Router, shutdown: Shutdown) -> JoinHandle<()> {
    tokio::spawn(async move {
        let (close_tx, close_rx) = tokio::sync::watch::channel(());
        let mut http = hyper::server::conn::http1::Builder::new();
        http.keep_alive(true).writev(true).max_buf_size(MAX_BUF);
        let http = Arc::new(http);
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
            tokio::spawn(serve_connection(
                http.clone(),
                stream,
                router.clone(),
                shutdown.clone(),
                close_rx.clone(),
            ));
        }
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

/// hyper's read buffer limit per connection (its minimum); SOAP bodies are streamed into `to_bytes`.
const MAX_BUF: usize = 8192;

async fn serve_connection(
    http: Arc<hyper::server::conn::http1::Builder>,
    stream: tokio::net::TcpStream,
    router: Router,
    shutdown: Shutdown,
    _close: tokio::sync::watch::Receiver<()>,
) {
    let service = hyper::service::service_fn(move |req: axum::http::Request<_>| {
        tower::ServiceExt::oneshot(router.clone(), req.map(Body::new))
    });
    let conn = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    tokio::select! {
        res = conn.as_mut() => {
            if let Err(e) = res {
                tracing::trace!(error = %e, "connection ended with an error");
            }
            return;
        }
        () = shutdown.wait() => conn.as_mut().graceful_shutdown(),
    }
    if let Err(e) = conn.await {
        tracing::trace!(error = %e, "connection ended with an error");
    }
}

fn user_router(app: Arc<App>) -> Router {
    Router::new()
        .route("/service/soap", post(user_soap))
        .route("/service/soap/", post(user_soap))
        .route("/service/soap/{*request}", post(user_soap))
        .with_state(app)
}

fn admin_router(app: Arc<App>) -> Router {
    Router::new()
        .route("/service/admin/soap", post(admin_soap))
        .route("/service/admin/soap/", post(admin_soap))
        .route("/service/admin/soap/{*request}", post(admin_soap))
        .route("/metrics", get(metrics))
        .with_state(app)
}

async fn user_soap(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    soap(app, Listener::User, headers, body).await
}

async fn admin_soap(State(app): State<Arc<App>>, headers: HeaderMap, body: Body) -> Response {
    soap(app, Listener::Admin, headers, body).await
}

async fn metrics() -> Response {
    let text = metrics_setup::render();
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}

async fn soap(app: Arc<App>, listener: Listener, headers: HeaderMap, body: Body) -> Response {
    let started = crate::clock::monotonic_now();
    let limit = app.config.max_body_bytes;
    let bytes = match axum::body::to_bytes(body, limit).await {
        Ok(bytes) => bytes,
        Err(_) => {
            let fault = Fault::invalid_request(format!("request body exceeds {limit} bytes"));
            return fault_response(Format::Soap12, &fault, "(too large)");
        }
    };
    let limits = Limits {
        max_bytes: limit,
        ..Limits::default()
    };
    let req = match inboxd_soap::parse_request(&bytes, &limits) {
        Ok(req) => req,
        Err(fault) => return fault_response(guess_format(&bytes), &fault, "(unparsed)"),
    };
    // The raw body and headers are not needed past this point; a long poll may park below, so they are
    // dropped now rather than held (with hyper's read buffer they share) for the whole wait.
    drop(bytes);
    let format = req.response_format();
    let name = req.body.name.clone();
    let now = app.clock.now();
    let auth = authenticate(&app, &req, &headers, listener, now);
    drop(headers);
    let SoapRequest { context, body, .. } = req;
    // Only what the response context needs outlives the request; the context element goes with the handler.
    let (answer_app, answer_auth) = (app.clone(), auth.clone());
    let cx = Cx {
        app,
        auth,
        listener,
        context,
        format,
        now,
    };
    let result = handlers::handle(cx, body).await;
    metrics_setup::observe_request(&name, result.is_ok(), started.elapsed());
    match result {
        Ok(body) => ok_response(format, response_context(&answer_app, &answer_auth), &body),
        Err(fault) => fault_response(format, &fault, &name),
    }
}

/// The token from the SOAP context, else from the listener's cookie.
fn presented_token(req: &SoapRequest, headers: &HeaderMap, listener: Listener) -> Option<String> {
    if let Some(token) = req.auth_token().filter(|t| !t.trim().is_empty()) {
        return Some(token);
    }
    let wanted = match listener {
        Listener::User => ["ZM_AUTH_TOKEN", "ZM_ADMIN_AUTH_TOKEN"],
        Listener::Admin => ["ZM_ADMIN_AUTH_TOKEN", "ZM_AUTH_TOKEN"],
    };
    let cookies: Vec<(String, String)> = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.split_once('='))
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
        .collect();
    wanted.iter().find_map(|name| {
        cookies
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    })
}

fn authenticate(
    app: &App,
    req: &SoapRequest,
    headers: &HeaderMap,
    listener: Listener,
    now: inboxd_model::Timestamp,
) -> Result<Option<AuthInfo>, Fault> {
    let Some(token) = presented_token(req, headers, listener) else {
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

/// The response header context: the target account's current change id, as Zimbra's `<change token>`.
fn response_context(app: &App, auth: &Result<Option<AuthInfo>, Fault>) -> Element {
    let mut context = Element::ns("context", inboxd_soap::NS_ZIMBRA);
    if let Ok(Some(info)) = auth
        && let Ok(change) = app.store.change_id(&info.account)
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
    with_headers(StatusCode::OK, format, bytes)
}

fn fault_response(format: Format, fault: &Fault, request: &str) -> Response {
    tracing::debug!(request, code = %fault.code, reason = %fault.reason, "soap fault");
    let bytes = inboxd_soap::encode_fault(format, fault);
    with_headers(StatusCode::INTERNAL_SERVER_ERROR, format, bytes)
}

fn with_headers(status: StatusCode, format: Format, bytes: Vec<u8>) -> Response {
    let mut response = (status, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(inboxd_soap::content_type(format)),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-cache"),
    );
    response
}
