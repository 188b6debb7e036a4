//! The service put together: database, feed, scans, routes and metrics; served
//! until SIGINT or SIGTERM, then in-flight requests finish and the pool closes.

use crate::api::{self, App};
use crate::cli::ServeArgs;
use crate::db::{self, Database};
use crate::feed::{self, FeedConfig};
use crate::fixtures;
use crate::matching::Corpus;
use crate::scan::{self, FeedClient};
use crate::secrets::{self, Origin, Secrets};
use crate::server::{self, ConnectionLimits};
use crate::webhooks::Plan;
use axum::Router;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// How long a request may take to be answered.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Why the service could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The database could not be opened or migrated.
    #[error("the database could not be opened: {0}")]
    Database(#[from] db::DbError),
    /// The dev secrets could not be read or kept in the data directory.
    #[error("the dev secrets could not be kept in the data directory: {0}")]
    Secrets(std::io::Error),
    /// The address could not be bound.
    #[error("could not listen: {0}")]
    Listen(#[from] std::io::Error),
    /// The feed client could not be made.
    #[error("the feed client could not be made: {0}")]
    Feed(#[from] scan::FeedError),
}

/// The demo account and a few sample jobs, on first start.
async fn seed(database: &Database) -> Result<(), db::DbError> {
    db::accounts::ensure(database, db::DEMO_ACCOUNT, Plan::Free).await?;
    let samples: Vec<_> = (0..8)
        .map(|index| fixtures::posting(2026, "sample", index))
        .collect();
    db::jobs::insert_new(database, "sample", &samples).await?;
    Ok(())
}

/// The metrics route and layer, with the gauges read from the database and the
/// pool. metricate is the only way the service records metrics. After this,
/// the catalogue holds every family the service exports: what `emit` reads.
pub fn with_metrics(router: Router, database: &Database) -> Router {
    use crate::db::jobs::JobStatus;
    use metricate::http::MetricsEndpoint;
    declare_build_info();
    register_runtime_metrics(&tokio::runtime::Handle::current());
    metricate::exemplars::set_trace_id_source(crate::trace::current);
    let pool = database.clone();
    let _ = metricate::computed_gauge!(
        "db_connections_active",
        help = "Database connections in use.",
        move || { pool.connections().0 }
    );
    let pool = database.clone();
    let _ = metricate::computed_gauge!(
        "db_connections_idle",
        help = "Database connections open and idle.",
        move || { pool.connections().1 }
    );
    let database = database.clone();
    let endpoint = MetricsEndpoint::new().before_scrape(move || {
        let database = database.clone();
        async move {
            // Jobs by status, read from the database at each scrape.
            if let Ok(counts) = db::jobs::count_by_status(&database).await {
                for (status, jobs) in counts {
                    metricate::gauge!("iam_jobs", help = "Jobs stored, by status.", status: JobStatus = status)
                        .set(jobs as f64);
                }
            }
        }
    });
    let router = router.merge(endpoint.router()).layer(metrics_layer());
    metricate::init();
    for problem in metricate::problems() {
        tracing::warn!(%problem, "metric problem");
    }
    router
}

/// The HTTP metrics layer: built here, for the service and for `emit`, so the
/// catalogue names this line as the HTTP families' site. The routes' series
/// come from the router, which learns them as `api::routes` adds them.
pub fn metrics_layer() -> metricate::http::HttpMetricsLayer {
    metricate::http::HttpMetricsLayer::new()
}

/// Declares `build_info`: here, for the service and for `emit`.
pub fn declare_build_info() {
    let _ = metricate::register_build_info!();
}

/// Registers the readings of the tokio runtime `runtime` (workers, alive
/// tasks, global queue depth, busy time): here, for the service and for `emit`.
/// A second registration is refused, and ignored.
pub fn register_runtime_metrics(runtime: &tokio::runtime::Handle) {
    let _ = metricate::tokio_runtime::register(runtime);
}

/// The feed to scan: `--feed-url`, or one started on loopback.
async fn feed_url(args: &ServeArgs) -> Result<String, StartError> {
    match &args.feed_url {
        Some(url) => Ok(url.clone()),
        None => Ok(start_feed().await?),
    }
}

/// Starts the built-in job feed on loopback, in this runtime: its URL.
pub async fn start_feed() -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?;
    let config = FeedConfig {
        latency: Duration::from_millis(20),
        // Well under the 5 % error ratio the generated alerts page at (half
        // as many again are slow).
        fail_rate: 0.01,
        seed: 1,
    };
    tokio::spawn(async move {
        if let Err(error) = feed::serve(listener, config, std::future::pending()).await {
            tracing::error!(%error, "the built-in feed stopped");
        }
    });
    Ok(format!("http://{address}"))
}

/// Scans every `every`, the first at once, one at a time with the admin route's.
fn schedule_scans(app: Arc<App>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            ticks.tick().await;
            let _scanning = app.scanning.lock().await;
            match scan::run_scan(&app.database, &app.feed, &app.corpus).await {
                Ok(report) => tracing::info!(found = report.found, new = report.new, "scan done"),
                Err(error) => tracing::warn!(%error, "scan failed"),
            }
        }
    })
}

