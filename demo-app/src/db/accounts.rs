//! Accounts and their plans.

use super::{now, Database, DbError};
use crate::webhooks::Plan;
use metricate::instrument_metric;
use sqlx::Row;

/// The plan of `account`; an account never seen is on the free plan.
#[instrument_metric(preset = super::QUERY, const_labels(operation = "select", table = "accounts"))]
pub async fn plan(database: &Database, account: &str) -> Result<Plan, DbError> {
    let row = sqlx::query("SELECT plan FROM accounts WHERE id = ?")
        .bind(account)
        .fetch_optional(&database.pool)
        .await?;
    let plan: Option<String> = row.map(|row| row.try_get("plan")).transpose()?;
    Ok(plan.as_deref().and_then(Plan::parse).unwrap_or(Plan::Free))
}

/// Creates `account` on `plan` unless it exists.
#[instrument_metric(preset = super::QUERY, const_labels(operation = "insert", table = "accounts"))]
pub async fn ensure(database: &Database, account: &str, plan: Plan) -> Result<(), DbError> {
    sqlx::query("INSERT OR IGNORE INTO accounts (id, plan, updated_at) VALUES (?, ?, ?)")
        .bind(account)
        .bind(plan.name())
        .bind(now())
        .execute(&database.pool)
        .await?;
    Ok(())
}

/// The payment status of `account`: `none`, `ok` or `denied`.
#[instrument_metric(preset = super::QUERY, const_labels(operation = "select", table = "accounts"))]
pub async fn payment_status(database: &Database, account: &str) -> Result<String, DbError> {
    let row = sqlx::query("SELECT payment_status FROM accounts WHERE id = ?")
        .bind(account)
        .fetch_optional(&database.pool)
        .await?;
    Ok(row
        .map(|row| row.try_get("payment_status"))
        .transpose()?
        .unwrap_or_else(|| "none".to_owned()))
}
