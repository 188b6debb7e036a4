//! The `metrics` facade, bridged (feature `metrics`): a dependency that knows
//! only the `metrics` crate is exported beside metricate's own families, in
//! every format, with exact values; names that break the rules are fixed and
//! reported; an exploding label is capped at the family's series cap, and
//! names made from data at the cap of families.

// Test helpers called by the tests: a failure should fail the test loudly.
#![allow(clippy::unwrap_used)]

use metricate::{FacadeName, Format, MetricKind, Problem};
use metricate_tests::sample_in;
use std::sync::Once;

/// The cap of series per family these tests install.
const MAX_SERIES: usize = 5;

/// Installs the facade once for every test of this binary.
fn installed() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        metricate::facade::Facade::new()
            .max_series(MAX_SERIES)
            .buckets("facade_dep_payload_size_bytes", &[100.0, 10.0, 1000.0])
            .install()
            .unwrap();
    });
}

/// A library that knows only the `metrics` facade, as a dependency would.
mod dependency {
    pub(crate) fn describe() {
        metrics::describe_counter!("facade_dep_jobs_total", "Jobs the worker library ran.");
        metrics::describe_histogram!(
            "facade_dep_job_duration",
            metrics::Unit::Seconds,
            "Time a job took."
        );
        metrics::describe_gauge!(
            "facade_dep_backlog",
            metrics::Unit::Milliseconds,
            "Age of the oldest queued job."
        );
    }

    pub(crate) fn run_job(queue: &'static str, seconds: f64) {
        metrics::counter!("facade_dep_jobs_total", "queue" => queue).increment(1);
        metrics::histogram!("facade_dep_job_duration").record(seconds);
        metrics::gauge!("facade_dep_workers").increment(1.0);
        metrics::histogram!("facade_dep_payload_size_bytes").record(150.0);
    }

    pub(crate) fn finish() {
        metrics::gauge!("facade_dep_workers").decrement(1.0);
        metrics::gauge!("facade_dep_backlog").set(250.0);
    }
}

fn text() -> String {
    metricate::render()
}

#[test]
fn a_dependency_on_the_facade_is_exported_with_exact_values_in_every_format() {
    installed();
    dependency::describe();
    for seconds in [0.02, 0.3, 4.0] {
        dependency::run_job("mail", seconds);
    }
    dependency::run_job("pdf", 0.001);
    dependency::finish();

    let text = text();
    let jobs = |queue| sample_in(&text, "facade_dep_jobs_total", &[("queue", queue)]);
    assert_eq!((jobs("mail"), jobs("pdf")), (Some(3.0), Some(1.0)));
    assert!(text.contains("# HELP facade_dep_jobs_total Jobs the worker library ran.\n"));
    assert!(text.contains("# TYPE facade_dep_jobs_total counter\n"));
    // Described in seconds: the histogram's name gains its unit, and its
    // buckets are the duration defaults.
    let bucket = |le| {
        sample_in(
            &text,
            "facade_dep_job_duration_seconds_bucket",
            &[("le", le)],
        )
    };
    assert_eq!(
        (
            bucket("0.005"),
            bucket("0.025"),
            bucket("0.5"),
            bucket("5"),
            bucket("+Inf")
        ),
        (Some(1.0), Some(2.0), Some(3.0), Some(4.0), Some(4.0))
    );
    assert_eq!(
        sample_in(&text, "facade_dep_job_duration_seconds_sum", &[]),
        Some(0.02 + 0.3 + 4.0 + 0.001)
    );
    assert_eq!(sample_in(&text, "facade_dep_workers", &[]), Some(3.0));
    // A unit the name does not carry is said in the HELP text.
    assert!(text.contains(
        "# HELP facade_dep_backlog Age of the oldest queued job. (unit: milliseconds)\n"
    ));
    assert_eq!(sample_in(&text, "facade_dep_backlog", &[]), Some(250.0));
    // The buckets given at install, sorted.
    let payload = |le| sample_in(&text, "facade_dep_payload_size_bytes_bucket", &[("le", le)]);
    assert_eq!(
        (payload("10"), payload("100"), payload("1000")),
        (Some(0.0), Some(0.0), Some(4.0))
    );

    let openmetrics = String::from_utf8(metricate::render_with(Format::OpenMetrics)).unwrap();
    assert!(openmetrics.contains("# TYPE facade_dep_jobs counter\n"));
    assert!(openmetrics.contains("# UNIT facade_dep_job_duration_seconds seconds\n"));
    assert_eq!(
        sample_in(&openmetrics, "facade_dep_jobs_total", &[("queue", "mail")]),
        Some(3.0)
    );

    let protobuf = metricate::render_with(Format::Protobuf);
    let families = proto::families(&protobuf);
    let jobs = families
        .iter()
        .find(|family| family.name == "facade_dep_jobs_total")
        .unwrap();
    assert_eq!(jobs.help, "Jobs the worker library ran.");
    assert_eq!(
        jobs.counters,
        [
            (vec![("queue".to_owned(), "mail".to_owned())], 3.0),
            (vec![("queue".to_owned(), "pdf".to_owned())], 1.0)
        ]
    );

    let catalog = metricate::catalog();
    let family = catalog.family("facade_dep_jobs_total").unwrap();
    assert!(family.known_at_run_time);
    assert_eq!(family.kind, MetricKind::Counter);
    assert_eq!(
        family.sites[0].module_path,
        module_path!().to_owned() + "::dependency"
    );
}

