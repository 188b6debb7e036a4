//! Job postings found by the scans, and their status.

use super::{now, Database, DbError};
use metricate::instrument_metric;
use metricate::LabelValue;
use serde::{Deserialize, Serialize};
use sqlx::sqlite::SqliteRow;
use sqlx::Row;

/// Where a job is in the applicant's hands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, LabelValue)]
#[serde(rename_all = "snake_case")]
pub enum JobStatus {
    /// Found by a scan.
    New,
    /// Kept for later.
    Saved,
    /// Applied to.
    Applied,
}

impl JobStatus {
    /// Every status.
    pub const ALL: [JobStatus; 3] = [JobStatus::New, JobStatus::Saved, JobStatus::Applied];

    /// Its name.
    pub fn name(self) -> &'static str {
        self.label_value()
    }

    /// The status of a name.
    pub fn parse(name: &str) -> Option<JobStatus> {
        JobStatus::ALL
            .into_iter()
            .find(|status| status.name() == name)
    }
}

impl std::str::FromStr for JobStatus {
    type Err = String;

    fn from_str(name: &str) -> Result<JobStatus, String> {
        JobStatus::parse(name).ok_or_else(|| {
            format!(
                "unknown status {:?}: it is new, saved or applied",
                name.chars().take(32).collect::<String>()
            )
        })
    }
}

/// A query parameter given empty (`status=`, as forms send) is absent.
fn blank_as_none<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let raw: Option<String> = Option::deserialize(deserializer)?;
    match raw.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(text) => text.parse().map(Some).map_err(serde::de::Error::custom),
    }
}

/// A job posting.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Job {
    /// Its id here.
    pub id: i64,
    /// The board it was found on.
    pub source: String,
    /// Its id on that board.
    pub external_id: String,
    /// Its title.
    pub title: String,
    /// Who hires.
    pub company: String,
    /// Where.
    pub location: String,
    /// What it is.
    pub description: String,
    /// The skills it asks for.
    pub skills: Vec<String>,
    /// Where it stands.
    pub status: JobStatus,
    /// When it was posted, unix seconds.
    pub posted_at: i64,
}

/// A posting as a board publishes it, before it is stored.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
pub struct Posting {
    /// Its id on the board.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Who hires.
    pub company: String,
    /// Where.
    pub location: String,
    /// What it is.
    pub description: String,
    /// The skills it asks for.
    pub skills: Vec<String>,
    /// When it was posted, unix seconds.
    pub posted_at: i64,
}

/// The filters of a job search; every one optional, an empty one absent.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct Filter {
    /// Only this status.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub status: Option<JobStatus>,
    /// Words in the title, company or description (matched literally).
    #[serde(default, deserialize_with = "blank_as_none")]
    pub q: Option<String>,
    /// Only this board.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub source: Option<String>,
    /// At most this many (1..=100, default 20).
    #[serde(default, deserialize_with = "blank_as_none")]
    pub limit: Option<i64>,
    /// From this offset.
    #[serde(default, deserialize_with = "blank_as_none")]
    pub offset: Option<i64>,
}

const COLUMNS: &str =
    "id, source, external_id, title, company, location, description, skills, status, posted_at";

fn job(row: &SqliteRow) -> Result<Job, sqlx::Error> {
    let skills: String = row.try_get("skills")?;
    let status: String = row.try_get("status")?;
    Ok(Job {
        id: row.try_get("id")?,
        source: row.try_get("source")?,
        external_id: row.try_get("external_id")?,
        title: row.try_get("title")?,
        company: row.try_get("company")?,
        location: row.try_get("location")?,
        description: row.try_get("description")?,
        skills: serde_json::from_str(&skills).unwrap_or_default(),
        status: JobStatus::parse(&status).unwrap_or(JobStatus::New),
        posted_at: row.try_get("posted_at")?,
    })
}

