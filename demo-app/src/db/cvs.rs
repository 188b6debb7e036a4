//! Uploaded CVs and their parse.

use super::{now, Database, DbError};
use crate::cv::{ParsedCv, Sections};
use metricate::instrument_metric;
use sqlx::Row;

/// A stored CV; its sections are read from its text.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StoredCv {
    /// Its id.
    pub id: i64,
    /// Its format's name.
    pub format: String,
    /// Its text.
    pub text: String,
    /// Its sections.
    pub sections: Sections,
}

/// A new CV id: random in 1..2^53 (exact in a JSON number), so that ids say
/// nothing of how many CVs there are and cannot be found by counting.
fn random_id() -> i64 {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    let id = i64::from_le_bytes(bytes) & ((1 << 53) - 1);
    id.max(1)
}

/// Stores a parsed CV for `account`; its id (random, see `random_id`).
#[instrument_metric(preset = super::QUERY, const_labels(operation = "insert", table = "cvs"))]
pub async fn insert(database: &Database, account: &str, cv: &ParsedCv) -> Result<i64, DbError> {
    let mut attempt = 0;
    loop {
        let id = random_id();
        let inserted = sqlx::query(
            "INSERT OR IGNORE INTO cvs (id, account_id, format, text, created_at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(account)
        .bind(cv.format.name())
        .bind(&cv.text)
        .bind(now())
        .execute(&database.pool)
        .await?
        .rows_affected();
        attempt += 1;
        if inserted == 1 {
            return Ok(id);
        }
        // A collision (one in 2^53 per CV) draws again; three in a row
        // do not happen, but would be a retry for the client.
        if attempt == 3 {
            return Err(DbError::Busy);
        }
    }
}

/// The CV `id` of `account`, if it exists: another account's is `None`,
/// as if it did not exist.
#[instrument_metric(preset = super::QUERY, const_labels(operation = "select", table = "cvs"))]
pub async fn get(database: &Database, account: &str, id: i64) -> Result<Option<StoredCv>, DbError> {
    let row = sqlx::query("SELECT id, format, text FROM cvs WHERE id = ? AND account_id = ?")
        .bind(id)
        .bind(account)
        .fetch_optional(&database.pool)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let text: String = row.try_get("text")?;
    Ok(Some(StoredCv {
        id: row.try_get("id")?,
        format: row.try_get("format")?,
        sections: Sections::of(&text),
        text,
    }))
}
