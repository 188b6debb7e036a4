//! `process_*` metrics of the running process, read from `/proc` at scrape time,
//! with the names the Prometheus client libraries of other languages use; the
//! `metricate_series` gauge, the series the store exposes; and the
//! `build_info` gauge.

use crate::computed::{self, Computed};
use crate::store::{self, Callback, Declaration};
use crate::value::Gauge;
use crate::vocabulary::{LabelInfo, MetricKind, Problem, SiteInfo};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Linux reports CPU time in clock ticks of `USER_HZ`, which is 100 on every
/// architecture Rust supports there; reading `sysconf` would need libc for one constant.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// One read of `/proc`, shared by the families of one scrape.
#[derive(Clone, Copy, Default)]
struct Snapshot {
    cpu_seconds: Option<f64>,
    virtual_bytes: Option<f64>,
    start_time_seconds: Option<f64>,
    resident_bytes: Option<f64>,
    open_fds: Option<f64>,
    max_fds: Option<f64>,
}

impl Snapshot {
    fn read() -> Snapshot {
        let stat = read("/proc/self/stat").as_deref().and_then(ProcStat::parse);
        let boot = read("/proc/stat").as_deref().and_then(boot_time_seconds);
        Snapshot {
            cpu_seconds: stat
                .as_ref()
                .map(|stat| (stat.utime_ticks + stat.stime_ticks) as f64 / CLOCK_TICKS_PER_SECOND),
            virtual_bytes: stat.as_ref().map(|stat| stat.vsize_bytes as f64),
            start_time_seconds: stat.as_ref().zip(boot).map(|(stat, boot)| {
                boot as f64 + stat.starttime_ticks as f64 / CLOCK_TICKS_PER_SECOND
            }),
            resident_bytes: read("/proc/self/status")
                .as_deref()
                .and_then(resident_bytes)
                .map(|bytes| bytes as f64),
            open_fds: std::fs::read_dir("/proc/self/fd")
                .ok()
                .map(|entries| entries.count() as f64),
            max_fds: read("/proc/self/limits")
                .as_deref()
                .and_then(max_open_files)
                .map(|max| max as f64),
        }
    }

    /// The last snapshot when it is fresh, so one scrape reads `/proc` once.
    fn current() -> Snapshot {
        static LAST: Mutex<Option<(Instant, Snapshot)>> = Mutex::new(None);
        let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
        match *last {
            Some((taken, snapshot)) if taken.elapsed() < Duration::from_millis(100) => snapshot,
            _ => {
                let snapshot = Snapshot::read();
                *last = Some((Instant::now(), snapshot));
                snapshot
            }
        }
    }
}

/// What each `process_*` family is and how a snapshot gives its value.
type Field = fn(&Snapshot) -> Option<f64>;

/// The `process_*` families (on Linux): name, kind, help, field.
fn families() -> Vec<(&'static str, MetricKind, &'static str, Field)> {
    if !cfg!(target_os = "linux") {
        return Vec::new();
    }
    vec![
        (
            crate::names::PROCESS_CPU_SECONDS_TOTAL,
            MetricKind::Counter,
            "Total user and system CPU time spent in seconds.",
            |s| s.cpu_seconds,
        ),
        (
            crate::names::PROCESS_RESIDENT_MEMORY_BYTES,
            MetricKind::Gauge,
            "Resident memory size in bytes.",
            |s| s.resident_bytes,
        ),
        (
            crate::names::PROCESS_VIRTUAL_MEMORY_BYTES,
            MetricKind::Gauge,
            "Virtual memory size in bytes.",
            |s| s.virtual_bytes,
        ),
        (
            crate::names::PROCESS_OPEN_FDS,
            MetricKind::Gauge,
            "Number of open file descriptors.",
            |s| s.open_fds,
        ),
        (
            crate::names::PROCESS_MAX_FDS,
            MetricKind::Gauge,
            "Maximum number of open file descriptors.",
            |s| s.max_fds,
        ),
        (
            crate::names::PROCESS_START_TIME_SECONDS,
            MetricKind::Gauge,
            "Start time of the process since unix epoch in seconds.",
            |s| s.start_time_seconds,
        ),
    ]
}

/// The help of `metricate_series`.
const SERIES_HELP: &str = "Series metricate exposes in this process, as the text format writes them (a histogram's buckets, _sum and _count each count): what one scrape adds to a scraper's series.";

/// The `process_*` families and `metricate_series` as declared, before their
/// callbacks: the catalogue lists them from start.
pub(crate) fn declarations() -> Vec<Declaration> {
    families()
        .into_iter()
        .map(|(name, kind, help, _)| (name, kind, help))
        .chain([(
            crate::names::METRICATE_SERIES,
            MetricKind::Gauge,
            SERIES_HELP,
        )])
        .map(|(name, kind, help)| Declaration {
            name,
            kind,
            help: help.to_owned(),
            labels: Vec::new(),
            bounds: &[],
            site: here(),
        })
        .collect()
}

/// Gives the `process_*` families (on Linux) their callbacks, read from
/// `/proc` at each scrape, and `metricate_series` its own: the store's
/// series (the exposition adds the computed ones it reads).
pub(crate) fn declare() -> Result<(), Problem> {
    let count: Callback = Arc::new(|| {
        #[allow(clippy::cast_precision_loss)]
        let series = store::store().written_series() as f64;
        Ok(vec![(Vec::new(), series)])
    });
    computed::declare(
        Computed {
            name: crate::names::METRICATE_SERIES,
            kind: MetricKind::Gauge,
            help: SERIES_HELP,
            labels: Vec::new(),
            site: here(),
        },
        count,
    )?;
    for (name, kind, help, field) in families() {
        let read: Callback = Arc::new(move || {
            field(&Snapshot::current())
                .map(|value| vec![(Vec::new(), value)])
                .ok_or_else(|| format!("`{name}` could not be read from /proc"))
        });
        computed::declare(
            Computed {
                name,
                kind,
                help,
                labels: Vec::new(),
                site: here(),
            },
            read,
        )?;
    }
    Ok(())
}