/// `LIKE` pattern of a literal search: `%` and `_` in it match themselves.
fn like_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The jobs `filter` selects, newest first, and how many there are in all.
#[instrument_metric(preset = super::QUERY, const_labels(operation = "select", table = "jobs"))]
pub async fn search(database: &Database, filter: &Filter) -> Result<(Vec<Job>, i64), DbError> {
    let conditions = "(?1 IS NULL OR status = ?1)
    AND (?2 IS NULL OR title LIKE ?2 ESCAPE '\\' OR company LIKE ?2 ESCAPE '\\' OR description LIKE ?2 ESCAPE '\\')
    AND (?3 IS NULL OR source = ?3)";
    let status = filter.status.map(JobStatus::name);
    let q = filter
        .q
        .as_deref()
        .filter(|q| !q.is_empty())
        .map(like_pattern);
    let limit = filter.limit.unwrap_or(20).clamp(1, 100);
    let offset = filter.offset.unwrap_or(0).max(0);
    let rows = sqlx::query(&format!(
    "SELECT {COLUMNS} FROM jobs WHERE {conditions} ORDER BY posted_at DESC, id DESC LIMIT ?4 OFFSET ?5"
))
.bind(status)
.bind(q.as_deref())
.bind(filter.source.as_deref())
.bind(limit)
.bind(offset)
.fetch_all(&database.pool)
.await?;
    let total: i64 = sqlx::query(&format!(
        "SELECT COUNT(*) AS total FROM jobs WHERE {conditions}"
    ))
    .bind(status)
    .bind(q.as_deref())
    .bind(filter.source.as_deref())
    .fetch_one(&database.pool)
    .await?
    .try_get("total")?;
    let jobs = rows.iter().map(job).collect::<Result<_, _>>()?;
    Ok((jobs, total))
}

/// The job `id`, if it exists.
#[instrument_metric(preset = super::QUERY, const_labels(operation = "select", table = "jobs"))]
pub async fn get(database: &Database, id: i64) -> Result<Option<Job>, DbError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM jobs WHERE id = ?"))
        .bind(id)
        .fetch_optional(&database.pool)
        .await?;
    Ok(row.as_ref().map(job).transpose()?)
}

/// Sets the status of job `id`; the job as it now is, if it exists.
#[instrument_metric(preset = super::QUERY, const_labels(operation = "update", table = "jobs"))]
pub async fn set_status(
    database: &Database,
    id: i64,
    status: JobStatus,
) -> Result<Option<Job>, DbError> {
    let row = sqlx::query(&format!(
        "UPDATE jobs SET status = ?, updated_at = ? WHERE id = ? RETURNING {COLUMNS}"
    ))
    .bind(status.name())
    .bind(now())
    .bind(id)
    .fetch_optional(&database.pool)
    .await?;
    Ok(row.as_ref().map(job).transpose()?)
}

/// Stores the postings of `source` not stored yet, in one transaction; how
/// many were new.
#[instrument_metric(preset = super::QUERY, const_labels(operation = "insert", table = "jobs"))]
pub async fn insert_new(
    database: &Database,
    source: &str,
    postings: &[Posting],
) -> Result<u64, DbError> {
    let mut transaction = database.pool.begin().await?;
    let mut new = 0;
    for posting in postings {
        let result = sqlx::query(
        "INSERT OR IGNORE INTO jobs (source, external_id, title, company, location, description, skills, posted_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(source)
    .bind(&posting.id)
    .bind(&posting.title)
    .bind(&posting.company)
    .bind(&posting.location)
    .bind(&posting.description)
    .bind(serde_json::to_string(&posting.skills).unwrap_or_default())
    .bind(posting.posted_at)
    .bind(now())
    .execute(&mut *transaction)
    .await?;
        new += result.rows_affected();
    }
    transaction.commit().await?;
    Ok(new)
}

/// How many jobs have each status.
#[instrument_metric(preset = super::QUERY, const_labels(operation = "select", table = "jobs"))]
pub async fn count_by_status(database: &Database) -> Result<Vec<(JobStatus, i64)>, DbError> {
    let rows = sqlx::query("SELECT status, COUNT(*) AS jobs FROM jobs GROUP BY status")
        .fetch_all(&database.pool)
        .await?;
    let mut counts: Vec<(JobStatus, i64)> =
        JobStatus::ALL.iter().map(|status| (*status, 0)).collect();
    for row in rows {
        let status: String = row.try_get("status")?;
        let jobs: i64 = row.try_get("jobs")?;
        if let Some(entry) = counts.iter_mut().find(|(known, _)| known.name() == status) {
            entry.1 = jobs;
        }
    }
    Ok(counts)
}

/// Every job's title and description: the corpus of the TF-IDF matcher.
#[instrument_metric(preset = super::QUERY, const_labels(operation = "select", table = "jobs"))]
pub async fn texts(database: &Database) -> Result<Vec<String>, DbError> {
    let rows = sqlx::query("SELECT title || ' ' || description AS text FROM jobs")
        .fetch_all(&database.pool)
        .await?;
    Ok(rows
        .iter()
        .map(|row| row.try_get("text"))
        .collect::<Result<_, _>>()?)
}
