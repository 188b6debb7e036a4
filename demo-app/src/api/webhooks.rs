//! `POST /webhooks/paypal`: verified, parsed, applied once per event id.

use super::extract::RawBody;
use super::{ApiError, App};
use crate::db;
use crate::webhooks::{verify, EventType, Payload, SignatureError, WebhookOutcome};
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use metricate::instrument_metric;
use std::sync::Arc;

/// Counts a webhook in `paypal_webhooks_total{event_type,outcome}`.
fn count(event: EventType, outcome: WebhookOutcome) {
    metricate::counter!(
        "paypal_webhooks_total",
        help = "Payment webhooks received, by event type and what became of them.",
        event_type: EventType = event,
        outcome: WebhookOutcome = outcome
    )
    .inc();
}

/// Counts a refused signature in `paypal_webhook_rejections_total{reason}`.
fn count_rejection(reason: &SignatureError) {
    metricate::counter!(
        "paypal_webhook_rejections_total",
        help = "Payment webhooks refused before they were read, by why: no signature, a malformed one, a stale timestamp, a forged signature.",
        reason: &SignatureError = reason
    )
    .inc();
}

/// A payment provider's event: its signature checked first, then applied
/// once per id.
#[instrument_metric(preset = super::HANDLER)]
pub(super) async fn paypal_webhook(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawBody(body): RawBody,
) -> Result<Response, ApiError> {
    let header = |name: &str| headers.get(name).and_then(|value| value.to_str().ok());
    let verified = verify(
        &app.webhook_secret,
        header("x-webhook-timestamp"),
        header("x-webhook-signature"),
        &body,
        db::now(),
    );
    if let Err(error) = verified {
        // Counted under the type the body claims, bounded by `EventType`.
        let claimed = Payload::parse(&body)
            .map(|payload| EventType::parse(&payload.event_type))
            .unwrap_or(EventType::Unknown);
        count(claimed, WebhookOutcome::Rejected);
        count_rejection(&error);
        return Err(ApiError::Unauthorized(error.to_string()));
    }
    let payload = Payload::parse(&body).map_err(|error| ApiError::BadRequest(error.to_string()))?;
    let (event, account, change) = payload
        .change()
        .map_err(|error| ApiError::Unprocessable(error.to_string()))?;
    let outcome =
        db::webhooks::apply(&app.database, &payload.id, event, account, &change, &body).await?;
    count(event, outcome);
    Ok(Json(serde_json::json!({ "status": outcome.name() })).into_response())
}
