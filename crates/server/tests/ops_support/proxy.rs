//! A recording IMAP proxy that can advertise extra capabilities (the
//! Dovecot harness advertises only IMAP4rev1 but implements UIDPLUS and MOVE), stall a connection right after
//! forwarding a COPY/MOVE's tagged OK (to interrupt a move between COPY and EXPUNGE), and cut every
//! connection. Line-based: the engine sends no literals for the commands under test.
#![allow(dead_code, clippy::disallowed_methods)]

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Default)]
struct Shared {
    /// Client command lines without their tags, in order.
    commands: Mutex<Vec<String>>,
    stall_after_copy: AtomicBool,
    stalled: AtomicBool,
    conns: Mutex<Vec<JoinHandle<()>>>,
}

/// The running proxy.
pub struct OpsProxy {
    pub port: u16,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl OpsProxy {
    /// Listens on 127.0.0.1 and forwards to `upstream_port`, adding `extra_caps` to every CAPABILITY list.
    pub async fn start(upstream_port: u16, extra_caps: &[&str]) -> OpsProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let shared = Arc::new(Shared::default());
        let extra = extra_caps.join(" ");
        let s = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (s2, extra) = (s.clone(), extra.clone());
                let h = tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)).await {
                        relay(client, server, s2, extra).await;
                    }
                });
                s.conns.lock().unwrap().push(h);
            }
        });
        OpsProxy { port, shared, task }
    }

    /// Every command line seen so far (tags stripped).
    pub fn commands(&self) -> Vec<String> {
        self.shared.commands.lock().unwrap().clone()
    }

    /// Commands whose name (after an optional `UID`) is `name`, e.g. `"UID COPY"` or `"EXPUNGE"`.
    pub fn count(&self, prefix: &str) -> usize {
        self.commands()
            .iter()
            .filter(|c| c.to_ascii_uppercase().starts_with(prefix))
            .count()
    }

    /// From now on, freeze a connection once a COPY/MOVE's tagged OK went to the client.
    pub fn stall_after_copy(&self) {
        self.shared.stall_after_copy.store(true, Ordering::SeqCst);
    }

    pub fn stalled(&self) -> bool {
        self.shared.stalled.load(Ordering::SeqCst)
    }

    /// Drops every connection (a stall stays in force for new ones until [`OpsProxy::unstall`]).
    pub fn cut(&self) {
        for h in self.shared.conns.lock().unwrap().drain(..) {
            h.abort();
        }
    }

    /// Forwards normally again.
    pub fn unstall(&self) {
        self.shared.stall_after_copy.store(false, Ordering::SeqCst);
        self.shared.stalled.store(false, Ordering::SeqCst);
    }
}

impl Drop for OpsProxy {
    fn drop(&mut self) {
        self.task.abort();
        self.cut();
    }
}

async fn relay(client: TcpStream, server: TcpStream, shared: Arc<Shared>, extra: String) {
    let (cr, mut cw) = client.into_split();
    let (sr, mut sw) = server.into_split();
    let copy_tag: Arc<Mutex<Option<String>>> = Arc::default();
    let (s, tag) = (shared.clone(), copy_tag.clone());
    let up = tokio::spawn(async move {
        let mut lines = BufReader::new(cr);
        let mut line = String::new();
        while lines.read_line(&mut line).await.unwrap_or(0) > 0 {
            if s.stalled.load(Ordering::SeqCst) {
                line.clear();
                continue;
            }
            let (t, rest) = line.trim_end().split_once(' ').unwrap_or(("", ""));
            let upper = rest.to_ascii_uppercase();
            if upper.starts_with("UID COPY") || upper.starts_with("UID MOVE") {
                *tag.lock().unwrap() = Some(t.to_string());
            }
            s.commands.lock().unwrap().push(rest.to_string());
            if sw.write_all(line.as_bytes()).await.is_err() {
                return;
            }
            line.clear();
        }
    });
    let mut lines = BufReader::new(sr);
    let mut buf = Vec::new();
    while lines.read_until(b'\n', &mut buf).await.unwrap_or(0) > 0 {
        let text = String::from_utf8_lossy(&buf).to_string();
        let out = if !extra.is_empty() && text.contains("CAPABILITY IMAP4rev1") {
            text.replace(
                "CAPABILITY IMAP4rev1",
                &format!("CAPABILITY IMAP4rev1 {extra}"),
            )
            .into_bytes()
        } else {
            buf.clone()
        };
        if shared.stalled.load(Ordering::SeqCst) {
            buf.clear();
            continue;
        }
        if cw.write_all(&out).await.is_err() {
            break;
        }
        let copy_done = copy_tag
            .lock()
            .unwrap()
            .as_ref()
            .is_some_and(|t| text.starts_with(&format!("{t} OK")));
        if copy_done && shared.stall_after_copy.load(Ordering::SeqCst) {
            shared.stalled.store(true, Ordering::SeqCst);
        }
        buf.clear();
    }
    up.abort();
}
