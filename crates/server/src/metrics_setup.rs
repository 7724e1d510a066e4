//! Prometheus metrics: one process-wide recorder, rendered on the admin listener's `/metrics`.

use std::sync::OnceLock;
use std::time::Duration;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

fn handle() -> Option<&'static PrometheusHandle> {
    // Installing a global recorder can only happen once per process (tests start several servers).
    HANDLE
        .get_or_init(|| PrometheusBuilder::new().install_recorder().ok())
        .as_ref()
}

/// Makes sure the recorder exists before the first metric is recorded.
pub fn init() {
    let _ = handle();
}

/// The Prometheus text exposition of every metric.
pub fn render() -> String {
    handle().map(PrometheusHandle::render).unwrap_or_default()
}

/// Counts one SOAP request and its latency.
pub fn observe_request(request: &str, ok: bool, elapsed: Duration) {
    let outcome = if ok { "ok" } else { "fault" };
    metrics::counter!("inboxd_soap_requests_total", "request" => request.to_string(), "outcome" => outcome)
        .increment(1);
    metrics::histogram!("inboxd_soap_request_seconds", "request" => request.to_string())
        .record(elapsed.as_secs_f64());
}
