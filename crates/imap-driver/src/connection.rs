//! One IMAP connection: connect (TCP, TLS or STARTTLS), frame responses with the wire parser, send command
//! segments (waiting for `+` between literals), tag commands, and time out every wait on the server.
//!
//! What does not belong here: what to send (the sync engine decides) and reconnect policy (`backoff.rs`,
//! the worker).

use std::time::Duration;

use inboxd_imap_sync::wire::{
    self, Code, Command, MAX_LITERAL, ParseError, Response, Status, Untagged,
};
use inboxd_store::{ImapSecurity, ImapSource};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;

use crate::DriverError;

use crate::stream::Stream;
use crate::tls::{ConnectOptions, handshake};
/// The completion of one command and the untagged responses that arrived while it ran (the engine's type,
/// with its `fetches()`, `search()` and `select_info()` views).
pub use inboxd_imap_sync::Reply;

/// A connected (and after [`Connection::login`], authenticated) IMAP session.
pub struct Connection {
    stream: Stream,
    buf: Vec<u8>,
    /// Start of unparsed bytes in `buf` (compacted lazily so big FETCH streams do not memmove per response).
    start: usize,
    tags: u32,
    timeout: Duration,
    capabilities: Vec<String>,
    /// Text of a BYE seen before EOF, reported with the close.
    bye: Option<String>,
    preauthenticated: bool,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection")
            .field("capabilities", &self.capabilities)
            .finish_non_exhaustive()
    }
}

impl Connection {
    /// Connects and reads the greeting; with `StartTls`, upgrades before anything else is sent. Not logged in.
    pub async fn open(source: &ImapSource, opts: &ConnectOptions) -> Result<Self, DriverError> {
        if source.security == ImapSecurity::None && !opts.allow_plaintext {
            return Err(DriverError::Config(
                "plaintext IMAP is not allowed by configuration (use tls or starttls)".into(),
            ));
        }
        let addr = (source.host.as_str(), source.port);
        let tcp = timeout(opts.timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| DriverError::Timeout("connect"))??;
        tcp.set_nodelay(true)?;
        keep_alive(&tcp);
        let stream = if source.security == ImapSecurity::Tls {
            let tls = timeout(opts.timeout, handshake(tcp, &source.host, &opts.trust))
                .await
                .map_err(|_| DriverError::Timeout("TLS handshake"))??;
            Stream::Tls(Box::new(tls))
        } else {
            Stream::Plain(tcp)
        };
        let mut conn = Connection {
            stream,
            buf: Vec::with_capacity(64 * 1024),
            start: 0,
            tags: 0,
            timeout: opts.timeout,
            capabilities: Vec::new(),
            bye: None,
            preauthenticated: false,
        };
        conn.greeting().await?;
        if source.security == ImapSecurity::StartTls {
            conn.start_tls(&source.host, opts).await?;
        }
        Ok(conn)
    }

    /// [`Connection::open`] then [`Connection::login`] with the source's credentials.
    pub async fn connect(source: &ImapSource, opts: &ConnectOptions) -> Result<Self, DriverError> {
        let mut conn = Self::open(source, opts).await?;
        conn.login(&source.user, &source.password).await?;
        Ok(conn)
    }

    /// Capabilities as last advertised (refreshed after STARTTLS and login).
    pub fn capabilities(&self) -> &[String] {
        &self.capabilities
    }

    /// True when the greeting was PREAUTH (no login needed).
    pub fn preauthenticated(&self) -> bool {
        self.preauthenticated
    }

    /// Sends one encoded command segment as is (for callers that tag and sequence commands themselves,
    /// like the worker driving the sync engine).
    pub async fn send_segment(&mut self, bytes: &[u8]) -> Result<(), DriverError> {
        self.write(bytes).await
    }

    /// Case-insensitive capability check, e.g. `has_capability("UIDPLUS")`.
    pub fn has_capability(&self, cap: &str) -> bool {
        self.capabilities
            .iter()
            .any(|c| c.eq_ignore_ascii_case(cap))
    }

    async fn greeting(&mut self) -> Result<(), DriverError> {
        match self.read_response().await? {
            Response::Untagged(Untagged::Ok { code, .. }) => self.after_greeting(code, false).await,
            Response::Untagged(Untagged::PreAuth { code, .. }) => {
                self.after_greeting(code, true).await
            }
            Response::Untagged(Untagged::Bye { text, .. }) => Err(DriverError::Closed(Some(text))),
            other => Err(DriverError::Protocol(format!(
                "unexpected greeting {other:?}"
            ))),
        }
    }

