//! The trace of each request: the caller's W3C `traceparent` continued, or a
//! new trace started. Its id is in the `request` span of every log line the
//! request writes, in the response's `traceparent`, and, through
//! metricate's trace id source, in the exemplars of the histograms and error
//! counters the request records: from a slow bucket to the request's logs.

use axum::extract::Request;
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use metricate::exemplars::TraceId;
use tracing::Instrument;

tokio::task_local! {
    /// The trace of the request the task serves.
    static TRACE: TraceId;
}

/// The trace the current task serves, if it serves a request: metricate's
/// trace id source.
pub fn current() -> Option<TraceId> {
    TRACE.try_with(|trace| *trace).ok()
}

/// Runs `work` in `trace` (and `span`): for work moved to another thread, so
/// that its logs and exemplars still name the request's trace.
pub(crate) fn within<T>(
    trace: Option<TraceId>,
    span: tracing::Span,
    work: impl FnOnce() -> T,
) -> T {
    let _entered = span.enter();
    match trace {
        Some(trace) => TRACE.sync_scope(trace, work),
        None => work(),
    }
}

/// 16 random bytes, never all zero.
fn new_trace() -> TraceId {
    let mut bytes = [0u8; 16];
    let _ = getrandom::fill(&mut bytes);
    TraceId(u128::from_le_bytes(bytes).max(1))
}

/// 8 random bytes for this service's span.
fn new_span() -> u64 {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    u64::from_le_bytes(bytes).max(1)
}

/// Runs the request inside its trace.
pub async fn middleware(request: Request, next: Next) -> Response {
    let trace = request
        .headers()
        .get("traceparent")
        .and_then(|value| value.to_str().ok())
        .and_then(TraceId::from_traceparent)
        .unwrap_or_else(new_trace);
    let span = tracing::info_span!("request", trace_id = %trace);
    let mut response = TRACE.scope(trace, next.run(request).instrument(span)).await;
    if let Ok(value) = HeaderValue::from_str(&format!("00-{trace}-{:016x}-01", new_span())) {
        response.headers_mut().insert("traceparent", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_trace_is_there_inside_the_scope_only() {
        assert_eq!(current(), None);
        let trace = TraceId(0xabc);
        let inside = TRACE.scope(trace, async { current() }).await;
        assert_eq!(inside, Some(trace));
        assert_ne!(new_trace(), new_trace());
    }
}
