//! The fixed names metricate itself exports, whatever the binary declares:
//! the HTTP layer's families (feature `axum`), the `process_*` families
//! [`init`](crate::init) declares, `build_info`, and the label `errors`
//! adds. The code that declares those families uses these constants, and so
//! can anything that reads them (dashboards, rules, tests), so no copy of a
//! name can drift from the one exported.
//!
//! ```
//! metricate::init();
//! # #[cfg(target_os = "linux")]
//! assert!(metricate::catalog().family(metricate::names::PROCESS_RESIDENT_MEMORY_BYTES).is_some());
//! ```

/// HTTP requests answered, by `method`, `route` and `status` (counter).
pub const HTTP_REQUESTS_TOTAL: &str = "http_requests_total";
/// Time until the response head was ready, by `method` and `route` (histogram).
pub const HTTP_REQUEST_DURATION_SECONDS: &str = "http_request_duration_seconds";
/// HTTP requests being handled, by `method` and `route` (gauge).
pub const HTTP_REQUESTS_IN_PROGRESS: &str = "http_requests_in_progress";
/// Size of request bodies, by `method` and `route` (histogram).
pub const HTTP_REQUEST_SIZE_BYTES: &str = "http_request_size_bytes";
/// Size of response bodies, by `method` and `route` (histogram).
pub const HTTP_RESPONSE_SIZE_BYTES: &str = "http_response_size_bytes";

/// User and system CPU time spent (counter).
pub const PROCESS_CPU_SECONDS_TOTAL: &str = "process_cpu_seconds_total";
/// Resident memory size (gauge).
pub const PROCESS_RESIDENT_MEMORY_BYTES: &str = "process_resident_memory_bytes";
/// Virtual memory size (gauge).
pub const PROCESS_VIRTUAL_MEMORY_BYTES: &str = "process_virtual_memory_bytes";
/// Open file descriptors (gauge).
pub const PROCESS_OPEN_FDS: &str = "process_open_fds";
/// The limit on open file descriptors (gauge).
pub const PROCESS_MAX_FDS: &str = "process_max_fds";
/// When the process started, in seconds since the Unix epoch (gauge).
pub const PROCESS_START_TIME_SECONDS: &str = "process_start_time_seconds";

/// The series metricate's store exposes in this process, as the text format
/// writes them (each bucket, `_sum` and `_count` of a histogram counts):
/// what one scrape adds to a scraper's series; alert on its growth (gauge).
pub const METRICATE_SERIES: &str = "metricate_series";

/// The running build, from [`register_build_info`](crate::register_build_info) (gauge).
pub const BUILD_INFO: &str = "build_info";

/// The label an `errors` counter is split by: the error's variant, `panic`
/// or `cancelled`.
pub const ERROR_TYPE: &str = "error_type";

/// Worker threads of the tokio runtime (gauge; feature `tokio`).
pub const TOKIO_WORKERS: &str = "tokio_workers";
/// Tasks alive in the tokio runtime (gauge; feature `tokio`).
pub const TOKIO_ALIVE_TASKS: &str = "tokio_alive_tasks";
/// Tasks in the tokio runtime's global queue, not yet picked up by a worker
/// (gauge; feature `tokio`).
pub const TOKIO_GLOBAL_QUEUE_DEPTH: &str = "tokio_global_queue_depth";
/// Time each tokio worker spent busy, by `worker` (counter; feature `tokio`).
pub const TOKIO_WORKER_BUSY_SECONDS_TOTAL: &str = "tokio_worker_busy_seconds_total";
/// Times each tokio worker parked (went idle), by `worker` (counter; feature `tokio`).
pub const TOKIO_WORKER_PARKS_TOTAL: &str = "tokio_worker_parks_total";
/// Tasks each tokio worker polled, by `worker` (counter; feature `tokio`,
/// built with `--cfg tokio_unstable`).
pub const TOKIO_WORKER_POLLS_TOTAL: &str = "tokio_worker_polls_total";
/// Tasks spawned on the tokio runtime (counter; feature `tokio`, built with
/// `--cfg tokio_unstable`).
pub const TOKIO_SPAWNED_TASKS_TOTAL: &str = "tokio_spawned_tasks_total";
/// Threads of the tokio runtime's blocking pool (gauge; feature `tokio`,
/// built with `--cfg tokio_unstable`).
pub const TOKIO_BLOCKING_THREADS: &str = "tokio_blocking_threads";
