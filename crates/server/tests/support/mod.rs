//! Test support for HTTP end-to-end tests: a real server on loopback ports with a temp data dir and a manual
//! clock, and helpers to post SOAP in XML or JSON and read the answer back with the wire crate's own parser.
#![allow(dead_code)] // each test binary uses a different subset

use std::time::Duration;

use inboxd_model::Timestamp;
use inboxd_server::{Clock, RunningServer, ServerConfig, auth::hash_password};
use inboxd_soap::{Element, Format, Limits, NS_ACCOUNT, NS_ADMIN, parse_request};
use inboxd_store::NewAccount;

pub const ADMIN: &str = "admin@example.test";
pub const ADMIN_PW: &str = "admin pw";

pub struct TestServer {
    pub server: RunningServer,
    pub clock: Clock,
    pub http: reqwest::Client,
    _dir: tempfile::TempDir,
}

/// A parsed SOAP answer: HTTP status, body element (the response or the Fault), header context.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Element,
    pub context: Option<Element>,
    pub raw: String,
}

impl Answer {
    pub fn is_fault(&self) -> bool {
        self.status == 500 && self.body.name == "Fault"
    }

    /// The Zimbra fault code (`Detail/Error/Code`), if this is a fault.
    pub fn fault_code(&self) -> Option<String> {
        let detail = self
            .body
            .child("Detail")
            .or_else(|| self.body.child("detail"))?;
        let error = detail.child("Error")?;
        error.scalar("Code")
    }

    pub fn attr(&self, name: &str) -> Option<String> {
        self.body.scalar(name)
    }
}

impl TestServer {
    pub async fn start() -> TestServer {
        Self::start_with(|_| {}).await
    }

