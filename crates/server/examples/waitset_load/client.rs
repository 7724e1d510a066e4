//! A minimal keep-alive HTTP/1.1 client posting Zimbra JSON SOAP over one loopback `TcpStream`.
//! Only what the load generator needs: `Content-Length` responses (inboxd never chunks SOAP answers).

use std::time::Duration;

use anyhow::{Context, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

pub const ADMIN_NS: &str = "urn:zimbraAdmin";
pub const MAIL_NS: &str = "urn:zimbraMail";
pub const ACCOUNT_NS: &str = "urn:zimbraAccount";

/// Longest a single response may take (parked waiters are answered well before this).
const IO_LIMIT: Duration = Duration::from_secs(3600);
/// Largest response accepted (a WaitSet answer over many accounts stays far below).
const MAX_RESPONSE: usize = 64 << 20;

/// One connection to `path` on `127.0.0.1:port`.
pub struct Conn {
    stream: TcpStream,
    path: &'static str,
    buf: Vec<u8>,
}

impl Conn {
    pub async fn open(port: u16, path: &'static str) -> anyhow::Result<Self> {
        let stream = tokio::time::timeout(
            Duration::from_secs(30),
            TcpStream::connect(("127.0.0.1", port)),
        )
        .await
        .context("connect timed out")??;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            path,
            buf: Vec::new(),
        })
    }

    /// Sends `{name: attrs}` in namespace `ns` and waits for the answer body (the one element inside `Body`).
    pub async fn call(
        &mut self,
        name: &str,
        ns: &str,
        mut attrs: Value,
        token: Option<&str>,
    ) -> anyhow::Result<Value> {
        self.send(name, ns, &mut attrs, token).await?;
        self.receive().await
    }

    /// Writes one request without waiting for the answer.
    pub async fn send(
        &mut self,
        name: &str,
        ns: &str,
        attrs: &mut Value,
        token: Option<&str>,
    ) -> anyhow::Result<()> {
        let mut context = json!({"_jsns": "urn:zimbra"});
        if let Some(t) = token {
            context["authToken"] = json!({"_content": t});
        }
        attrs["_jsns"] = json!(ns);
        let payload =
            serde_json::to_vec(&json!({"Header": {"context": context}, "Body": {name: attrs}}))?;
        let head = format!(
            "POST {} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.path,
            payload.len()
        );
        let mut msg = head.into_bytes();
        msg.extend_from_slice(&payload);
        self.stream.write_all(&msg).await?;
        Ok(())
    }

    /// Reads one response and returns the element inside `Body`; a SOAP Fault is an error.
    pub async fn receive(&mut self) -> anyhow::Result<Value> {
        let body = tokio::time::timeout(IO_LIMIT, self.read_response())
            .await
            .context("response timed out")??;
        let doc: Value = serde_json::from_slice(&body)?;
        let body = doc.get("Body").unwrap_or(&doc);
        if let Some(fault) = body.get("Fault") {
            bail!("SOAP fault: {fault}");
        }
        body.as_object()
            .and_then(|o| o.values().next().cloned())
            .context("empty SOAP body")
    }

    async fn read_response(&mut self) -> anyhow::Result<Vec<u8>> {
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i + 4;
            }
            self.fill().await?;
        };
        let head = std::str::from_utf8(&self.buf[..head_end])?;
        let length = head
            .lines()
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.trim().parse::<usize>())
            .transpose()?
            .context("response without Content-Length")?;
        if length > MAX_RESPONSE {
            bail!("response of {length} bytes");
        }
        while self.buf.len() < head_end + length {
            self.fill().await?;
        }
        let body = self.buf[head_end..head_end + length].to_vec();
        self.buf.drain(..head_end + length);
        Ok(body)
    }

    async fn fill(&mut self) -> anyhow::Result<()> {
        let mut chunk = [0u8; 4096];
        let n = self.stream.read(&mut chunk).await?;
        if n == 0 {
            bail!("connection closed");
        }
        self.buf.extend_from_slice(&chunk[..n]);
        Ok(())
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// `authToken` as either `"t"`, `{"_content": "t"}` or `[{"_content": "t"}]`.
pub fn token_of(resp: &Value) -> anyhow::Result<String> {
    let t = &resp["authToken"];
    let t = t.get(0).unwrap_or(t);
    t.get("_content")
        .unwrap_or(t)
        .as_str()
        .map(str::to_owned)
        .context("no authToken")
}
