//! The driver's one wall-clock read. The sync engine never reads a clock; this IO shell hands it `now`.

use inboxd_model::Timestamp;

/// Milliseconds since the Unix epoch, now.
#[allow(clippy::disallowed_methods)] // the IO shell is where time enters the system
pub(crate) fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    Timestamp(u64::try_from(ms).unwrap_or(u64::MAX))
}