    pub async fn start_with(tweak: impl FnOnce(&mut ServerConfig)) -> TestServer {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir, tweak).await
    }

    /// Starts on an existing data dir (restart tests).
    pub async fn start_in(
        dir: tempfile::TempDir,
        tweak: impl FnOnce(&mut ServerConfig),
    ) -> TestServer {
        let clock = Clock::manual(Timestamp(1_800_000_000_000));
        let mut config = ServerConfig::new(dir.path());
        config.listen = "127.0.0.1:0".parse().unwrap();
        config.admin_listen = "127.0.0.1:0".parse().unwrap();
        config.clock = clock.clone();
        config.sync = None;
        tweak(&mut config);
        let server = inboxd_server::start(config).await.unwrap();
        let store = &server.app.store;
        if store.account_by_name(ADMIN).unwrap().is_none() {
            let new = NewAccount {
                name: ADMIN.into(),
                password_hash: hash_password(ADMIN_PW).unwrap(),
                admin: true,
                imap: None,
            };
            store.create_account(new, clock.now()).unwrap();
        }
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        TestServer {
            server,
            clock,
            http,
            _dir: dir,
        }
    }

    /// Stops the server and hands back its data dir for a restart.
    pub async fn stop(self) -> tempfile::TempDir {
        self.server.shutdown().await;
        self._dir
    }

    pub fn user_url(&self) -> String {
        format!("http://{}/service/soap", self.server.user_addr)
    }

    pub fn admin_url(&self) -> String {
        format!("http://{}/service/admin/soap", self.server.admin_addr)
    }

    /// Posts raw bytes and parses whatever comes back.
    pub async fn post_raw(&self, url: &str, body: impl Into<reqwest::Body>) -> Answer {
        let resp = self.http.post(url).body(body).send().await.unwrap();
        let status = resp.status().as_u16();
        let bytes = resp.bytes().await.unwrap();
        let raw = String::from_utf8_lossy(&bytes).into_owned();
        let parsed = parse_request(&bytes, &Limits::default())
            .unwrap_or_else(|f| panic!("unparseable answer ({f}): {raw}"));
        Answer {
            status,
            body: parsed.body,
            context: parsed.context,
            raw,
        }
    }

    /// Sends `body` (a request element with its namespace) in `format` with an optional token.
    pub async fn send(
        &self,
        url: &str,
        format: Format,
        token: Option<&str>,
        body: Element,
    ) -> Answer {
        let mut context = Element::ns("context", inboxd_soap::NS_ZIMBRA);
        if let Some(t) = token {
            context.push(Element::text_child("authToken", t));
        }
        let bytes = encode_request(format, &context, &body);
        self.post_raw(url, bytes).await
    }

    pub async fn user(&self, token: &str, body: Element) -> Answer {
        self.send(&self.user_url(), Format::Soap12, Some(token), body)
            .await
    }

    pub async fn admin(&self, token: &str, body: Element) -> Answer {
        self.send(&self.admin_url(), Format::Soap12, Some(token), body)
            .await
    }

    pub async fn admin_token(&self) -> String {
        let req = Element::ns("AuthRequest", NS_ADMIN)
            .with_child(Element::text_child("name", ADMIN))
            .with_child(Element::text_child("password", ADMIN_PW));
        let a = self
            .send(&self.admin_url(), Format::Soap12, None, req)
            .await;
        assert_eq!(a.status, 200, "{}", a.raw);
        a.body.scalar("authToken").unwrap()
    }

    pub async fn user_token(&self, name: &str, password: &str) -> Answer {
        let req = Element::ns("AuthRequest", NS_ACCOUNT)
            .with_child(Element::text_child("account", name).with_attr("by", "name"))
            .with_child(Element::text_child("password", password));
        self.send(&self.user_url(), Format::Soap12, None, req).await
    }

    /// Creates an account through the admin API; returns its id.
    pub async fn create_account(&self, admin_token: &str, name: &str, password: &str) -> String {
        let req = Element::ns("CreateAccountRequest", NS_ADMIN)
            .with_attr("name", name)
            .with_attr("password", password);
        let a = self.admin(admin_token, req).await;
        assert_eq!(a.status, 200, "{}", a.raw);
        a.body.child("account").unwrap().scalar("id").unwrap()
    }

    /// Provisions `alice@example.test` (password `pw`) over admin SOAP with a plaintext IMAP source at
    /// 127.0.0.1:`port`; returns the account id and a user token. The server's worker starts mirroring at once.
    pub async fn provision_imap_account(
        &self,
        port: u16,
        imap_user: &str,
        imap_password: &str,
    ) -> (String, String) {
        let admin = self.admin_token().await;
        let a = |n: &str, v: &str| Element::text_child("a", v).with_attr("n", n);
        let create = Element::ns("CreateAccountRequest", NS_ADMIN)
            .with_attr("name", "alice@example.test")
            .with_attr("password", "pw")
            .with_child(a("imapHost", "127.0.0.1"))
            .with_child(a("imapPort", &port.to_string()))
            .with_child(a("imapSecurity", "none"))
            .with_child(a("imapUser", imap_user))
            .with_child(a("imapPassword", imap_password));
        let created = self.admin(&admin, create).await;
        assert_eq!(created.status, 200, "{}", created.raw);
        let id = created.body.child("account").unwrap().scalar("id").unwrap();
        let auth = self.user_token("alice@example.test", "pw").await;
        (id, auth.body.scalar("authToken").unwrap())
    }

    /// A new account and a user token for it.
    pub async fn new_user(&self, admin_token: &str, name: &str) -> (String, String) {
        let id = self.create_account(admin_token, name, "pw").await;
        let a = self.user_token(name, "pw").await;
        assert_eq!(a.status, 200, "{}", a.raw);
        (id, a.body.scalar("authToken").unwrap())
    }
}

/// Encodes a request envelope the way clients do; the wire crate's response encoder has the same envelope
/// shape (Header/context + Body), so it serves for requests too.
pub fn encode_request(format: Format, context: &Element, body: &Element) -> Vec<u8> {
    inboxd_soap::encode_response(format, Some(context), body)
}