fn here() -> SiteInfo {
    SiteInfo {
        file: file!(),
        line: line!(),
        module_path: module_path!(),
        function: None,
    }
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The fields of `/proc/self/stat` that the metrics need.
#[derive(Debug, PartialEq)]
struct ProcStat {
    utime_ticks: u64,
    stime_ticks: u64,
    starttime_ticks: u64,
    vsize_bytes: u64,
}

impl ProcStat {
    /// The command name (field 2) may contain spaces and parentheses, so fields
    /// are counted from the last `)`: field 3 is the first after it.
    fn parse(stat: &str) -> Option<ProcStat> {
        let after_name = &stat[stat.rfind(')')? + 1..];
        let fields: Vec<&str> = after_name.split_whitespace().collect();
        let field = |number: usize| fields.get(number - 3)?.parse::<u64>().ok();
        Some(ProcStat {
            utime_ticks: field(14)?,
            stime_ticks: field(15)?,
            starttime_ticks: field(22)?,
            vsize_bytes: field(23)?,
        })
    }
}

fn boot_time_seconds(proc_stat: &str) -> Option<u64> {
    proc_stat
        .lines()
        .find_map(|line| line.strip_prefix("btime "))?
        .trim()
        .parse()
        .ok()
}

fn resident_bytes(status: &str) -> Option<u64> {
    let kilobytes: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()?;
    Some(kilobytes * 1024)
}

fn max_open_files(limits: &str) -> Option<u64> {
    limits
        .lines()
        .find_map(|line| line.strip_prefix("Max open files"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The `build_info` gauge: 1, labelled with what was built. See
/// [`register_build_info!`](crate::register_build_info).
#[doc(hidden)]
#[track_caller]
pub fn register_build_info(
    package: &'static str,
    version: &'static str,
    git_commit: Option<&'static str>,
) -> Result<(), Problem> {
    let location = std::panic::Location::caller();
    let values = [
        package,
        version,
        env!("METRICATE_RUSTC_VERSION"),
        git_commit.unwrap_or("unknown"),
    ];
    let joined = store::join_once(&Declaration {
        name: BUILD_INFO,
        kind: MetricKind::Gauge,
        help: BUILD_INFO_HELP.to_owned(),
        labels: BUILD_INFO_LABELS
            .iter()
            .zip(values)
            .map(|(name, value)| LabelInfo {
                name,
                values: Some(vec![value]),
            })
            .collect(),
        bounds: &[],
        site: SiteInfo {
            file: location.file(),
            line: location.line(),
            module_path: "",
            function: None,
        },
    })?;
    Gauge::new(joined.gauge_cell(&values)).set(1.0);
    Ok(())
}

/// The `build_info` gauge's name, labels and help.
const BUILD_INFO: &str = crate::names::BUILD_INFO;
const BUILD_INFO_LABELS: [&str; 4] = ["package", "version", "rustc_version", "git_commit"];
const BUILD_INFO_HELP: &str =
    "The running build: 1, labelled with the package, its version, the rustc that built it and the git commit.";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metricate_series_counts_every_sample_the_text_format_writes() {
        crate::init();
        let text = crate::render();
        let samples = text
            .lines()
            .filter(|line| !line.is_empty() && !line.starts_with('#'))
            .count();
        let own: f64 = text
            .lines()
            .find_map(|line| line.strip_prefix("metricate_series "))
            .and_then(|value| value.trim().parse().ok())
            .expect("metricate_series is written");
        #[allow(clippy::cast_precision_loss)]
        let expected = samples as f64;
        assert_eq!(own, expected, "{text}");
    }

    #[test]
    fn parses_stat_with_a_tricky_command_name() {
        let stat = "42 (a) b (c) S 1 42 42 0 -1 4194304 10 0 0 0 250 50 0 0 20 0 1 0 7000 3133440 382 18446744073709551615";
        assert_eq!(
            ProcStat::parse(stat),
            Some(ProcStat {
                utime_ticks: 250,
                stime_ticks: 50,
                starttime_ticks: 7000,
                vsize_bytes: 3_133_440
            })
        );
        assert_eq!(ProcStat::parse("garbage"), None);
    }

    #[test]
    fn parses_status_limits_and_boot_time() {
        assert_eq!(
            resident_bytes("Name:\tx\nVmRSS:\t    2184 kB\n"),
            Some(2184 * 1024)
        );
        assert_eq!(
            max_open_files("Limit Soft Hard Units\nMax open files            20000                20000                files\n"),
            Some(20_000)
        );
        assert_eq!(
            boot_time_seconds("cpu 1 2\nbtime 1795302039\n"),
            Some(1_795_302_039)
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn reads_live_values_on_linux() {
        let snapshot = Snapshot::read();
        assert!(snapshot.resident_bytes.unwrap() > 0.0);
        assert!(snapshot.open_fds.unwrap() >= 3.0);
        let start = snapshot.start_time_seconds.unwrap();
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs_f64();
        assert!(
            start > now - 3600.0 && start <= now + 1.0,
            "start {start}, now {now}"
        );
    }
}
