//! The database: SQLite through sqlx's async pool, migrated at start, WAL
//! journal with `synchronous=FULL` (a write acknowledged to a client survives a
//! crash of the process *and* of the machine; docs/demo.md says what it costs).
//! Every query is parameterised. Every fn here is timed and counted in
//! `db_query_duration_seconds{operation,table}` and
//! `db_operations_total{operation,table,status}`.

pub mod accounts;
pub mod cvs;
pub mod jobs;
pub mod webhooks;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

metricate::preset! {
    /// A data-layer fn: timed and counted by the `operation` and `table` it
    /// touches (each fn says which), its `Result` as the `status`.
    pub(crate) QUERY(
        histogram = "db_query_duration_seconds",
        calls = "db_operations_total",
        outcome = "status",
        const_labels(operation, table),
        buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0],
    );
}

/// The account requests act for when they name none.
pub const DEMO_ACCOUNT: &str = "demo";

/// How long a query waits for a locked database before giving up: a busy
/// database answers 503, never hangs a request.
const BUSY_TIMEOUT: Duration = Duration::from_secs(2);

/// A database error, told apart by what the client should do about it.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// Locked or out of connections: try again shortly.
    #[error("the database is busy")]
    Busy,
    /// The disk is full (`SQLITE_FULL`): nothing was stored; retry once
    /// space is freed.
    #[error("the disk is full")]
    Full,
    /// Anything else.
    #[error("database error: {0}")]
    Other(sqlx::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> Self {
        let busy = match &error {
            sqlx::Error::PoolTimedOut => true,
            sqlx::Error::Database(database) => {
                let code = database.code();
                matches!(code.as_deref(), Some("5" | "6" | "261" | "262" | "517"))
                    || database.message().contains("database is locked")
            }
            _ => false,
        };
        let full = match &error {
            sqlx::Error::Database(database) => {
                database.code().as_deref() == Some("13")
                    || database.message().contains("database or disk is full")
            }
            sqlx::Error::Io(io) => io.raw_os_error() == Some(28),
            _ => false,
        };
        if busy {
            DbError::Busy
        } else if full {
            DbError::Full
        } else {
            DbError::Other(error)
        }
    }
}

/// How durable a commit is: `full` syncs the WAL on every commit; `normal`
/// only at checkpoints (a process crash loses nothing, a power loss may lose
/// the last commits).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Durability {
    /// `synchronous=FULL`.
    Full,
    /// `synchronous=NORMAL`.
    Normal,
}

/// The pool and what sits on it.
#[derive(Clone)]
pub struct Database {
    /// The pool.
    pub pool: SqlitePool,
    /// The directory of its file, when it has one.
    dir: Option<std::path::PathBuf>,
}

/// Creates the database file readable and writable by its owner only (0600),
/// and narrows an existing one to that: it holds every CV uploaded. SQLite
/// gives its `-wal` and `-shm` files the same mode.
fn create_private(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(path)?;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
}

/// The migrations, in order: each runs once, recorded in `schema_migrations`.
const MIGRATIONS: &[&str] = &[
    "CREATE TABLE accounts (
        id TEXT PRIMARY KEY,
        plan TEXT NOT NULL DEFAULT 'free',
        payment_status TEXT NOT NULL DEFAULT 'none',
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE cvs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        account_id TEXT NOT NULL,
        format TEXT NOT NULL,
        text TEXT NOT NULL,
        created_at INTEGER NOT NULL
    );
    CREATE TABLE jobs (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        source TEXT NOT NULL,
        external_id TEXT NOT NULL,
        title TEXT NOT NULL,
        company TEXT NOT NULL,
        location TEXT NOT NULL,
        description TEXT NOT NULL,
        skills TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'new',
        posted_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (source, external_id)
    );
    CREATE INDEX jobs_by_status ON jobs (status);
    CREATE TABLE webhook_events (
        id TEXT PRIMARY KEY,
        event_type TEXT NOT NULL,
        outcome TEXT NOT NULL,
        account_id TEXT,
        received_at INTEGER NOT NULL
    );",
    // The row `/ready` writes to prove the database takes writes.
    "CREATE TABLE readiness (
        id INTEGER PRIMARY KEY,
        checked_at INTEGER NOT NULL
    );",
    // What a replay under a known id is compared with: another body is a
    // conflict, not a duplicate.
    "ALTER TABLE webhook_events ADD COLUMN body_sha256 TEXT;",
];

/// The free space `/ready` asks for on the database's file system: room for
/// the largest write (a CV of 1 MiB of text and its sections) and the WAL
/// growing under it.
pub const MIN_FREE_BYTES: u64 = 8 * 1024 * 1024;

