//! Responses: a status, a content type and a complete body, serialized as an HTTP/1.1 head and written
//! with one vectored write (head + body) so no response buffer outlives the write.

use std::io::IoSlice;
use std::time::Duration;

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// What happens to the connection after an answer, as the answer's `Connection` header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Persist {
    /// HTTP/1.1 keep-alive (the default; no header).
    KeepAlive,
    /// HTTP/1.0 keep-alive, which the answer must confirm (`Connection: keep-alive`).
    KeepAlive10,
    /// `Connection: close`, then the connection closes.
    Close,
}

/// A complete response. Bodies are always sized (`Content-Length`); nothing is streamed.
#[derive(Debug)]
pub(crate) struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// `Allow` for 405 answers.
    pub allow: Option<&'static str>,
}

impl Response {
    /// A response with the given status, content type and body.
    pub(crate) fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Self {
        Response {
            status,
            content_type,
            body,
            allow: None,
        }
    }

    /// A short plain-text answer for protocol errors (400, 404, 405, 413, 431).
    pub(crate) fn text(status: u16, text: &str) -> Self {
        Self::new(
            status,
            "text/plain; charset=utf-8",
            text.as_bytes().to_vec(),
        )
    }

    /// The status line and headers, ending with the blank line.
    pub(crate) fn head(&self, persist: Persist) -> Vec<u8> {
        let mut head = format!(
            "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store, no-cache\r\n",
            self.status,
            reason(self.status),
            self.content_type,
            self.body.len()
        );
        if let Some(allow) = self.allow {
            head.push_str("Allow: ");
            head.push_str(allow);
            head.push_str("\r\n");
        }
        match persist {
            Persist::KeepAlive => {}
            Persist::KeepAlive10 => head.push_str("Connection: keep-alive\r\n"),
            Persist::Close => head.push_str("Connection: close\r\n"),
        }
        head.push_str("\r\n");
        head.into_bytes()
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        413 => "Content Too Large",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "",
    }
}

/// Writes `parts` in order, each write call bounded by `stall` (a peer that stops reading is dropped).
pub(crate) async fn write_all(
    stream: &mut TcpStream,
    parts: &[&[u8]],
    stall: Duration,
) -> std::io::Result<()> {
    let mut slices: Vec<IoSlice<'_>> = parts.iter().map(|p| IoSlice::new(p)).collect();
    let mut slices = slices.as_mut_slice();
    // Bounded: every successful write advances by at least one byte; a zero write is an error.
    while slices.iter().any(|s| !s.is_empty()) {
        let n = tokio::time::timeout(stall, stream.write_vectored(slices))
            .await
            .map_err(|_| std::io::Error::from(std::io::ErrorKind::TimedOut))??;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        IoSlice::advance_slices(&mut slices, n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_has_length_cache_control_and_close() {
        let head = Response::text(404, "no").head(Persist::Close);
        let head = String::from_utf8(head).unwrap();
        assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"), "{head}");
        assert!(head.contains("Content-Length: 2\r\n"));
        assert!(head.contains("Cache-Control: no-store, no-cache\r\n"));
        assert!(head.ends_with("Connection: close\r\n\r\n"));
        let keep = String::from_utf8(Response::text(200, "").head(Persist::KeepAlive)).unwrap();
        assert!(!keep.contains("Connection"));
        let keep10 = Response::text(200, "").head(Persist::KeepAlive10);
        assert!(
            String::from_utf8(keep10)
                .unwrap()
                .contains("Connection: keep-alive\r\n")
        );
    }
}