    async fn after_greeting(
        &mut self,
        code: Option<Code>,
        preauth: bool,
    ) -> Result<(), DriverError> {
        self.preauthenticated = preauth;
        match code {
            Some(Code::Capability(caps)) => self.capabilities = caps,
            _ => self.refresh_capabilities().await?,
        }
        Ok(())
    }

    async fn start_tls(&mut self, host: &str, opts: &ConnectOptions) -> Result<(), DriverError> {
        if !self.has_capability("STARTTLS") {
            return Err(DriverError::Tls("server does not offer STARTTLS".into()));
        }
        self.execute_ok(&Command::StartTls).await?;
        // Anything buffered now was sent in clear before the handshake: a known injection vector.
        if self.start < self.buf.len() {
            return Err(DriverError::Protocol("data after STARTTLS reply".into()));
        }
        let Stream::Plain(tcp) = std::mem::replace(&mut self.stream, Stream::Upgrading) else {
            return Err(DriverError::Tls("STARTTLS on an encrypted stream".into()));
        };
        let tls = timeout(opts.timeout, handshake(tcp, host, &opts.trust))
            .await
            .map_err(|_| DriverError::Timeout("TLS handshake"))??;
        self.stream = Stream::Tls(Box::new(tls));
        // Pre-TLS capabilities are untrusted; ask again.
        self.refresh_capabilities().await
    }

    /// Authenticates: LOGIN, or AUTHENTICATE PLAIN when the server sets LOGINDISABLED.
    pub async fn login(&mut self, user: &str, password: &str) -> Result<(), DriverError> {
        let cmd = if self.has_capability("LOGINDISABLED") && self.has_capability("AUTH=PLAIN") {
            Command::AuthenticatePlain {
                user: user.into(),
                password: password.into(),
            }
        } else {
            Command::Login {
                user: user.into(),
                password: password.into(),
            }
        };
        let reply = self.execute(&cmd).await?;
        if reply.status != Status::Ok {
            return Err(DriverError::Auth(reply.text));
        }
        match reply.code {
            Some(Code::Capability(caps)) => self.capabilities = caps,
            _ => self.refresh_capabilities().await?,
        }
        Ok(())
    }

    async fn refresh_capabilities(&mut self) -> Result<(), DriverError> {
        let reply = self.execute_ok(&Command::Capability).await?;
        for u in reply.untagged {
            if let Untagged::Capability(caps) = u {
                self.capabilities = caps;
            }
        }
        Ok(())
    }

    /// Sends LOGOUT and closes, ignoring errors (the session is over either way).
    pub async fn logout(mut self) {
        let _ = self.execute(&Command::Logout).await;
        let _ = self.stream.shutdown().await;
    }

    /// Runs a command like [`Connection::execute`], turning NO/BAD into [`DriverError::Command`].
    pub async fn execute_ok(&mut self, cmd: &Command) -> Result<Reply, DriverError> {
        let reply = self.execute(cmd).await?;
        if reply.status == Status::Ok {
            Ok(reply)
        } else {
            Err(DriverError::Command {
                command: cmd.name(),
                status: reply.status,
                text: reply.text,
            })
        }
    }

    /// Sends `cmd` and collects responses until its tagged completion (which may be NO or BAD).
    pub async fn execute(&mut self, cmd: &Command) -> Result<Reply, DriverError> {
        self.tags = self.tags.wrapping_add(1);
        let tag = format!("i{}", self.tags);
        let segments = wire::encode(&tag, cmd);
        let mut untagged = Vec::new();
        for (i, seg) in segments.iter().enumerate() {
            if i > 0 {
                // The server must accept the literal (or SASL step) first; it may also refuse the command.
                if let Some(done) = self.wait_continue(&tag, &mut untagged).await? {
                    return Ok(done);
                }
            }
            self.write(seg).await?;
        }
        tracing::trace!(command = cmd.name(), %tag, "sent");
        loop {
            match self.read_response().await? {
                Response::Untagged(u) => untagged.push(u),
                Response::Tagged {
                    tag: t,
                    status,
                    code,
                    text,
                } if t == tag => {
                    return Ok(Reply {
                        status,
                        code,
                        text,
                        untagged,
                    });
                }
                other => tracing::debug!(?other, "ignoring stray response"),
            }
        }
    }

