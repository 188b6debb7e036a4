//! `process_*` metrics of the running process, read from `/proc` at scrape time,
//! with the names the Prometheus client libraries of other languages use.

use prometheus::core::{Collector, Desc};
use prometheus::proto::MetricFamily;
use prometheus::{Counter, Gauge, Opts};
use std::sync::Mutex;

/// Linux reports CPU time in clock ticks of `USER_HZ`, which is 100 on every
/// architecture Rust supports there; reading `sysconf` would need libc for one constant.
const CLOCK_TICKS_PER_SECOND: f64 = 100.0;

/// Collects `process_cpu_seconds_total`, `process_resident_memory_bytes`,
/// `process_virtual_memory_bytes`, `process_open_fds`, `process_max_fds` and
/// `process_start_time_seconds` from `/proc/self` on each scrape. Off Linux it
/// collects nothing.
pub(crate) struct ProcessCollector {
    cpu_seconds: Counter,
    resident_memory: Gauge,
    virtual_memory: Gauge,
    open_fds: Gauge,
    max_fds: Gauge,
    start_time: Gauge,
    /// The CPU seconds already added to the counter, which can only go up by deltas.
    cpu_seen: Mutex<f64>,
}

impl ProcessCollector {
    pub(crate) fn new() -> prometheus::Result<Self> {
        let gauge = |name: &str, help: &str| Gauge::with_opts(Opts::new(name, help));
        Ok(ProcessCollector {
            cpu_seconds: Counter::with_opts(Opts::new(
                "process_cpu_seconds_total",
                "Total user and system CPU time spent in seconds.",
            ))?,
            resident_memory: gauge(
                "process_resident_memory_bytes",
                "Resident memory size in bytes.",
            )?,
            virtual_memory: gauge(
                "process_virtual_memory_bytes",
                "Virtual memory size in bytes.",
            )?,
            open_fds: gauge("process_open_fds", "Number of open file descriptors.")?,
            max_fds: gauge(
                "process_max_fds",
                "Maximum number of open file descriptors.",
            )?,
            start_time: gauge(
                "process_start_time_seconds",
                "Start time of the process since unix epoch in seconds.",
            )?,
            cpu_seen: Mutex::new(0.0),
        })
    }

    fn metrics(&self) -> [&dyn Collector; 6] {
        [
            &self.cpu_seconds,
            &self.resident_memory,
            &self.virtual_memory,
            &self.open_fds,
            &self.max_fds,
            &self.start_time,
        ]
    }

    /// Reads `/proc`; a file that cannot be read leaves its metrics as they were.
    fn refresh(&self) {
        if let Some(stat) = read("/proc/self/stat").as_deref().and_then(ProcStat::parse) {
            let cpu = (stat.utime_ticks + stat.stime_ticks) as f64 / CLOCK_TICKS_PER_SECOND;
            let mut seen = self
                .cpu_seen
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if cpu > *seen {
                self.cpu_seconds.inc_by(cpu - *seen);
                *seen = cpu;
            }
            self.virtual_memory.set(stat.vsize_bytes as f64);
            if let Some(boot) = read("/proc/stat").as_deref().and_then(boot_time_seconds) {
                self.start_time
                    .set(boot as f64 + stat.starttime_ticks as f64 / CLOCK_TICKS_PER_SECOND);
            }
        }
        if let Some(rss) = read("/proc/self/status")
            .as_deref()
            .and_then(resident_bytes)
        {
            self.resident_memory.set(rss as f64);
        }
        if let Ok(entries) = std::fs::read_dir("/proc/self/fd") {
            self.open_fds.set(entries.count() as f64);
        }
        if let Some(max) = read("/proc/self/limits")
            .as_deref()
            .and_then(max_open_files)
        {
            self.max_fds.set(max as f64);
        }
    }
}

impl Collector for ProcessCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.metrics()
            .into_iter()
            .flat_map(|metric| metric.desc())
            .collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        if !cfg!(target_os = "linux") {
            return Vec::new();
        }
        self.refresh();
        self.metrics()
            .into_iter()
            .flat_map(|metric| metric.collect())
            .collect()
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
pub fn register_build_info(
    package: &str,
    version: &str,
    git_commit: Option<&str>,
) -> prometheus::Result<()> {
    let gauge = prometheus::IntGaugeVec::new(
        Opts::new("build_info", "The running build: 1, labelled with the package, its version, the rustc that built it and the git commit."),
        &["package", "version", "rustc_version", "git_commit"],
    )?;
    gauge
        .with_label_values(&[
            package,
            version,
            env!("METRICATE_RUSTC_VERSION"),
            git_commit.unwrap_or("unknown"),
        ])
        .set(1);
    crate::registry().register(Box::new(gauge))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn collects_live_values_on_linux() {
        let collector = ProcessCollector::new().unwrap();
        let families = collector.collect();
        let value = |name: &str| {
            families
                .iter()
                .find(|family| family.name() == name)
                .map(|family| {
                    let metric = &family.get_metric()[0];
                    if name.ends_with("_total") {
                        metric.get_counter().get_value()
                    } else {
                        metric.get_gauge().get_value()
                    }
                })
        };
        assert!(value("process_resident_memory_bytes").unwrap() > 0.0);
        assert!(value("process_open_fds").unwrap() >= 3.0);
        let start = value("process_start_time_seconds").unwrap();
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