/// Serves until SIGINT or SIGTERM.
pub async fn serve(args: ServeArgs) -> Result<(), StartError> {
    let database = Database::open(&args.data_dir, args.durability, args.connections).await?;
    seed(&database).await?;
    let feed_url = feed_url(&args).await?;
    let (secrets, token_origin, secret_origin) = secrets::resolve(
        &args.data_dir,
        args.admin_token.as_deref(),
        args.webhook_secret.as_deref(),
    )
    .map_err(StartError::Secrets)?;
    let app = Arc::new(App {
        database: database.clone(),
        feed: FeedClient::new(&feed_url)?,
        corpus: RwLock::new(Arc::new(Corpus::default())),
        admin_token: secrets.admin_token.clone(),
        webhook_secret: secrets.webhook_secret.clone().into_bytes(),
        scanning: tokio::sync::Mutex::new(()),
        parse_timeout: args.parse_timeout,
    });
    scan::rebuild_corpus(&database, &app.corpus).await?;
    let body_timeout = args.body_timeout;
    let router = api::router(Arc::clone(&app))
        // One deadline for the whole body (not reset by each chunk): 408.
        .layer(axum::middleware::map_request(move |request| async move {
            api::body::with_deadline(request, body_timeout)
        }))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ));
    let router = with_metrics(router, &database)
        // Outermost: everything below, the HTTP metrics included, runs in the trace.
        .layer(axum::middleware::from_fn(crate::trace::middleware));

    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    let address = listener.local_addr()?;
    print_banner(
        address,
        &feed_url,
        &args,
        &secrets,
        token_origin,
        secret_origin,
    );
    let scans = schedule_scans(Arc::clone(&app), args.scan_every);

    let limits = ConnectionLimits {
        max_connections: args.max_connections,
        header_timeout: args.header_timeout,
    };
    server::serve(listener, router, limits, server::shutdown_signal()).await;
    tracing::info!("shutting down: in-flight requests finished");
    scans.abort();
    database.close().await;
    tracing::info!("database closed");
    Ok(())
}

fn print_banner(
    address: SocketAddr,
    feed_url: &str,
    args: &ServeArgs,
    secrets: &Secrets,
    token_origin: Origin,
    secret_origin: Origin,
) {
    let base = format!("http://{address}");
    // The first line is for scripts and tests: the address actually bound.
    println!("listening on {base}");
    println!();
    println!("  API        {base}/api/jobs");
    println!("  health     {base}/health");
    println!("  metrics    {base}/metrics");
    println!("  job feed   {feed_url}");
    println!("  data       {}", args.data_dir.display());
    println!();
    println!("  try:       curl -s '{base}/api/jobs?limit=3'");
    println!(
        "             printf 'Ada Lovelace\\n\\nSkills\\nRust, Kafka\\n' | curl -s -H 'Content-Type: text/plain' --data-binary @- {base}/api/cvs"
    );
    println!("             curl -s {base}/metrics | grep cv_parse");
    println!();
    // A secret given by flag or environment is never printed: only the dev
    // secrets this service generated, and said to be such.
    let shown = |secret: &str, origin: Origin| match origin {
        Origin::Given => "(given by flag or environment, not shown)".to_owned(),
        Origin::Kept => format!("{secret} (dev, generated and kept in the data directory)"),
    };
    println!(
        "  admin token     {}",
        shown(&secrets.admin_token, token_origin)
    );
    println!(
        "  webhook secret  {}",
        shown(&secrets.webhook_secret, secret_origin)
    );
    println!();
    println!("  load:      cargo run -p demo-app --release -- load --target {base}");
}
