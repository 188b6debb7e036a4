//! At fleet scale on the real engines from Debian, with the generated files:
//! eight demo instances found by `file_sd` (`targets.json`), two vmagents in
//! cluster mode sharing them (`scrape.yml`) and remote-writing to one
//! VictoriaMetrics, the generated rules in vmalert (recording results written
//! back to the store, alerts to both Alertmanagers), and an Alertmanager pair
//! that gossips, delivering to a webhook receiver inside this test.
//!
//! It proves: each instance is scraped by exactly one scraper; fleet-wide
//! sums in the store equal the sums of direct scrapes; every recording rule
//! and every dashboard query returns data from the store; the store's series
//! are the reference's formula for the instances run; a vmagent killed with
//! SIGKILL mid-run and restarted on its persistent queue loses at most one
//! scrape interval of data; an instance killed with SIGKILL makes exactly one
//! `ServiceDown` notification, naming it, through the pair.
//!
//! Why vmagent and not two Prometheus agents: vmagent's cluster membership
//! (`-promscrape.cluster.membersCount`, `-promscrape.cluster.memberNum`)
//! shares targets with no relabelling to keep in step with the number of
//! scrapers, its `/api/v1/targets` lists only a member's own targets, and its
//! `-remoteWrite.tmpDataPath` queue is on disk by design; `agent.yml`
//! (Prometheus agent mode) is checked by `promtool check config --agent` in
//! `deploy.rs`.

mod common;

use common::{data_dir, emit, series_per_instance, Demo, Receiver, ADMIN_TOKEN, WEBHOOK_SECRET};
use metricate_tests::servers::{encode, free_address, get};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Instances in the fleet.
const INSTANCES: usize = 8;
/// Scrapers sharing them.
const SCRAPERS: usize = 2;
/// Alertmanager's wait per position in the cluster before it notifies, so
/// the second of the pair sees the first's notification and stays silent.
const PEER_TIMEOUT: Duration = Duration::from_secs(3);

/// A server of the fleet, killed (SIGKILL) and reaped when dropped, even
/// when the test fails.
struct Process {
    child: Option<Child>,
    name: String,
    address: SocketAddr,
    log: PathBuf,
    program: &'static str,
    args: Vec<String>,
}

impl Process {
    /// Starts `program args`, its output to `<dir>/<name>.log`, and waits
    /// until `GET ready` answers 200.
    fn start(
        program: &'static str,
        name: &str,
        address: SocketAddr,
        dir: &Path,
        args: Vec<String>,
        ready: &str,
    ) -> Process {
        let mut process = Process {
            child: None,
            name: name.to_owned(),
            address,
            log: dir.join(format!("{name}.log")),
            program,
            args,
        };
        process.spawn(ready);
        process
    }

