//! The per-connection loop: wait for a request without a buffer, read it, hand it to the [`Service`],
//! watch for a hang-up while the answer is computed, write the answer, repeat or close.
//!
//! Everything held across an await here is part of every connection's task, parked or idle, so the
//! loop keeps only the socket, pipelined bytes and handles; the handler's state is boxed by the service.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::read::{self, ReadError};
use super::response::{self, Persist, Response};
use super::{Body, Reply, ResponseFuture, Service, Settings, WRITE_STALL};

/// How long a closing connection keeps reading (and discarding) what the client still sends, so that
/// our close does not reset the connection before the client has read the answer.
const LINGER: Duration = Duration::from_secs(2);
const LINGER_READS: usize = 256;

/// Serves HTTP/1.1 requests on `stream` until the client closes, an error closes the connection, or
/// [`Settings::close_idle`] is called while it is between requests (a request in flight is finished
/// first, and its answer closes the connection). `guard` is dropped when the
/// connection is done (the listener counts connections that way).
///
/// Only the idle wait and the hang-up watch are awaited inline; reading a request and writing an answer
/// are boxed for their duration, so that their buffers, timers and IO futures do not widen every
/// connection's task for its whole life.
#[allow(clippy::manual_async_fn)] // deliberate: 392 B instead of 448 B per connection (see the test)
pub(crate) fn serve<S: Service, G: Send>(
    mut stream: TcpStream,
    service: Arc<S>,
    settings: Arc<Settings>,
    guard: G,
) -> impl Future<Output = ()> + Send {
    // An async block over the arguments, not an `async fn`: the latter keeps a second copy of each
    // argument in the task for its whole life.
    async move {
        let mut pending = Vec::new();
        // Bounded by the client: each pass serves one request or returns.
        loop {
            if pending.is_empty() && !next_request(&stream, &settings).await {
                break;
            }
            let (reply, persist) = match Box::pin(read_and_call(
                &mut stream,
                &*service,
                &settings,
                &mut pending,
            ))
            .await
            {
                Some(called) => called,
                None => break,
            };
            let answer = match reply {
                Reply::Ready(answer) => answer,
                Reply::Later(future) => {
                    match until_answered(&stream, future, !pending.is_empty()).await {
                        Some(answer) => answer,
                        // The client hung up: the handler future is dropped, nothing to answer.
                        None => break,
                    }
                }
            };
            let persist = if settings.is_closing() {
                Persist::Close
            } else {
                persist
            };
            if !Box::pin(answer_and_maybe_close(&mut stream, answer, persist)).await {
                break;
            }
        }
        drop(guard);
    }
}

/// Reads one request and hands it to the service: the reply and what becomes of the connection, or `None`
/// when the connection is done (error answers are written here).
async fn read_and_call<S: Service>(
    stream: &mut TcpStream,
    service: &S,
    settings: &Settings,
    pending: &mut Vec<u8>,
) -> Option<(Reply, Persist)> {
    let error = match read::request(stream, std::mem::take(pending), settings).await {
        Ok(request) => {
            *pending = request.leftover;
            let head = &request.head;
            let persist = if !head.keep_alive || matches!(request.body, Body::TooLarge { .. }) {
                Persist::Close
            } else if head.http10 {
                Persist::KeepAlive10
            } else {
                Persist::KeepAlive
            };
            return Some((service.call(head, request.body), persist));
        }
        Err(ReadError::Gone) => return None,
        Err(ReadError::HeadTooLarge) => Response::text(431, "request head too large"),
        Err(ReadError::Malformed) => Response::text(400, "bad request"),
    };
    answer_and_maybe_close(stream, error, Persist::Close).await;
    None
}

/// Writes an answer; with [`Persist::Close`], closes gracefully after it. `true`: the connection goes on.
async fn answer_and_maybe_close(
    stream: &mut TcpStream,
    answer: Response,
    persist: Persist,
) -> bool {
    let close = persist == Persist::Close;
    let head = answer.head(persist);
    let written = response::write_all(stream, &[&head, &answer.body], WRITE_STALL).await;
    drop((head, answer));
    if close && written.is_ok() {
        linger(stream).await;
    }
    written.is_ok() && !close
}

/// Waits, holding no buffer, until the client sends something. `false`: close (the client closed, the
/// connection idled out, or the server is shutting down).
async fn next_request(stream: &TcpStream, settings: &Settings) -> bool {
    // Created before the flag is read, so a shutdown between the two still wakes it.
    let closing = settings.closing();
    if settings.is_closing() {
        return false;
    }
    let mut probe = [0u8; 1];
    tokio::select! {
        peeked = peek(stream, &mut probe) => matches!(peeked, Ok(n) if n > 0),
        () = tokio::time::sleep(settings.idle_timeout()) => false,
        () = closing => false,
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
        peeked = peek(stream, &mut probe) => match peeked {
            Ok(n) if n > 0 => Some(future.await),
            _ => None,
        },
    }
}

/// Peeks without consuming. Poll-based, so the waiting future is a few words (the socket keeps the
/// waker), not an intrusive waiter node: it sits in every idle and every parked connection.
fn peek<'a>(
    stream: &'a TcpStream,
    probe: &'a mut [u8],
) -> impl std::future::Future<Output = std::io::Result<usize>> + 'a {
    std::future::poll_fn(move |cx| stream.poll_peek(cx, &mut tokio::io::ReadBuf::new(probe)))
}

/// Half-closes, then discards what the client still sends for a short while (bounded in time and
/// reads), so unread request bytes do not turn our close into a reset that loses the answer.
async fn linger(stream: &mut TcpStream) {
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

#[cfg(test)]
mod tests {
    use super::super::Head;
    use super::*;

    struct Nothing;

    impl Service for Nothing {
        fn call(&self, _: &Head, _: Body) -> Reply {
            Reply::Ready(Response::text(404, ""))
        }
    }

    /// Every connection's task holds this future, idle or parked: printed for measurement, and bounded.
    #[tokio::test]
    async fn connection_future_is_small() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let stream = TcpStream::connect(listener.local_addr().unwrap())
            .await
            .unwrap();
        let settings = Arc::new(Settings::new(1024));
        let mut probe = [0u8; 1];
        let sizes = [
            std::mem::size_of_val(&serve(stream, Arc::new(Nothing), settings.clone(), ())),
            std::mem::size_of::<tokio::time::Sleep>(),
            std::mem::size_of::<TcpStream>(),
            std::mem::size_of_val(&settings.closing()),
        ];
        let (accepted, _) = listener.accept().await.unwrap();
        let peek = std::mem::size_of_val(&peek(&accepted, &mut probe));
        let idle = std::mem::size_of_val(&next_request(&accepted, &settings));
        println!(
            "serve {} B, Sleep {} B, TcpStream {} B, closing {} B, peek {peek} B, idle wait {idle} B",
            sizes[0], sizes[1], sizes[2], sizes[3]
        );
        assert!(sizes[0] <= 448, "{sizes:?}");
    }
}