    /// Reads until `+` (returns None) or our tagged completion (returns it).
    async fn wait_continue(
        &mut self,
        tag: &str,
        untagged: &mut Vec<Untagged>,
    ) -> Result<Option<Reply>, DriverError> {
        loop {
            match self.read_response().await? {
                Response::Continue(_) => return Ok(None),
                Response::Untagged(u) => untagged.push(u),
                Response::Tagged {
                    tag: t,
                    status,
                    code,
                    text,
                } if t == tag => {
                    return Ok(Some(Reply {
                        status,
                        code,
                        text,
                        untagged: std::mem::take(untagged),
                    }));
                }
                other => tracing::debug!(?other, "ignoring stray response"),
            }
        }
    }

    async fn write(&mut self, bytes: &[u8]) -> Result<(), DriverError> {
        timeout(self.timeout, async {
            self.stream.write_all(bytes).await?;
            self.stream.flush().await
        })
        .await
        .map_err(|_| DriverError::Timeout("write"))??;
        Ok(())
    }

    /// Reads the next response, skipping (and logging) malformed ones; times out when the server sends
    /// nothing for the connection's timeout.
    pub async fn read_response(&mut self) -> Result<Response, DriverError> {
        self.next_response(true).await
    }

    /// Reads the next response. `awaiting_reply`: the server owes an answer to a command, so silence longer
    /// than the connection's timeout is an error; otherwise (between commands, in IDLE) the server may
    /// rightly say nothing for as long as it likes, and the wait is unbounded.
    pub async fn next_response(&mut self, awaiting_reply: bool) -> Result<Response, DriverError> {
        loop {
            let pending = self.buf.get(self.start..).unwrap_or_default();
            match wire::parse_response(pending) {
                Ok((resp, used)) => {
                    self.consume(used);
                    if let Response::Untagged(Untagged::Bye { text, .. }) = &resp {
                        self.bye = Some(text.clone());
                    }
                    return Ok(resp);
                }
                Err(ParseError::Invalid { line, reason }) => {
                    tracing::warn!(%line, %reason, "skipping malformed IMAP response");
                    let skip = wire::skip_line(pending).unwrap_or(pending.len());
                    self.consume(skip);
                }
                Err(ParseError::Incomplete) => self.fill(awaiting_reply).await?,
            }
        }
    }

    fn consume(&mut self, n: usize) {
        self.start = (self.start + n).min(self.buf.len());
        if self.start == self.buf.len() {
            self.buf.clear();
            self.start = 0;
        }
    }

    async fn fill(&mut self, awaiting_reply: bool) -> Result<(), DriverError> {
        if self.start > 0 && self.start * 2 >= self.buf.len() {
            self.buf.drain(..self.start);
            self.start = 0;
        }
        let cap = usize::try_from(MAX_LITERAL)
            .unwrap_or(usize::MAX)
            .saturating_add(1 << 20);
        if self.buf.len() - self.start > cap {
            return Err(DriverError::Protocol("response too large".into()));
        }
        self.buf.reserve(64 * 1024);
        let read = self.stream.read_buf(&mut self.buf);
        let n = if awaiting_reply {
            timeout(self.timeout, read)
                .await
                .map_err(|_| DriverError::Timeout("read"))??
        } else {
            read.await?
        };
        if n == 0 {
            return Err(DriverError::Closed(self.bye.take()));
        }
        Ok(())
    }
}

/// TCP keepalive after 60 s of silence, then every 15 s, 4 probes. A quiet connection waits without a
/// deadline (in IDLE, between polls: see [`Connection::next_response`]), so this is what finds a peer that
/// vanished (a NAT or firewall that forgot the flow, a host gone) in about two minutes rather than at the
/// next command. Best effort: a socket that refuses it still works.
pub(crate) fn keep_alive(tcp: &TcpStream) {
    let probes = socket2::TcpKeepalive::new()
        .with_time(Duration::from_secs(60))
        .with_interval(Duration::from_secs(15))
        .with_retries(4);
    if let Err(e) = socket2::SockRef::from(tcp).set_tcp_keepalive(&probes) {
        tracing::debug!(%e, "cannot set TCP keepalive");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn connections_probe_a_quiet_peer() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let tcp = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let sock = socket2::SockRef::from(&tcp);
        assert!(!sock.keepalive().unwrap());
        keep_alive(&tcp);
        assert!(sock.keepalive().unwrap());
        assert_eq!(sock.tcp_keepalive_time().unwrap(), Duration::from_secs(60));
        assert_eq!(
            sock.tcp_keepalive_interval().unwrap(),
            Duration::from_secs(15)
        );
        assert_eq!(sock.tcp_keepalive_retries().unwrap(), 4);
    }
}
