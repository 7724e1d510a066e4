//! The HTTP/1.1 wire as raw bytes on loopback: keep-alive, pipelining, chunked bodies, `Expect:
//! 100-continue`, closing rules, limits (431, oversize body fault, 400), routing (404, 405), a parked long
//! poll abandoned when its client hangs up, the slow-head and idle timeouts, and shutdown. Every read is
//! bounded; no test asserts elapsed time.

mod support;

use std::net::SocketAddr;
use std::time::Duration;

use inboxd_soap::{Element, Format, NS_ACCOUNT, NS_MAIL};
use support::{TestServer, encode_request};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Generous bound for any single wait on the server.
const BOUND: Duration = Duration::from_secs(20);

/// A raw HTTP/1.1 client on one connection.
struct Client {
    stream: TcpStream,
    buf: Vec<u8>,
}

/// One response as read off the wire.
#[derive(Debug)]
struct Reply {
    status: u16,
    head: String,
    body: String,
}

impl Client {
    async fn connect(addr: SocketAddr) -> Client {
        Client {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: Vec::new(),
        }
    }

    async fn send(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    /// Reads more bytes; `false` at EOF (or a reset, which also means closed).
    async fn fill(&mut self) -> bool {
        let mut chunk = [0u8; 4096];
        let n = tokio::time::timeout(BOUND, self.stream.read(&mut chunk))
            .await
            .expect("server neither answered nor closed")
            .unwrap_or(0);
        self.buf.extend_from_slice(&chunk[..n]);
        n > 0
    }

    /// Reads one response (status line, headers, `Content-Length` body).
    async fn response(&mut self) -> Reply {
        let end = loop {
            if let Some(i) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            assert!(self.fill().await, "closed before a response head");
        };
        let head = String::from_utf8(self.buf[..end].to_vec()).unwrap();
        let status = head[9..12].parse().unwrap();
        let length: usize = header(&head, "content-length").map_or(0, |v| v.parse().unwrap());
        while self.buf.len() < end + length {
            assert!(self.fill().await, "closed inside a response body");
        }
        let body = String::from_utf8(self.buf[end..end + length].to_vec()).unwrap();
        self.buf.drain(..end + length);
        Reply { status, head, body }
    }

    /// Whether the server closes the connection (bounded) with nothing more to read.
    async fn closed(&mut self) -> bool {
        self.buf.is_empty() && !self.fill().await
    }
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case(name))
        .map(|(_, v)| v.trim())
}

/// A SOAP 1.2 envelope with `token` in its context.
fn envelope(token: &str, body: Element) -> Vec<u8> {
    let context = Element::ns("context", inboxd_soap::NS_ZIMBRA)
        .with_child(Element::text_child("authToken", token));
    encode_request(Format::Soap12, &context, &body)
}

fn get_info(token: &str) -> Vec<u8> {
    envelope(token, Element::ns("GetInfoRequest", NS_ACCOUNT))
}

