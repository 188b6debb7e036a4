//! Uploaded CVs and their parse.

use super::{db_fn, now, Database, DbError};
use crate::cv::{ParsedCv, Sections};
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

db_fn!(
    "insert",
    "cvs",
    /// Stores a parsed CV for `account`; its id.
    pub async fn insert(database: &Database, account: &str, cv: &ParsedCv) -> Result<i64, DbError> {
        let result = sqlx::query(
            "INSERT INTO cvs (account_id, format, text, created_at) VALUES (?, ?, ?, ?)",
        )
        .bind(account)
        .bind(cv.format.name())
        .bind(&cv.text)
        .bind(now())
        .execute(&database.pool)
        .await?;
        Ok(result.last_insert_rowid())
    }
);

db_fn!(
    "select",
    "cvs",
    /// The CV `id`, if it exists.
    pub async fn get(database: &Database, id: i64) -> Result<Option<StoredCv>, DbError> {
        let row = sqlx::query("SELECT id, format, text FROM cvs WHERE id = ?")
            .bind(id)
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
);
