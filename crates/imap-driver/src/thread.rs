//! Engine sessions on their own threads. The sync engine's job objects are not `Send`, so a session cannot
//! move between tokio worker threads; each one gets a thread with a current-thread runtime instead, and
//! callers get a `Send` handle (a oneshot receiver) whatever runtime they are on.

use std::future::Future;

use tokio::sync::oneshot;

use crate::DriverError;

/// Runs `make()`'s future to completion on a new named thread; the receiver yields its result.
pub(crate) fn spawn_session<T, F, Fut>(
    name: String,
    make: F,
) -> oneshot::Receiver<Result<T, DriverError>>
where
    T: Send + 'static,
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<T, DriverError>>,
{
    let (tx, rx) = oneshot::channel();
    let spawned = std::thread::Builder::new().name(name).spawn(move || {
        let result = match tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            Ok(rt) => rt.block_on(make()),
            Err(e) => Err(DriverError::Io(e)),
        };
        let _ = tx.send(result);
    });
    if let Err(e) = spawned {
        // The closure (and its sender) is dropped: the receiver reports the failure.
        tracing::error!(%e, "cannot start IMAP session thread");
    }
    rx
}

/// Waits for a session started with [`spawn_session`].
pub(crate) async fn join<T>(
    rx: oneshot::Receiver<Result<T, DriverError>>,
) -> Result<T, DriverError> {
    rx.await
        .map_err(|_| DriverError::Engine("IMAP session thread ended without a result".into()))?
}