/// A POST of `body` to the user SOAP path, with extra header lines.
fn post(body: &[u8], extra: &str) -> Vec<u8> {
    let mut req = format!(
        "POST /service/soap HTTP/1.1\r\nHost: t\r\nContent-Length: {}\r\n{extra}\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

/// The same request as HTTP/1.0.
fn as_http10(mut request: Vec<u8>) -> Vec<u8> {
    let at = request.windows(8).position(|w| w == b"HTTP/1.1").unwrap();
    request[at..at + 8].copy_from_slice(b"HTTP/1.0");
    request
}

fn assert_info(reply: &Reply) {
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(reply.body.contains("GetInfoResponse"), "{reply:?}");
    assert_eq!(header(&reply.head, "connection"), None, "{reply:?}");
}

#[tokio::test]
async fn keep_alive_pipelining_chunked_and_continue_on_one_connection() {
    let t = TestServer::start().await;
    let token = t.admin_token().await;
    let body = get_info(&token);
    let mut c = Client::connect(t.server.user_addr).await;
    for _ in 0..3 {
        c.send(&post(&body, "")).await;
        assert_info(&c.response().await);
    }
    // The absolute form of the target reaches the same route.
    let absolute = String::from_utf8(post(&body, "")).unwrap().replacen(
        "/service/soap",
        &format!("http://{}/service/soap", t.server.user_addr),
        1,
    );
    c.send(absolute.as_bytes()).await;
    assert_info(&c.response().await);
    // Two requests in one write: two answers, in order.
    let mut two = post(&body, "");
    two.extend_from_slice(&post(&body, ""));
    c.send(&two).await;
    assert_info(&c.response().await);
    assert_info(&c.response().await);
    // Chunked, with an extension and a trailer, split at odd places.
    let (a, b) = body.split_at(7);
    let mut chunked = b"POST /service/soap HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    chunked.extend_from_slice(format!("{:x};x=y\r\n", a.len()).as_bytes());
    chunked.extend_from_slice(a);
    chunked.extend_from_slice(format!("\r\n{:X}\r\n", b.len()).as_bytes());
    chunked.extend_from_slice(b);
    chunked.extend_from_slice(b"\r\n0\r\nX-Trailer: 1\r\n\r\n");
    let (first, second) = chunked.split_at(chunked.len() / 2);
    c.send(first).await;
    c.send(second).await;
    assert_info(&c.response().await);
    // A body much larger than the first read buffer, sent in pieces.
    let mut padded = body.clone();
    padded.extend(std::iter::repeat_n(b' ', 40_000));
    let request = post(&padded, "");
    for piece in request.chunks(9_000) {
        c.send(piece).await;
        tokio::task::yield_now().await;
    }
    assert_info(&c.response().await);
    // Expect: 100-continue gets the interim answer before the body is sent.
    let head = format!(
        "POST /service/soap HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    c.send(head.as_bytes()).await;
    let interim = c.response().await;
    assert_eq!(interim.status, 100, "{interim:?}");
    c.send(&body).await;
    assert_info(&c.response().await);
}

#[tokio::test]
async fn http10_and_connection_close_close_after_the_answer() {
    let t = TestServer::start().await;
    let token = t.admin_token().await;
    let body = get_info(&token);
    let http10 = as_http10(post(&body, ""));
    assert!(http10.starts_with(b"POST /service/soap HTTP/1.0\r\n"));
    let close = post(&body, "Connection: close\r\n");
    for request in [http10, close] {
        let mut c = Client::connect(t.server.user_addr).await;
        c.send(&request).await;
        let reply = c.response().await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(header(&reply.head, "connection"), Some("close"));
        assert!(c.closed().await);
    }
    // HTTP/1.0 that asks for keep-alive keeps the connection, and the answer confirms it.
    let mut c = Client::connect(t.server.user_addr).await;
    for _ in 0..2 {
        c.send(&as_http10(post(&body, "Connection: keep-alive\r\n")))
            .await;
        let reply = c.response().await;
        assert_eq!(reply.status, 200, "{reply:?}");
        assert_eq!(header(&reply.head, "connection"), Some("keep-alive"));
    }
}

#[tokio::test]
async fn limits_answer_and_close() {
    let t = TestServer::start_with(|c| c.max_body_bytes = 1000).await;
    let cases: Vec<(Vec<u8>, u16)> = vec![
        (
            format!(
                "POST /service/soap HTTP/1.1\r\nX-Big: {}\r\n",
                "a".repeat(17 * 1024)
            )
            .into_bytes(),
            431,
        ),
        (
            format!("GET / HTTP/1.1\r\n{}\r\n", "X-H: v\r\n".repeat(101)).into_bytes(),
            431,
        ),
        (b"\x16\x03\x01 garbage\r\n\r\n".to_vec(), 400),
        (
            b"POST /service/soap HTTP/1.1\r\nContent-Length: nope\r\n\r\n".to_vec(),
            400,
        ),
        (post(&[b'<'; 5000], ""), 500),
        (
            b"POST /service/soap HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n7d0\r\n".to_vec(),
            500,
        ),
    ];
    for (request, status) in cases {
        let mut c = Client::connect(t.server.user_addr).await;
        c.send(&request).await;
        let reply = c.response().await;
        assert_eq!(reply.status, status, "{reply:?}");
        assert_eq!(header(&reply.head, "connection"), Some("close"));
        if status == 500 {
            assert!(reply.body.contains("service.INVALID_REQUEST"), "{reply:?}");
            assert!(reply.body.contains("exceeds 1000 bytes"), "{reply:?}");
        }
        assert!(c.closed().await, "{status}");
    }
}

#[tokio::test]
async fn routing_answers_404_and_405_and_keeps_the_connection() {
    let t = TestServer::start().await;
    let mut c = Client::connect(t.server.user_addr).await;
    c.send(b"POST /nowhere HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc")
        .await;
    assert_eq!(c.response().await.status, 404);
    c.send(b"POST /service/soapy HTTP/1.1\r\n\r\n").await;
    assert_eq!(c.response().await.status, 404);
    c.send(b"GET /service/soap/GetInfoRequest HTTP/1.1\r\n\r\n")
        .await;
    let reply = c.response().await;
    assert_eq!(reply.status, 405);
    assert_eq!(header(&reply.head, "allow"), Some("POST"));
    // /metrics lives on the admin listener only, and only for GET.
    c.send(b"GET /metrics HTTP/1.1\r\n\r\n").await;
    assert_eq!(c.response().await.status, 404);
    let mut admin = Client::connect(t.server.admin_addr).await;
    admin.send(b"GET /metrics HTTP/1.1\r\n\r\n").await;
    let reply = admin.response().await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(
        header(&reply.head, "content-type")
            .unwrap()
            .starts_with("text/plain")
    );
    admin.send(b"POST /metrics HTTP/1.1\r\n\r\n").await;
    assert_eq!(admin.response().await.status, 405);
}

/// Waits (bounded) until the server holds `n` parked requests.
async fn until_parked(t: &TestServer, n: usize) {
    for _ in 0..2000 {
        if t.server.app.waitsets.stats().parked == n {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("never reached {n} parked requests");
}

/// A parked blocking WaitSetRequest on a new raw connection.
async fn park_one(t: &TestServer, token: &str, account: &str) -> Client {
    let create = Element::ns("CreateWaitSetRequest", NS_MAIL)
        .with_attr("defTypes", "c")
        .with_child(Element::new("add").with_child(Element::new("a").with_attr("id", account)));
    let created = t.user(token, create).await;
    assert_eq!(created.status, 200, "{}", created.raw);
    let ws = created.attr("waitSet").unwrap();
    let wait = Element::ns("WaitSetRequest", NS_MAIL)
        .with_attr("waitSet", ws.as_str())
        .with_attr("seq", "0")
        .with_attr("block", "1");
    let mut c = Client::connect(t.server.user_addr).await;
    c.send(&post(&envelope(token, wait), "")).await;
    c
}

#[tokio::test]
async fn a_parked_wait_is_abandoned_when_its_client_hangs_up() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, token) = t.new_user(&admin, "hangup@example.test").await;
    let kept = park_one(&t, &token, &id).await;
    let gone = park_one(&t, &token, &id).await;
    until_parked(&t, 2).await;
    drop(gone);
    // The hang-up drops the handler future, whose guard abandons its ticket; the other stays parked.
    until_parked(&t, 1).await;
    drop(kept);
    until_parked(&t, 0).await;
}

#[tokio::test]
async fn a_stalled_head_and_an_idle_connection_are_closed() {
    let t = TestServer::start().await;
    t.server
        .set_http_timeouts(Duration::from_millis(200), Duration::from_millis(300));
    let mut stalled = Client::connect(t.server.user_addr).await;
    stalled
        .send(b"POST /service/soap HTTP/1.1\r\nHost: t\r\n")
        .await;
    assert!(stalled.closed().await);
    let mut idle = Client::connect(t.server.user_addr).await;
    assert!(idle.closed().await);
}

#[tokio::test]
async fn shutdown_closes_idle_connections_and_answers_parked_ones() {
    let t = TestServer::start().await;
    let admin = t.admin_token().await;
    let (id, token) = t.new_user(&admin, "stop@example.test").await;
    let mut idle = Client::connect(t.server.user_addr).await;
    idle.send(&post(&get_info(&token), "")).await;
    assert_info(&idle.response().await);
    let mut parked = park_one(&t, &token, &id).await;
    until_parked(&t, 1).await;
    let stopping = tokio::spawn(t.stop());
    assert!(idle.closed().await);
    let reply = parked.response().await;
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(header(&reply.head, "connection"), Some("close"));
    assert!(parked.closed().await);
    tokio::time::timeout(BOUND, stopping)
        .await
        .expect("shutdown is bounded")
        .unwrap();
}
