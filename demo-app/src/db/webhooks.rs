//! Processed webhook events: each id applied once, with its change, in one
//! transaction, so concurrent deliveries of one event apply it exactly once.

use super::{db_fn, now, Database, DbError};
use crate::webhooks::{Change, EventType, WebhookOutcome};

db_fn!(
    "insert",
    "webhook_events",
    /// Records event `id` and makes its `change` to `account`, unless the id was
    /// processed before; what became of it.
    pub async fn apply(
        database: &Database,
        id: &str,
        event: EventType,
        account: Option<&str>,
        change: &Change,
    ) -> Result<WebhookOutcome, DbError> {
        let outcome = match change {
            Change::Nothing => WebhookOutcome::Ignored,
            _ => WebhookOutcome::Applied,
        };
        let mut transaction = database.pool.begin().await?;
        let inserted = sqlx::query(
        "INSERT OR IGNORE INTO webhook_events (id, event_type, outcome, account_id, received_at) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(id)
    .bind(event.name())
    .bind(outcome.name())
    .bind(account)
    .bind(now())
    .execute(&mut *transaction)
    .await?
    .rows_affected();
        if inserted == 0 {
            return Ok(WebhookOutcome::Duplicate);
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
);