    fn spawn(&mut self, ready: &str) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("a log file");
        let child = Command::new(self.program)
            .args(&self.args)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("the log, twice"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|error| panic!("{} starts: {error}", self.program));
        self.child = Some(child);
        let started = Instant::now();
        while get(self.address, ready).is_none_or(|(status, _)| status != 200) {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "{} is not ready after 30 s:\n{}",
                self.name,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGKILL, as a crash or the OOM killer does.
    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again with the same flags (and data), waits until ready.
    fn restart(&mut self, ready: &str) {
        self.kill();
        self.spawn(ready);
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// `GET path`, its JSON body.
    fn api(&self, path: &str) -> Value {
        let (status, body) = get(self.address, path)
            .unwrap_or_else(|| panic!("{} does not answer {path}", self.name));
        assert_eq!(status, 200, "{} {path}: {body}", self.name);
        serde_json::from_str(&body)
            .unwrap_or_else(|error| panic!("{} {path}: {error}: {body}", self.name))
    }

    /// An instant query's `data.result`.
    fn query(&self, promql: &str) -> Vec<Value> {
        self.api(&format!("/api/v1/query?query={}", encode(promql)))["data"]["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    /// A query's one value, when it has exactly one.
    fn scalar(&self, promql: &str) -> Option<f64> {
        match self.query(promql).as_slice() {
            [one] => one["value"][1].as_str()?.parse().ok(),
            _ => None,
        }
    }

    /// How many series `selector` matches, over all time.
    fn series(&self, selector: &str) -> usize {
        self.api(&format!(
            "/api/v1/series?start=0&match[]={}",
            encode(selector)
        ))["data"]
            .as_array()
            .map_or(0, Vec::len)
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Whether the fleet's engines are installed: outside CI a missing one skips
/// the test, in CI it fails it.
fn installed() -> bool {
    let missing: Vec<&str> = [
        "victoria-metrics",
        "vmagent",
        "vmalert",
        "prometheus-alertmanager",
    ]
    .into_iter()
    .filter(|program| {
        Command::new(program)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_err()
    })
    .collect();
    if missing.is_empty() {
        return true;
    }
    assert!(
        std::env::var_os("CI").is_none(),
        "{missing:?} required in CI: .ci/run installs victoria-metrics and prometheus-alertmanager"
    );
    eprintln!(
        "skipped: {missing:?} not installed (apt-get install victoria-metrics prometheus-alertmanager)"
    );
    false
}

/// Writes `targets.json` as an operator's tooling must: beside it, then
/// renamed over it, so a scraper never reads half a file.
fn write_targets(dir: &Path, targets: &[String]) {
    let mut args = vec!["targets"];
    for target in targets {
        args.extend(["--target", target]);
    }
    let next = dir.join("targets.json.next");
    std::fs::write(&next, emit(&args)).expect("targets written");
    std::fs::rename(&next, dir.join("targets.json")).expect("targets renamed");
}

fn now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |now| now.as_secs_f64())
}

/// Polls `ready` every 200 ms until it holds; fails after `timeout` with
/// `what` and what `state` says then.
fn wait_for(
    timeout: Duration,
    what: &str,
    mut ready: impl FnMut() -> bool,
    state: impl Fn() -> String,
) {
    let started = Instant::now();
    while !ready() {
        assert!(
            started.elapsed() < timeout,
            "timed out after {timeout:?} waiting until {what}: {}",
            state()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// The sum of every sample of `name` (any labels) in an exposition.
fn sum_in(exposition: &str, name: &str) -> f64 {
    exposition
        .lines()
        .filter(|line| {
            line.strip_prefix(name)
                .is_some_and(|rest| rest.starts_with('{') || rest.starts_with(' '))
        })
        .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

/// The samples of an exposition (its lines that are not comments).
fn samples_in(exposition: &str) -> usize {
    exposition
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .count()
}

/// `demo-app load` of valid traffic against `demo`, in the background.
fn load(demo: &Demo, data_dir: &Path, duration: &str) -> Child {
    Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .args(["load", "--target", &demo.url()])
        .args(["--webhook-secret", WEBHOOK_SECRET])
        .args(["--admin-token", ADMIN_TOKEN, "--data-dir"])
        .arg(data_dir)
        .args([
            "--duration",
            duration,
            "--rate",
            "15",
            "--concurrency",
            "2",
            "--mix",
            "valid",
        ])
        .stdout(Stdio::null())
        .spawn()
        .expect("demo-app load starts")
}

/// The timestamps (seconds) of the samples of `selector` the store holds.
fn exported_timestamps(store: &Process, selector: &str) -> Vec<f64> {
    let (status, body) = get(
        store.address,
        &format!("/api/v1/export?match[]={}", encode(selector)),
    )
    .expect("the store exports");
    assert_eq!(status, 200, "{body}");
    let mut timestamps: Vec<f64> = body
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .flat_map(|series| series["timestamps"].as_array().cloned().unwrap_or_default())
        .filter_map(|timestamp| timestamp.as_f64())
        .map(|millis| millis / 1000.0)
        .collect();
    timestamps.sort_by(f64::total_cmp);
    timestamps
}

#[test]
fn a_fleet_on_vmagent_victoriametrics_vmalert_and_an_alertmanager_pair() {
    if !installed() {
        return;
    }
    let started = Instant::now();
    let dir = data_dir("fleet");
    let root = dir.path();

    // The instances, with a job feed that never fails.
    let feed = Demo::feed(&root.join("feed.log"));
    let feed_url = feed.url();
    let instance_dirs: Vec<PathBuf> = (0..INSTANCES)
        .map(|index| root.join(format!("instance-{index}")))
        .collect();
    let mut instances: Vec<Option<Demo>> = instance_dirs
        .iter()
        .map(|data| {
            std::fs::create_dir_all(data).expect("a data directory");
            Some(Demo::start(data, &["--feed-url", &feed_url]))
        })
        .collect();
    let targets: Vec<String> = instances
        .iter()
        .flatten()
        .map(|demo| demo.address.to_string())
        .collect();

    // The store.
    let store_address = free_address();
    let store = Process::start(
        "victoria-metrics",
        "victoria-metrics",
        store_address,
        root,
        vec![
            format!("-storageDataPath={}", root.join("vm-data").display()),
            format!("-httpListenAddr={store_address}"),
            "-retentionPeriod=1d".to_owned(),
            // Instant queries read up to now - 1 s: samples a second old are
            // complete, and the test need not wait the default 30 s.
            "-search.latencyOffset=1s".to_owned(),
            "-search.disableCache".to_owned(),
            "-search.maxSeries=1000000".to_owned(),
            "-loggerLevel=WARN".to_owned(),
        ],
        "/health",
    );
    let write_url = format!("http://{store_address}/api/v1/write");

    // The scrapers: the generated scrape.yml, the first seven instances in
    // targets.json; the eighth joins later, with no restart.
    let scrape = emit(&["scrape-config", "--scrape-interval", "1s"]);
    std::fs::write(root.join("scrape.yml"), &scrape).expect("scrape.yml written");
    write_targets(root, &targets[..INSTANCES - 1]);
    let mut scrapers: Vec<Process> = (0..SCRAPERS)
        .map(|member| {
            let address = free_address();
            Process::start(
                "vmagent",
                &format!("vmagent-{member}"),
                address,
                root,
                vec![
                    format!("-promscrape.config={}", root.join("scrape.yml").display()),
                    "-promscrape.fileSDCheckInterval=1s".to_owned(),
                    format!("-promscrape.cluster.membersCount={SCRAPERS}"),
                    format!("-promscrape.cluster.memberNum={member}"),
                    format!("-remoteWrite.url={write_url}"),
                    // What a SIGKILL can lose is what waits in memory to be
                    // flushed (1 s by default): at most the scrape in flight.
                    "-remoteWrite.flushInterval=100ms".to_owned(),
                    format!(
                        "-remoteWrite.tmpDataPath={}",
                        root.join(format!("vmagent-{member}-queue")).display()
                    ),
                    format!("-httpListenAddr={address}"),
                    "-loggerLevel=WARN".to_owned(),
                ],
                "/health",
            )
        })
        .collect();

    // The Alertmanager pair, gossiping, and the receiver.
    let receiver = Receiver::start();
    let am_config = emit(&[
        "alertmanager-config",
        "--webhook-url",
        &format!("http://{}/alerts", receiver.address),
        "--group-wait",
        "1s",
    ]);
    std::fs::write(root.join("alertmanager.yml"), &am_config).expect("alertmanager.yml written");
    let gossip = [free_address(), free_address()];
    let alertmanagers: Vec<Process> = (0..2)
        .map(|index| {
            let address = free_address();
            Process::start(
                "prometheus-alertmanager",
                &format!("alertmanager-{index}"),
                address,
                root,
                vec![
                    format!("--config.file={}", root.join("alertmanager.yml").display()),
                    format!(
                        "--storage.path={}",
                        root.join(format!("alertmanager-{index}")).display()
                    ),
                    format!("--web.listen-address={address}"),
                    format!("--cluster.listen-address={}", gossip[index]),
                    format!("--cluster.peer={}", gossip[1 - index]),
                    format!("--cluster.peer-timeout={}s", PEER_TIMEOUT.as_secs()),
                    "--log.level=warn".to_owned(),
                ],
                "/-/ready",
            )
        })
        .collect();
    for alertmanager in &alertmanagers {
        wait_for(
            Duration::from_secs(30),
            "the Alertmanagers see each other",
            || {
                alertmanager.api("/api/v2/status")["cluster"]["peers"]
                    .as_array()
                    .map_or(0, Vec::len)
                    == 2
            },
            || alertmanager.log(),
        );
    }

    // The generated rules in vmalert, threshold alerts after 2 s.
    let rules_text = emit(&["rules", "--alert-for", "2s"]);
    std::fs::write(root.join("rules.yml"), &rules_text).expect("rules.yml written");
    let vmalert_address = free_address();
    let mut vmalert_args = vec![
        format!("-rule={}", root.join("rules.yml").display()),
        format!("-datasource.url=http://{store_address}"),
        format!("-remoteWrite.url=http://{store_address}"),
        "-remoteWrite.flushInterval=500ms".to_owned(),
        "-evaluationInterval=1s".to_owned(),
        format!("-httpListenAddr={vmalert_address}"),
        "-loggerLevel=WARN".to_owned(),
    ];
    for alertmanager in &alertmanagers {
        vmalert_args.push(format!("-notifier.url=http://{}", alertmanager.address));
    }
    let vmalert = Process::start(
        "vmalert",
        "vmalert",
        vmalert_address,
        root,
        vmalert_args,
        "/health",
    );

    // Seven instances up, then the eighth joins through targets.json.
    let up = || {
        store
            .scalar("count(up{job=\"demo-app\"} == 1)")
            .unwrap_or(0.0)
    };
    wait_for(
        Duration::from_secs(30),
        "the first seven instances are up in the store",
        || up() == (INSTANCES - 1) as f64,
        || format!("{} up; vmagent-0: {}", up(), scrapers[0].log()),
    );
    write_targets(root, &targets);
    wait_for(
        Duration::from_secs(30),
        "the eighth instance, added to targets.json, is up in the store",
        || up() == INSTANCES as f64,
        || format!("{} up", up()),
    );

    // Each instance is scraped by exactly one scraper.
    let mut scraped_by: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (member, scraper) in scrapers.iter().enumerate() {
        for target in scraper.api("/api/v1/targets")["data"]["activeTargets"]
            .as_array()
            .into_iter()
            .flatten()
        {
            assert_eq!(target["labels"]["job"], "demo-app", "{target}");
            let instance = target["labels"]["instance"]
                .as_str()
                .expect("an instance label")
                .to_owned();
            scraped_by.entry(instance).or_default().push(member);
        }
    }
    let expected: BTreeSet<&String> = targets.iter().collect();
    assert_eq!(scraped_by.keys().collect::<BTreeSet<_>>(), expected);
    let shares: Vec<usize> = (0..SCRAPERS)
        .map(|member| {
            scraped_by
                .values()
                .filter(|members| members.contains(&member))
                .count()
        })
        .collect();
    assert!(
        scraped_by.values().all(|members| members.len() == 1),
        "scraped by more than one scraper: {scraped_by:?}"
    );
    assert!(
        shares.iter().all(|share| *share > 0),
        "a scraper has no target: {scraped_by:?}"
    );

    // Load on three instances; meanwhile, a scraper with a loaded instance is
    // killed with SIGKILL and restarted on its queue.
    let loaded = 3;
    let mut loads: Vec<Child> = instances
        .iter()
        .flatten()
        .zip(&instance_dirs)
        .take(loaded)
        .map(|(demo, data)| load(demo, data, "12s"))
        .collect();
    std::thread::sleep(Duration::from_secs(4));
    let victim = scraped_by[&targets[0]][0];
    let victim_targets: Vec<String> = scraped_by
        .iter()
        .filter(|(_, members)| members.contains(&victim))
        .map(|(instance, _)| instance.clone())
        .collect();
    let killed_at = now();
    scrapers[victim].kill();
    std::thread::sleep(Duration::from_secs(2));
    scrapers[victim].restart("/health");
    let restarted_at = now();
    for load in &mut loads {
        assert!(load.wait().expect("the load finishes").success());
    }
    std::thread::sleep(Duration::from_secs(3));
    // What the killed scraper had scraped before it died and the store never
    // got: the time from its last sample stored to the kill, and in it the
    // scrapes (one a second) that never reached the store; less than a
    // second is none.
    let mut lost = Vec::new();
    let mut gaps = Vec::new();
    for instance in &victim_targets {
        let timestamps = exported_timestamps(
            &store,
            &format!("up{{job=\"demo-app\",instance=\"{instance}\"}}"),
        );
        let before = timestamps
            .iter()
            .copied()
            .filter(|at| *at <= killed_at)
            .fold(f64::NEG_INFINITY, f64::max);
        let after = timestamps
            .iter()
            .copied()
            .find(|at| *at > killed_at)
            .unwrap_or(f64::INFINITY);
        lost.push(killed_at - before);
        gaps.push(after - before);
    }
    let lost_scrapes: Vec<f64> = lost.iter().map(|seconds| seconds.floor()).collect();
    assert!(
        lost_scrapes.iter().all(|scrapes| *scrapes <= 1.0),
        "the killed scraper lost {lost_scrapes:?} scrapes ({lost:?} s before the kill): more than one 1 s scrape interval"
    );

    // Fleet-wide sums in the store are the sums of direct scrapes, read again
    // until both have settled (a webhook's processing may outlast the load).
    let names = [
        "api_handler_calls_total",
        "ai_match_duration_seconds_count",
        "cv_parse_duration_seconds_count",
        "paypal_webhooks_total",
    ];
    let scrape_all = || -> Vec<String> {
        instances
            .iter()
            .flatten()
            .map(|demo| demo.scrape().0)
            .collect()
    };
    let compare = |scrapes: &[String]| -> Vec<(&str, f64, Option<f64>)> {
        names
            .iter()
            .map(|name| {
                let direct: f64 = scrapes.iter().map(|scrape| sum_in(scrape, name)).sum();
                let stored = store.scalar(&format!("sum({name}{{job=\"demo-app\"}})"));
                (*name, direct, stored)
            })
            .collect()
    };
    let mut scrapes = scrape_all();
    wait_for(
        Duration::from_secs(30),
        "the store's fleet-wide sums are the direct scrapes' sums",
        || {
            scrapes = scrape_all();
            compare(&scrapes)
                .iter()
                .all(|(_, direct, stored)| *direct > 0.0 && Some(*direct) == *stored)
        },
        || format!("(name, direct, stored): {:?}", compare(&scrape_all())),
    );
    let sums = compare(&scrapes);

    // Every rule evaluates in vmalert with no error, and every recording rule
    // returns data from the store.
    let groups = vmalert.api("/api/v1/rules")["data"]["groups"].clone();
    let rules: Vec<Value> = groups
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|group| group["rules"].as_array().cloned().unwrap_or_default())
        .collect();
    let errors: Vec<String> = rules
        .iter()
        .filter(|rule| {
            rule["lastError"]
                .as_str()
                .is_some_and(|error| !error.is_empty())
        })
        .map(|rule| format!("{}: {}", rule["name"], rule["lastError"]))
        .collect();
    assert!(
        errors.is_empty(),
        "rules with errors in vmalert: {errors:?}"
    );
    let records: Vec<String> = rules
        .iter()
        .filter(|rule| rule["type"] == "recording")
        .filter_map(|rule| rule["name"].as_str().map(str::to_owned))
        .collect();
    let alerting = rules.len() - records.len();
    assert_eq!(records.len(), rules_text.matches("- record:").count());
    let empty_records = |records: &[String]| -> Vec<String> {
        records
            .iter()
            .filter(|record| store.query(record).is_empty())
            .cloned()
            .collect()
    };
    wait_for(
        Duration::from_secs(20),
        "every recording rule returns data from the store",
        || empty_records(&records).is_empty(),
        || format!("{:?}", empty_records(&records)),
    );

    // Every dashboard panel's queries return a finite value from the store.
    let (empty_panels, panels) = common::empty_panels(|expr| {
        store
            .query(expr)
            .iter()
            .filter_map(|sample| sample["value"][1].as_str()?.parse::<f64>().ok())
            .filter(|value| value.is_finite())
            .count()
    });
    assert!(
        empty_panels.is_empty(),
        "panels without a finite value in the store: {empty_panels:?}"
    );

    // Series: each instance's in the store are what it exposes
    // (`metricate_series`) plus the scraper's own per target; the whole store
    // is those, the recorded series and vmalert's alert state.
    let reference = emit(&["reference"]);
    let known = series_per_instance(&reference);
    // vmagent's per target: up, scrape_duration_seconds, scrape_samples_scraped,
    // scrape_samples_post_metric_relabeling, scrape_series_added and
    // scrape_timeout_seconds, as the reference says.
    let scraper_series = 6;
    assert!(
        reference.contains(&format!("{scraper_series} for vmagent")),
        "the reference states vmagent's series per target"
    );
    let mut per_instance = Vec::new();
    for (demo, scrape) in instances.iter().flatten().zip(&scrapes) {
        let exposed = sum_in(scrape, "metricate_series");
        #[allow(clippy::cast_precision_loss)]
        let written = samples_in(scrape) as f64;
        assert_eq!(exposed, written, "metricate_series of {}", demo.address);
        let first_use = scrape
            .lines()
            .filter(|line| line.starts_with("http_requests_total{"))
            .count();
        assert_eq!(
            written as usize,
            known + first_use,
            "{}: S + its http_requests_total series",
            demo.address
        );
        let instance = demo.address.to_string();
        let stored = store.series(&format!(
            "{{job=\"demo-app\",instance=\"{instance}\",__name__!~\".+:.+|ALERTS|ALERTS_FOR_STATE\"}}"
        ));
        let scraped = store.series(&format!(
            "{{__name__=~\"up|scrape_.+\",instance=\"{instance}\"}}"
        ));
        assert_eq!(
            scraped, scraper_series,
            "the scraper's series of {instance}"
        );
        assert_eq!(
            stored,
            written as usize + scraper_series,
            "series of {instance} in the store"
        );
        per_instance.push(stored);
    }
    // Every series the store holds, by name, over all time; the recorded
    // ones and vmalert's alert state may still grow while rules evaluate, so
    // all four counts are read together until they agree.
    let census = || {
        let all = store.api(&format!(
            "/api/v1/series?start=0&match[]={}",
            encode("{__name__=~\".+\"}")
        ))["data"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let count = store.api("/api/v1/series/count")["data"][0]
            .as_u64()
            .map_or(0, |count| count as usize);
        (all, count)
    };
    let instance_series: usize = per_instance.iter().sum();
    let mut figures = (0, 0, 0, 0);
    wait_for(
        Duration::from_secs(15),
        "the store's series are the instances', the recorded ones and the alert state",
        || {
            let (all, count) = census();
            let recorded = all
                .iter()
                .filter(|series| {
                    series["__name__"]
                        .as_str()
                        .is_some_and(|name| name.contains(':'))
                })
                .count();
            let alert_state = all
                .iter()
                .filter(|series| {
                    series["__name__"] == "ALERTS" || series["__name__"] == "ALERTS_FOR_STATE"
                })
                .count();
            figures = (all.len(), count, recorded, alert_state);
            all.len() == count && count == instance_series + recorded + alert_state
        },
        || {
            let (all, count) = census();
            let others: BTreeSet<String> = all
                .iter()
                .filter(|series| {
                    let name = series["__name__"].as_str().unwrap_or("");
                    series["instance"].is_null()
                        && !name.contains(':')
                        && !name.starts_with("ALERTS")
                })
                .map(|series| series.to_string())
                .take(20)
                .collect();
            format!(
                "{} listed, /api/v1/series/count {count}, {instance_series} of the instances; others: {others:?}",
                all.len()
            )
        },
    );
    let (total, _, recorded, alert_state) = figures;

    // Samples per scrape of one instance: its samples/s at a 1 s interval.
    let per_scrape = store
        .scalar("avg(scrape_samples_scraped{job=\"demo-app\"})")
        .unwrap_or(0.0);

    // An instance killed with SIGKILL: one ServiceDown notification, naming
    // it, through the pair.
    let killed = targets[INSTANCES - 1].clone();
    if let Some(demo) = instances[INSTANCES - 1].take() {
        demo.kill();
    }
    let instance_killed_at = Instant::now();
    let service_down = || -> Vec<Value> {
        receiver
            .notifications()
            .into_iter()
            .filter(|body| {
                body["alerts"].as_array().is_some_and(|alerts| {
                    alerts.iter().any(|alert| {
                        alert["labels"]["alertname"] == "ServiceDown" && alert["status"] == "firing"
                    })
                })
            })
            .collect()
    };
    wait_for(
        Duration::from_secs(30),
        "ServiceDown reaches the receiver",
        || !service_down().is_empty(),
        || format!("{:?}", receiver.notifications()),
    );
    let notified_after = instance_killed_at.elapsed();
    // Long enough for the second Alertmanager to have notified too, had it
    // not learned of the first's notification by gossip.
    std::thread::sleep(PEER_TIMEOUT * 2 + Duration::from_secs(3));
    let notifications = service_down();
    assert_eq!(
        notifications.len(),
        1,
        "one ServiceDown notification through the pair: {notifications:?}"
    );
    let named: Vec<&str> = notifications[0]["alerts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|alert| alert["labels"]["alertname"] == "ServiceDown")
        .filter_map(|alert| alert["labels"]["instance"].as_str())
        .collect();
    assert_eq!(named, [killed.as_str()]);

    // Capacity: the store's bytes per sample, samples/s per instance.
    let (_, metrics) = get(store_address, "/metrics").expect("the store's metrics");
    let bytes = sum_in(&metrics, "vm_data_size_bytes");
    let rows = sum_in(&metrics, "vm_rows");
    eprintln!(
        "fleet: {INSTANCES} instances, {SCRAPERS} vmagents sharing them {shares:?}; \
         series per instance {per_instance:?} (S = {known} + http_requests_total's + {scraper_series} of the scraper); \
         store: {total} series = {instance_series} of instances + {recorded} recorded + {alert_state} alert state; \
         {records} recording and {alerting} alerting rules without error, {panels} panels with data; \
         scraper {victim} killed for {down:.1} s: last sample stored {lost:?} s before the kill ({lost_scrapes:?} scrapes lost), gaps {gaps:?} s; \
         ServiceDown for {killed} notified once after {notified:.1} s; \
         sums {sums:?}; {per_scrape:.0} samples per scrape of an instance ({per_default:.0}/s at the default 15 s); \
         store {bytes} bytes for {rows} rows ({per_row:.2} bytes per sample); \
         wall time {wall:.1} s",
        records = records.len(),
        down = restarted_at - killed_at,
        notified = notified_after.as_secs_f64(),
        per_default = per_scrape / 15.0,
        per_row = if rows > 0.0 { bytes / rows } else { 0.0 },
        wall = started.elapsed().as_secs_f64(),
    );
    drop(feed);
}
