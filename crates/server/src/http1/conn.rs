//! The per-connection loop: wait for a request without a buffer, read it, hand it to the [`Service`],
//! watch for a hang-up while the answer is computed, write the answer, repeat or close.
//!
//! Everything held across an await here is part of every connection's task, parked or idle, so the
//! loop keeps only the socket, pipelined bytes and handles; the handler's state is boxed by the service.

use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::read::{self, ReadError};
use super::response::{self, Response};
use super::{Body, Reply, ResponseFuture, Service, Settings, WRITE_STALL};
use crate::shutdown::Shutdown;

/// How long a closing connection keeps reading (and discarding) what the client still sends, so that
/// our close does not reset the connection before the client has read the answer.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_READS: usize = 256;

/// Serves HTTP/1.1 requests on `stream` until the client closes, an error closes the connection, or
/// shutdown arrives between requests (a request in flight is finished first).
pub(crate) async fn serve<S: Service>(
    mut stream: TcpStream,
    service: Arc<S>,
    settings: Arc<Settings>,
    shutdown: Shutdown,
) {
    let mut pending = Vec::new();
    // Bounded by the client: each pass serves one request or returns.
    loop {
        if pending.is_empty() && !next_request(&stream, &settings, &shutdown).await {
            return;
        }
        let request =
            match read::request(&mut stream, std::mem::take(&mut pending), &settings).await {
                Ok(request) => request,
                Err(ReadError::Gone) => return,
                Err(ReadError::HeadTooLarge) => {
                    let answer = Response::text(431, "request head too large");
                    return answer_and_close(stream, answer).await;
                }
                Err(ReadError::Malformed) => {
                    return answer_and_close(stream, Response::text(400, "bad request")).await;
                }
            };
        pending = request.leftover;
        let close = !request.head.keep_alive || matches!(request.body, Body::TooLarge { .. });
        let reply = service.call(&request.head, request.body);
        drop(request.head);
        let answer = match reply {
            Reply::Ready(answer) => answer,
            Reply::Later(future) => {
                match until_answered(&stream, future, !pending.is_empty()).await {
                    Some(answer) => answer,
                    // The client hung up: the handler future is dropped, nothing to answer.
                    None => return,
                }
            }
        };
        if close || shutdown.is_triggered() {
            return answer_and_close(stream, answer).await;
        }
        if write(&mut stream, &answer, false).await.is_err() {
            return;
        }
    }
}

/// Waits, holding no buffer, until the client sends something. `false`: close (the client closed, the
/// connection idled out, or the server is shutting down).
async fn next_request(stream: &TcpStream, settings: &Settings, shutdown: &Shutdown) -> bool {
    let mut probe = [0u8; 1];
    tokio::select! {
        peeked = stream.peek(&mut probe) => matches!(peeked, Ok(n) if n > 0),
        () = tokio::time::sleep(settings.idle_timeout()) => false,
        () = shutdown.clone().wait() => false,
    }
}

/// Runs the handler future; `None` if the client hangs up first (the future is dropped). Once the
/// client sends more (pipelining), hang-ups can no longer be seen without reading, so the handler just
/// runs to completion.
async fn until_answered(
    stream: &TcpStream,
    mut future: ResponseFuture,
    pipelined: bool,
) -> Option<Response> {
    if pipelined {
        return Some(future.await);
    }
    let mut probe = [0u8; 1];
    tokio::select! {
        biased;
        answer = &mut future => Some(answer),
        peeked = stream.peek(&mut probe) => match peeked {
            Ok(n) if n > 0 => Some(future.await),
            _ => None,
        },
    }
}

async fn write(stream: &mut TcpStream, answer: &Response, close: bool) -> std::io::Result<()> {
    let head = answer.head(close);
    response::write_all(stream, &[&head, &answer.body], WRITE_STALL).await
}

/// Writes a final answer with `Connection: close`, then closes gracefully.
async fn answer_and_close(mut stream: TcpStream, answer: Response) {
    if write(&mut stream, &answer, true).await.is_ok() {
        drop(answer);
        linger(stream).await;
    }
}

/// Half-closes, then discards what the client still sends for a short while (bounded in time and
/// reads), so unread request bytes do not turn our close into a reset that loses the answer.
async fn linger(mut stream: TcpStream) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let mut sink = vec![0u8; 4096];
    let drain = async {
        for _ in 0..LINGER_READS {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}
