//! Where IMAP sessions run: one process-wide multi-threaded tokio runtime of their own (as many threads as
//! cores), separate from the caller's. Sessions are tasks, so ten thousand idle accounts cost ten thousand
//! parked tasks, not threads; and a session threading a large header chunk keeps one of these threads busy,
//! never one of the HTTP server's. Callers get a `Send` handle (a oneshot receiver) whatever runtime they
//! are on, or none.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::Runtime;
use tokio::sync::oneshot;
use tracing::Instrument;

use crate::DriverError;

/// The sessions' runtime, started on first use and kept for the life of the process.
fn runtime() -> Result<&'static Runtime, DriverError> {
    static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();
    let rt = RUNTIME.get_or_init(|| {
        let threads = std::thread::available_parallelism().map_or(2, usize::from);
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            // Store work (commits, state loads) goes to the blocking pool; commits serialize on the store's one
            // writer anyway, so thousands of syncing accounts need a few threads there, not tokio's 512.
            .max_blocking_threads(threads * 4)
            .thread_name("imap-sync")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    rt.as_ref()
        .map_err(|e| DriverError::Engine(format!("cannot start the IMAP runtime: {e}")))
}

/// Runs `make()`'s future to completion on the sessions' runtime, in a tracing span named after the
/// session; the receiver yields its result.
pub(crate) fn spawn_session<T, F, Fut>(
    name: String,
    make: F,
) -> oneshot::Receiver<Result<T, DriverError>>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, DriverError>> + Send + 'static,
{
    let (tx, rx) = oneshot::channel();
    match runtime() {
        Ok(rt) => {
            let span = tracing::info_span!("imap", session = %name);
            rt.spawn(
                async move {
                    let _ = tx.send(make().await);
                }
                .instrument(span),
            );
        }
        Err(e) => {
            tracing::error!(%e, "cannot start IMAP session");
            let _ = tx.send(Err(e));
        }
    }
    rx
}

/// Waits for a session started with [`spawn_session`].
pub(crate) async fn join<T>(
    rx: oneshot::Receiver<Result<T, DriverError>>,
) -> Result<T, DriverError> {
    rx.await
        .map_err(|_| DriverError::Engine("IMAP session ended without a result".into()))?
}
