//! Processed webhook events: each id applied once, with its change, in one
//! transaction, so concurrent deliveries of one event apply it exactly once.

use super::{now, Database, DbError};
use crate::webhooks::{Change, EventType, WebhookOutcome};
use metricate::instrument_metric;

/// Records event `id` (and the SHA-256 of its `body`) and makes its
/// `change` to `account`, unless the id was processed before; what became
/// of it.
#[instrument_metric(preset = super::QUERY, const_labels(operation = "insert", table = "webhook_events"))]
pub async fn apply(
    database: &Database,
    id: &str,
    event: EventType,
    account: Option<&str>,
    change: &Change,
    body: &[u8],
) -> Result<WebhookOutcome, DbError> {
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(body))
    };
    let outcome = match change {
        Change::Nothing => WebhookOutcome::Ignored,
        _ => WebhookOutcome::Applied,
    };
    let mut transaction = database.pool.begin().await?;
    let inserted = sqlx::query(
    "INSERT OR IGNORE INTO webhook_events (id, event_type, outcome, account_id, received_at, body_sha256) VALUES (?, ?, ?, ?, ?, ?)",
)
.bind(id)
.bind(event.name())
.bind(outcome.name())
.bind(account)
.bind(now())
.bind(&digest)
.execute(&mut *transaction)
.await?
.rows_affected();
    if inserted == 0 {
        // Seen before: the same body is a duplicate; another body under
        // the same id is a conflict (events stored before bodies were
        // hashed have none, and are duplicates).
        let stored: Option<String> =
            sqlx::query_scalar("SELECT body_sha256 FROM webhook_events WHERE id = ?")
                .bind(id)
                .fetch_optional(&mut *transaction)
                .await?
                .flatten();
        return Ok(match stored {
            Some(stored) if stored != digest => WebhookOutcome::Conflict,
            _ => WebhookOutcome::Duplicate,
        });
    }
    if let Some(account) = account {
        let (column, value) = match change {
            Change::Plan(plan) => ("plan", plan.name()),
            Change::Payment(status) => ("payment_status", *status),
            Change::Nothing => ("", ""),
        };
        if !column.is_empty() {
            sqlx::query(&format!(
                "INSERT INTO accounts (id, {column}, updated_at) VALUES (?1, ?2, ?3)
             ON CONFLICT (id) DO UPDATE SET {column} = ?2, updated_at = ?3"
            ))
            .bind(account)
            .bind(value)
            .bind(now())
            .execute(&mut *transaction)
            .await?;
        }
    }
    transaction.commit().await?;
    Ok(outcome)
}