#[test]
fn facade_series_are_served_on_the_metrics_route() {
    installed();
    metrics::counter!("facade_route_hits_total", "route" => "search").increment(4);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let address = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let router = metricate::http::MetricsEndpoint::new().router();
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        address
    });
    let (status, body) = metricate_tests::servers::get(address, "/metrics").unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        sample_in(&body, "facade_route_hits_total", &[("route", "search")]),
        Some(4.0)
    );
}

#[test]
fn increments_from_many_threads_all_count() {
    installed();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            std::thread::spawn(|| {
                for _ in 0..1000 {
                    metrics::counter!("facade_threads_events_total").increment(1);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    metrics::counter!("facade_threads_absolute_total").absolute(40);
    metrics::counter!("facade_threads_absolute_total").absolute(30);
    let text = text();
    assert_eq!(
        sample_in(&text, "facade_threads_events_total", &[]),
        Some(4000.0)
    );
    // A counter never goes down: an absolute value below it is ignored.
    assert_eq!(
        sample_in(&text, "facade_threads_absolute_total", &[]),
        Some(40.0)
    );
}

#[test]
fn a_name_that_breaks_the_rules_is_exported_fixed_and_reported() {
    installed();
    metrics::counter!("facade.badName", "le" => "x").increment(2);
    metrics::gauge!("__facade_reserved_count").set(1.0);
    metrics::gauge!("...").set(1.0);

    let text = text();
    assert_eq!(
        sample_in(&text, "facade_bad_name_total", &[("exported_le", "x")]),
        Some(2.0)
    );
    assert_eq!(sample_in(&text, "facade_reserved", &[]), Some(1.0));
    let problems = metricate::problems();
    let facade_names: Vec<&FacadeName> = problems
        .iter()
        .filter_map(|problem| match problem {
            Problem::FacadeName(name)
                if name.metric.starts_with("facade.")
                    || name.metric.starts_with("__facade")
                    || name.metric == "..." =>
            {
                Some(&**name)
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        facade_names,
        [
            &FacadeName {
                metric: "facade.badName".to_owned(),
                label: None,
                reason: "not lower snake_case `[a-z_][a-z0-9_]*`; a counter's name ends in `_total`".to_owned(),
                exported: Some("facade_bad_name_total".to_owned()),
            },
            &FacadeName {
                metric: "facade.badName".to_owned(),
                label: Some("le".to_owned()),
                reason: "reserved: Prometheus uses it itself (the buckets `le`, `quantile`, the target's `job` and `instance`, or a `__` name)".to_owned(),
                exported: Some("exported_le".to_owned()),
            },
            &FacadeName {
                metric: "__facade_reserved_count".to_owned(),
                label: None,
                reason: "`__` starts names reserved for Prometheus; `_count` ends only the series of histograms and summaries".to_owned(),
                exported: Some("facade_reserved".to_owned()),
            },
            &FacadeName {
                metric: "...".to_owned(),
                label: None,
                reason: "not lower snake_case `[a-z_][a-z0-9_]*`".to_owned(),
                exported: None,
            },
        ]
    );
}

#[test]
fn an_exploding_label_is_capped_into_one_overflow_series_reported_once() {
    installed();
    for request in 0..20_u32 {
        // Each value once, then the first value again: 21 increments.
        metrics::counter!("facade_explode_requests_total", "request" => request.to_string())
            .increment(1);
    }
    metrics::counter!("facade_explode_requests_total", "request" => "0").increment(1);

    let text = text();
    let count = text
        .lines()
        .filter(|line| line.starts_with("facade_explode_requests_total{"))
        .count();
    assert_eq!(count, MAX_SERIES + 1, "{text}");
    assert_eq!(
        sample_in(&text, "facade_explode_requests_total", &[("request", "0")]),
        Some(2.0)
    );
    assert_eq!(
        sample_in(
            &text,
            "facade_explode_requests_total",
            &[("request", "overflow")]
        ),
        Some(15.0)
    );
    let overflows: Vec<Problem> = metricate::problems()
        .into_iter()
        .filter(|problem| matches!(problem, Problem::FacadeOverflow { name, .. } if *name == "facade_explode_requests_total"))
        .collect();
    assert_eq!(
        overflows,
        [Problem::FacadeOverflow {
            name: "facade_explode_requests_total",
            max_series: MAX_SERIES
        }]
    );
}

#[test]
fn names_made_from_data_stop_at_the_family_cap_reported_once() {
    // A recorder of its own, with a cap of 2 families: names past it are
    // not recorded; the families made before it go on recording.
    let recorder = metricate::facade::Facade::new().max_families(2).build();
    metrics::with_local_recorder(&recorder, || {
        for user in 0..5 {
            metrics::counter!(format!("facade_cap_user{user}_logins_total")).increment(1);
        }
        metrics::counter!("facade_cap_user0_logins_total").increment(1);
        metrics::counter!("facade_cap_user4_logins_total").increment(1);
    });
    let text = text();
    assert_eq!(
        sample_in(&text, "facade_cap_user0_logins_total", &[]),
        Some(2.0)
    );
    assert_eq!(
        sample_in(&text, "facade_cap_user1_logins_total", &[]),
        Some(1.0)
    );
    for user in 2..5 {
        assert!(
            !text.contains(&format!("facade_cap_user{user}_logins_total")),
            "{text}"
        );
    }
    let overflows: Vec<Problem> = metricate::problems()
        .into_iter()
        .filter(|problem| matches!(problem, Problem::FacadeFamilyOverflow { .. }))
        .collect();
    assert_eq!(
        overflows,
        [Problem::FacadeFamilyOverflow {
            name: "facade_cap_user2_logins_total".to_owned(),
            max_families: 2
        }]
    );
}

#[test]
fn a_family_declared_in_the_source_keeps_its_shape_and_buckets() {
    installed();
    metricate::histogram!(
        "facade_shared_size_bytes",
        help = "Sizes.",
        buckets = [10.0, 100.0]
    )
    .observe(5.0);
    metrics::histogram!("facade_shared_size_bytes").record(50.0);
    metricate::gauge!("facade_shared_depth").set(2.0);
    // A counter under a gauge's name: the gauge keeps it; the conflict is reported.
    metrics::counter!("facade_shared_depth").increment(1);
    metrics::counter!("facade_shared_depth_total").increment(1);

    let text = text();
    let bucket = |le| sample_in(&text, "facade_shared_size_bytes_bucket", &[("le", le)]);
    assert_eq!(
        (bucket("10"), bucket("100"), bucket("+Inf")),
        (Some(1.0), Some(2.0), Some(2.0))
    );
    assert!(text.contains("# HELP facade_shared_size_bytes Sizes.\n"));
    assert_eq!(sample_in(&text, "facade_shared_depth", &[]), Some(2.0));
    assert!(text.contains("# TYPE facade_shared_depth gauge\n"));
    assert!(!text.contains("facade_shared_depth_total"));
    let catalog = metricate::catalog();
    assert!(
        !catalog
            .family("facade_shared_size_bytes")
            .unwrap()
            .known_at_run_time
    );
    assert!(metricate::problems().iter().any(|problem| matches!(
        problem,
        Problem::Conflict(conflict) if conflict.name == "facade_shared_depth_total"
    )));
}

/// Just enough of the protobuf wire format to read the families back.
mod proto {
    pub(crate) struct Family {
        pub(crate) name: String,
        pub(crate) help: String,
        /// Each counter series: its labels and value.
        pub(crate) counters: Vec<(Vec<(String, String)>, f64)>,
    }

    fn varint(bytes: &[u8], at: &mut usize) -> u64 {
        let mut value = 0;
        let mut shift = 0;
        loop {
            let byte = bytes[*at];
            *at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return value;
            }
            shift += 7;
        }
    }

    /// The fields of one message: number, and bytes (length-delimited) or the
    /// 8 bytes of a double, or a varint's value as bytes.
    fn fields(bytes: &[u8]) -> Vec<(u64, Vec<u8>)> {
        let mut at = 0;
        let mut fields = Vec::new();
        while at < bytes.len() {
            let key = varint(bytes, &mut at);
            let value = match key & 7 {
                0 => varint(bytes, &mut at).to_le_bytes().to_vec(),
                1 => {
                    at += 8;
                    bytes[at - 8..at].to_vec()
                }
                2 => {
                    let length = usize::try_from(varint(bytes, &mut at)).unwrap();
                    at += length;
                    bytes[at - length..at].to_vec()
                }
                wire => panic!("wire type {wire}"),
            };
            fields.push((key >> 3, value));
        }
        fields
    }

    fn string(bytes: &[u8]) -> String {
        String::from_utf8(bytes.to_vec()).unwrap()
    }

    pub(crate) fn families(bytes: &[u8]) -> Vec<Family> {
        let mut at = 0;
        let mut families = Vec::new();
        while at < bytes.len() {
            let length = usize::try_from(varint(bytes, &mut at)).unwrap();
            let message = &bytes[at..at + length];
            at += length;
            let mut family = Family {
                name: String::new(),
                help: String::new(),
                counters: Vec::new(),
            };
            for (field, value) in fields(message) {
                match field {
                    1 => family.name = string(&value),
                    2 => family.help = string(&value),
                    4 => {
                        let mut labels = Vec::new();
                        let mut counter = None;
                        for (field, value) in fields(&value) {
                            match field {
                                1 => {
                                    let pair = fields(&value);
                                    labels.push((string(&pair[0].1), string(&pair[1].1)));
                                }
                                3 => {
                                    let (_, double) = fields(&value).remove(0);
                                    counter = Some(f64::from_le_bytes(double.try_into().unwrap()));
                                }
                                _ => {}
                            }
                        }
                        if let Some(value) = counter {
                            family.counters.push((labels, value));
                        }
                    }
                    _ => {}
                }
            }
            families.push(family);
        }
        families
    }
}