/// Whether the database can take writes, as `/ready` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writable {
    /// A write went through and there is room for the largest.
    Yes,
    /// Less than [`MIN_FREE_BYTES`] free, or a write failed for lack of space.
    DiskFull,
    /// Locked, or out of connections.
    Busy,
    /// It does not answer.
    Down,
}

/// The bytes an unprivileged process may still write on the file system of
/// `path` (`statvfs`), if known.
fn free_bytes(path: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut stats = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a NUL-terminated string and `stats` a buffer of the
    // right type; statvfs only writes into it, and it is read only on success.
    let stats = unsafe {
        if libc::statvfs(path.as_ptr(), stats.as_mut_ptr()) != 0 {
            return None;
        }
        stats.assume_init()
    };
    #[allow(clippy::unnecessary_cast)] // the field types differ between targets
    Some((stats.f_bavail as u64).saturating_mul(stats.f_frsize as u64))
}

impl Database {
    /// Opens (creating it if need be) `data_dir/demo.db` and migrates it.
    pub async fn open(
        data_dir: &Path,
        durability: Durability,
        connections: u32,
    ) -> Result<Database, DbError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|error| DbError::Other(sqlx::Error::Io(error)))?;
        let path = data_dir.join("demo.db");
        create_private(&path).map_err(|error| DbError::Other(sqlx::Error::Io(error)))?;
        let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(match durability {
                Durability::Full => SqliteSynchronous::Full,
                Durability::Normal => SqliteSynchronous::Normal,
            })
            .busy_timeout(BUSY_TIMEOUT)
            .foreign_keys(true);
        // Every connection opened at start: the pool's `active + idle` is its
        // size, so `db_connections_active / (active + idle)` is how full it is.
        let pool = SqlitePoolOptions::new()
            .max_connections(connections)
            .min_connections(connections)
            .acquire_timeout(BUSY_TIMEOUT)
            .connect_with(options)
            .await?;
        let database = Database {
            pool,
            dir: Some(data_dir.to_owned()),
        };
        database.migrate().await?;
        Ok(database)
    }

    /// A handle that would connect to an in-memory database on first use and
    /// is never used: what `emit` registers the pool gauges with, so that it
    /// opens no file. Call it inside the async runtime.
    pub fn unopened() -> Database {
        let options = SqliteConnectOptions::new().in_memory(true);
        Database {
            pool: SqlitePoolOptions::new()
                .max_connections(1)
                .connect_lazy_with(options),
            dir: None,
        }
    }

    async fn migrate(&self) -> Result<(), DbError> {
        sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY)")
            .execute(&self.pool)
            .await?;
        for (version, migration) in MIGRATIONS.iter().enumerate() {
            let version = version as i64 + 1;
            let mut transaction = self.pool.begin().await?;
            let applied = sqlx::query("SELECT 1 FROM schema_migrations WHERE version = ?")
                .bind(version)
                .fetch_optional(&mut *transaction)
                .await?
                .is_some();
            if applied {
                continue;
            }
            sqlx::raw_sql(migration).execute(&mut *transaction).await?;
            sqlx::query("INSERT INTO schema_migrations (version) VALUES (?)")
                .bind(version)
                .execute(&mut *transaction)
                .await?;
            transaction.commit().await?;
        }
        Ok(())
    }

    /// Whether the database answers: the health check.
    pub async fn ping(&self) -> bool {
        sqlx::query("SELECT 1").execute(&self.pool).await.is_ok()
    }

    /// Whether the database takes writes: the free space of its file system,
    /// then a real (one-row) write: the readiness check.
    pub async fn writable(&self) -> Writable {
        if let Some(free) = self.dir.as_deref().and_then(free_bytes) {
            if free < MIN_FREE_BYTES {
                return Writable::DiskFull;
            }
        }
        let probe = sqlx::query("INSERT OR REPLACE INTO readiness (id, checked_at) VALUES (1, ?)")
            .bind(now())
            .execute(&self.pool)
            .await;
        match probe.map_err(DbError::from) {
            Ok(_) => Writable::Yes,
            Err(DbError::Full) => Writable::DiskFull,
            Err(DbError::Busy) => Writable::Busy,
            Err(DbError::Other(_)) => Writable::Down,
        }
    }

    /// Connections in use and idle, for `db_connections_active`/`idle`.
    pub fn connections(&self) -> (u32, u32) {
        let idle = u32::try_from(self.pool.num_idle()).unwrap_or(u32::MAX);
        (self.pool.size().saturating_sub(idle), idle)
    }

    /// Closes the pool: what graceful shutdown waits for.
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Now, in unix seconds.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| {
            i64::try_from(since.as_secs()).unwrap_or(i64::MAX)
        })
}
