//! A lean HTTP/1.1 server connection, built for thousands of long polls parked on open connections.
//!
//! An idle keep-alive connection and a connection whose request is being handled hold no read or write
//! buffer: between requests the task waits for readability; a read buffer exists only while a request is
//! read (it starts small and grows to the head limit), and is freed once the body is out, keeping only
//! pipelined bytes. While the handler runs, a client hang-up is noticed by peeking one byte into the
//! future itself; it drops the handler future (which abandons a parked WaitSet ticket).
//!
//! Map: `head` parses request heads, `chunked` decodes chunked bodies, `read` reads one request off the
//! socket, `response` writes answers, `conn` is the per-connection loop. Routing and SOAP are not here:
//! the server's `http` module implements [`Service`].

mod chunked;
mod conn;
mod head;
mod read;
mod response;

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use tokio::sync::Notify;
use tokio::sync::futures::Notified;

pub(crate) use conn::serve;
pub(crate) use head::{Head, Method};
pub(crate) use response::Response;

/// The answer still being computed; boxed so that the connection's own future stays small.
pub(crate) type ResponseFuture = Pin<Box<dyn Future<Output = Response> + Send>>;

/// What a [`Service`] makes of a request.
pub(crate) enum Reply {
    /// Answered without waiting (errors, 404, metrics).
    Ready(Response),
    /// Answered when the future completes; dropped if the client hangs up first.
    Later(ResponseFuture),
}

/// The request body as read.
#[derive(Debug)]
pub(crate) enum Body {
    Full(Bytes),
    /// Larger than the limit (not read; the connection closes after the answer).
    TooLarge {
        limit: usize,
    },
}

/// The application behind a connection: routes a request and produces its answer.
pub(crate) trait Service: Send + Sync + 'static {
    fn call(&self, head: &Head, body: Body) -> Reply;
}

/// Per-listener limits and timeouts. The timeouts can change while serving (tests shorten them).
#[derive(Debug)]
pub(crate) struct Settings {
    /// Largest request body (decoded, for chunked).
    pub max_body: usize,
    head_timeout_ms: AtomicU64,
    idle_timeout_ms: AtomicU64,
    /// Set on shutdown: idle connections close, busy ones close after their answer.
    closing: AtomicBool,
    /// Wakes idle connections on shutdown. A `Notify` rather than the server's watch channel: its
    /// waiter future is a third of the size, and every idle connection holds one.
    closing_notify: Notify,
}

/// Largest request head (request line + headers); more is 431.
pub(crate) const MAX_HEAD: usize = 16 * 1024;
/// How long a client may take to send a request head once it has started (slowloris guard), and how
/// long any single read of a body may stall.
pub(crate) const HEAD_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a keep-alive connection may sit without a request (Jetty's idle timeout is similar).
pub(crate) const IDLE_TIMEOUT: Duration = Duration::from_secs(600);
/// How long a single write may stall before the peer is given up.
pub(crate) const WRITE_STALL: Duration = Duration::from_secs(60);

impl Settings {
    pub(crate) fn new(max_body: usize) -> Self {
        Settings {
            max_body,
            head_timeout_ms: AtomicU64::new(millis(HEAD_TIMEOUT)),
            idle_timeout_ms: AtomicU64::new(millis(IDLE_TIMEOUT)),
            closing: AtomicBool::new(false),
            closing_notify: Notify::new(),
        }
    }

    pub(crate) fn head_timeout(&self) -> Duration {
        Duration::from_millis(self.head_timeout_ms.load(Ordering::Relaxed))
    }

    pub(crate) fn idle_timeout(&self) -> Duration {
        Duration::from_millis(self.idle_timeout_ms.load(Ordering::Relaxed))
    }

    /// Changes both timeouts for requests read from now on.
    pub(crate) fn set_timeouts(&self, head: Duration, idle: Duration) {
        self.head_timeout_ms.store(millis(head), Ordering::Relaxed);
        self.idle_timeout_ms.store(millis(idle), Ordering::Relaxed);
    }
}

impl Settings {
    /// Closes idle connections now and busy ones after their current answer (server shutdown).
    pub(crate) fn close_idle(&self) {
        self.closing.store(true, Ordering::SeqCst);
        self.closing_notify.notify_waiters();
    }

    pub(crate) fn is_closing(&self) -> bool {
        self.closing.load(Ordering::SeqCst)
    }

    /// Resolves on [`Settings::close_idle`] calls made after this was created (tokio's `notify_waiters`
    /// guarantee), even before it is first polled.
    pub(crate) fn closing(&self) -> Notified<'_> {
        self.closing_notify.notified()
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}
