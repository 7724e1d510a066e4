//! A strict RFC 3501 proxy in front of Dovecot: it rejects (with `BAD`, without forwarding) every command that
//! a plain IMAP4rev1 server would not know (MOVE, UID EXPUNGE, IDLE, ENABLE, ID, CONDSTORE modifiers, …) and
//! strips UIDPLUS response codes (APPENDUID/COPYUID) from tagged replies. Dovecot's `imap_capability` only
//! changes what is advertised; this proves the client never uses more.

use std::sync::{Arc, Mutex};

use inboxd_imap_sync::wire::{Response, parse_response, skip_line};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// IMAP4rev1 command names (after an optional `UID`).
const RFC3501: &[&str] = &[
    "CAPABILITY",
    "NOOP",
    "LOGOUT",
    "STARTTLS",
    "AUTHENTICATE",
    "LOGIN",
    "SELECT",
    "EXAMINE",
    "CREATE",
    "DELETE",
    "RENAME",
    "SUBSCRIBE",
    "UNSUBSCRIBE",
    "LIST",
    "LSUB",
    "STATUS",
    "APPEND",
    "CHECK",
    "CLOSE",
    "EXPUNGE",
    "SEARCH",
    "FETCH",
    "STORE",
    "COPY",
];
const UID_SUBCOMMANDS: &[&str] = &["FETCH", "SEARCH", "STORE", "COPY"];
/// Words that only extensions put into otherwise-legal commands.
const EXTENSION_WORDS: &[&str] = &[
    "CHANGEDSINCE",
    "UNCHANGEDSINCE",
    "MODSEQ",
    "VANISHED",
    "RETURN",
    "BINARY",
];

/// The running proxy; commands it refused are recorded.
pub struct StrictProxy {
    pub port: u16,
    rejected: Arc<Mutex<Vec<String>>>,
    task: tokio::task::JoinHandle<()>,
}

impl StrictProxy {
    /// Listens on 127.0.0.1 (free port) and forwards every client to `upstream_port`.
    pub async fn start(upstream_port: u16) -> StrictProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let rejected = Arc::new(Mutex::new(Vec::new()));
        let r = rejected.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let r = r.clone();
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(("127.0.0.1", upstream_port)).await {
                        relay(client, server, r).await;
                    }
                });
            }
        });
        StrictProxy {
            port,
            rejected,
            task,
        }
    }

    /// Command lines the proxy refused.
    pub fn rejected(&self) -> Vec<String> {
        self.rejected.lock().expect("lock").clone()
    }
}

impl Drop for StrictProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn relay(client: TcpStream, server: TcpStream, rejected: Arc<Mutex<Vec<String>>>) {
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let cw = Arc::new(tokio::sync::Mutex::new(cw));
    let down = tokio::spawn(server_to_client(sr, cw.clone()));
    let _ = client_to_server(cr, sw, cw, rejected).await;
    down.abort();
}

/// Forwards server responses frame by frame, removing UIDPLUS codes from tagged completions.
async fn server_to_client(
    mut sr: OwnedReadHalf,
    cw: Arc<tokio::sync::Mutex<OwnedWriteHalf>>,
) -> std::io::Result<()> {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = sr.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        while let Some(len) = skip_line(&buf) {
            let frame: Vec<u8> = buf.drain(..len).collect();
            let out = match parse_response(&frame) {
                Ok((Response::Tagged { .. }, _)) => strip_uidplus(&frame),
                _ => frame,
            };
            cw.lock().await.write_all(&out).await?;
        }
    }
}

fn strip_uidplus(line: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(line);
    for code in ["[APPENDUID ", "[COPYUID "] {
        if let Some(start) = text.find(code)
            && let Some(end) = text[start..].find(']')
        {
            let mut s = text[..start].to_string();
            s.push_str(text[start + end + 1..].trim_start());
            return s.into_bytes();
        }
    }
    line.to_vec()
}

/// Reads client commands (following literals), forwarding allowed ones and answering others with BAD.
async fn client_to_server(
    mut cr: OwnedReadHalf,
    mut sw: OwnedWriteHalf,
    cw: Arc<tokio::sync::Mutex<OwnedWriteHalf>>,
    rejected: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut buf: Vec<u8> = Vec::new();
    // Bytes still owed to a literal, and whether the next line continues a command (or is a SASL reply).
    let mut literal_left = 0usize;
    let mut continuation = false;
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        if literal_left > 0 && !buf.is_empty() {
            let n = literal_left.min(buf.len());
            let data: Vec<u8> = buf.drain(..n).collect();
            sw.write_all(&data).await?;
            literal_left -= n;
            continue;
        }
        if literal_left == 0
            && let Some(pos) = buf.iter().position(|&b| b == b'\n')
        {
            let line: Vec<u8> = buf.drain(..=pos).collect();
            let text = String::from_utf8_lossy(&line).trim_end().to_string();
            let lit = literal_size(&text);
            if !continuation && let Some(reason) = refuse(&text) {
                rejected.lock().expect("lock").push(text.clone());
                let tag = text.split(' ').next().unwrap_or("*");
                let reply = format!("{tag} BAD {reason}\r\n");
                cw.lock().await.write_all(reply.as_bytes()).await?;
                continue;
            }
            sw.write_all(&line).await?;
            literal_left = lit.unwrap_or(0);
            // After a literal the same command goes on; AUTHENTICATE's next line is SASL data.
            continuation = lit.is_some() || is_authenticate(&text, continuation);
            continue;
        }
        let n = cr.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn is_authenticate(line: &str, continuation: bool) -> bool {
    !continuation
        && line
            .split_ascii_whitespace()
            .nth(1)
            .is_some_and(|w| w.eq_ignore_ascii_case("AUTHENTICATE"))
}

fn literal_size(line: &str) -> Option<usize> {
    let inner = line.strip_suffix('}')?;
    let open = inner.rfind('{')?;
    inner[open + 1..].trim_end_matches('+').parse().ok()
}

/// Why a command line is not plain IMAP4rev1, if it is not.
fn refuse(line: &str) -> Option<String> {
    let words: Vec<String> = line
        .split_ascii_whitespace()
        .map(|w| w.to_ascii_uppercase())
        .collect();
    let name = words.get(1)?;
    let ok = if name == "UID" {
        words
            .get(2)
            .is_some_and(|w| UID_SUBCOMMANDS.contains(&w.as_str()))
    } else {
        RFC3501.contains(&name.as_str())
    };
    if !ok {
        return Some(format!("Strict proxy: {name} is not IMAP4rev1"));
    }
    if line.ends_with("+}") {
        return Some("Strict proxy: non-synchronizing literals are LITERAL+".into());
    }
    let upper = line.to_ascii_uppercase();
    EXTENSION_WORDS
        .iter()
        .find(|w| upper.contains(*w))
        .map(|w| format!("Strict proxy: {w} is an extension"))
}
