//! Reading one request off the socket: the head into a small buffer that grows up to [`MAX_HEAD`], then
//! the body by `Content-Length` or chunked, answering `Expect: 100-continue`. The read buffer lives only
//! for this; what follows the request (pipelining) is handed back, copied to an exact-size buffer.

use bytes::Bytes;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::chunked::{ChunkError, Decoder};
use super::head::{self, BodyLen, Head, HeadError};
use super::{Body, MAX_HEAD, Settings};

/// First read buffer: most SOAP requests (head and body) fit.
const INITIAL: usize = 2048;
/// Read size for chunked bodies.
const CHUNK_READ: usize = 16 * 1024;

/// Why no request came out of the socket.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ReadError {
    /// The peer closed or failed, or stalled past the timeout: close without an answer.
    Gone,
    /// Head over [`MAX_HEAD`] or too many headers: 431.
    HeadTooLarge,
    /// Unparseable head or body framing: 400.
    Malformed,
}

/// One request read off the wire.
pub(crate) struct Request {
    pub head: Head,
    pub body: Body,
    /// Bytes after this request (the start of the next one), exactly sized; empty when none.
    pub leftover: Vec<u8>,
}

/// Reads the next request, starting with `pending` bytes already received. The head must be complete
/// within the settings' head timeout; each body read may stall that long.
pub(crate) async fn request(
    stream: &mut TcpStream,
    pending: Vec<u8>,
    settings: &Settings,
) -> Result<Request, ReadError> {
    let stall = settings.head_timeout();
    let (head, head_len, buf) = tokio::time::timeout(stall, read_head(stream, pending))
        .await
        .map_err(|_| ReadError::Gone)??;
    let rest = buf.get(head_len..).unwrap_or_default();
    let max = settings.max_body;
    let (body, leftover) = match head.body {
        BodyLen::None => (Body::Full(Bytes::new()), rest.to_vec()),
        BodyLen::Length(n) if n > max as u64 => (Body::TooLarge { limit: max }, Vec::new()),
        BodyLen::Length(n) => {
            let n = usize::try_from(n).map_err(|_| ReadError::Malformed)?;
            let (body, leftover) = sized(stream, &head, rest, n, stall).await?;
            (Body::Full(body), leftover)
        }
        BodyLen::Chunked => {
            let input = rest.to_vec();
            drop(buf);
            chunked(stream, &head, input, max, stall).await?
        }
    };
    Ok(Request {
        head,
        body,
        leftover,
    })
}

/// Reads until a complete head is buffered; returns it with its length and the whole buffer.
async fn read_head(
    stream: &mut TcpStream,
    mut buf: Vec<u8>,
) -> Result<(Head, usize, Vec<u8>), ReadError> {
    // Bounded: each pass reads at least one byte, and the buffer is capped near MAX_HEAD.
    loop {
        match head::parse(&buf) {
            Ok(Some((head, len))) => return Ok((head, len, buf)),
            Ok(None) => {}
            Err(HeadError::TooManyHeaders) => return Err(ReadError::HeadTooLarge),
            Err(HeadError::Malformed) => return Err(ReadError::Malformed),
        }
        if buf.len() >= MAX_HEAD {
            return Err(ReadError::HeadTooLarge);
        }
        if buf.capacity() == buf.len() {
            let grow = buf.capacity().max(INITIAL).min(MAX_HEAD - buf.len());
            buf.reserve_exact(grow);
        }
        match stream.read_buf(&mut buf).await {
            Ok(0) | Err(_) => return Err(ReadError::Gone),
            Ok(_) => {}
        }
    }
}

/// A `Content-Length` body of `n` bytes, `have` of them already buffered.
async fn sized(
    stream: &mut TcpStream,
    head: &Head,
    have: &[u8],
    n: usize,
    stall: std::time::Duration,
) -> Result<(Bytes, Vec<u8>), ReadError> {
    if have.len() >= n {
        let (body, next) = have.split_at(n);
        return Ok((Bytes::copy_from_slice(body), next.to_vec()));
    }
    if head.expect_continue && have.is_empty() {
        continue_100(stream).await?;
    }
    // The buffer grows with what arrives (doubling, never past n): a client that announces a large body
    // and sends it slowly holds memory for what it sent, not for what it announced.
    let mut body = Vec::with_capacity(n.min(have.len().max(INITIAL)));
    body.extend_from_slice(have);
    // Bounded: each pass reads at least one byte of the n.
    while body.len() < n {
        let want = n - body.len();
        if body.capacity() == body.len() {
            body.reserve_exact(want.min(body.capacity().max(INITIAL)));
        }
        let room = (body.capacity() - body.len()).min(want) as u64;
        let read = tokio::time::timeout(stall, (&mut *stream).take(room).read_buf(&mut body)).await;
        match read {
            Ok(Ok(0) | Err(_)) | Err(_) => return Err(ReadError::Gone),
            Ok(Ok(_)) => {}
        }
    }
    Ok((Bytes::from(body), Vec::new()))
}

/// A chunked body; `input` holds what was received after the head.
async fn chunked(
    stream: &mut TcpStream,
    head: &Head,
    mut input: Vec<u8>,
    max: usize,
    stall: std::time::Duration,
) -> Result<(Body, Vec<u8>), ReadError> {
    if head.expect_continue && input.is_empty() {
        continue_100(stream).await?;
    }
    let mut decoder = Decoder::new(max);
    let mut out = Vec::new();
    // Bounded: each pass consumes input or reads at least one byte; the decoder caps the body size and
    // its line lengths, so input stays small.
    loop {
        match decoder.feed(&input, &mut out) {
            Ok(used) => {
                input.drain(..used);
            }
            Err(ChunkError::TooLarge) => return Ok((Body::TooLarge { limit: max }, Vec::new())),
            Err(ChunkError::Malformed) => return Err(ReadError::Malformed),
        }
        if decoder.is_done() {
            input.shrink_to_fit();
            return Ok((Body::Full(Bytes::from(out)), input));
        }
        input.reserve(CHUNK_READ);
        match tokio::time::timeout(stall, stream.read_buf(&mut input)).await {
            Ok(Ok(0) | Err(_)) | Err(_) => return Err(ReadError::Gone),
            Ok(Ok(_)) => {}
        }
    }
}

async fn continue_100(stream: &mut TcpStream) -> Result<(), ReadError> {
    stream
        .write_all(b"HTTP/1.1 100 Continue\r\n\r\n")
        .await
        .map_err(|_| ReadError::Gone)
}
