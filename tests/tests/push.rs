//! Pushing to the real Prometheus Pushgateway (feature `push`): the grouping
//! key's escaping (a `/` in a value, an empty one), both formats, PUT replacing
//! a group and POST merging into it, and a refusal with the gateway's reason.

// Test helpers called by the tests: a failure should fail the test loudly.
#![allow(clippy::unwrap_used)]

use metricate::push::{Method, PushError, PushFormat, Pushgateway};
use metricate_tests::sample_in;
use metricate_tests::servers::{self, get};

/// What the Pushgateway exposes for Prometheus to scrape.
fn exposed(gateway: &servers::Server) -> String {
    let (status, body) = get(gateway.address, "/metrics").unwrap();
    assert_eq!(status, 200);
    body
}

#[test]
fn pushes_arrive_in_their_group_by_put_and_post_in_both_formats() {
    let Some(gateway) = servers::pushgateway() else {
        return;
    };
    let url = format!("http://{}", gateway.address);
    let group = [("job", "push_test"), ("instance", ""), ("shard", "eu/west")];

    metricate::counter!("push_test_rows_total", help = "Rows imported.").inc_by(7_u32);
    Pushgateway::new(&url, "push_test")
        .grouping("shard", "eu/west")
        .push()
        .unwrap();
    let text = exposed(&gateway);
    assert_eq!(
        sample_in(&text, "push_test_rows_total", &group),
        Some(7.0),
        "{text}"
    );
    assert!(text.contains("# HELP push_test_rows_total Rows imported.\n"));

    // POST in protobuf: the names pushed are replaced, the group kept.
    metricate::counter!("push_test_rows_total", help = "Rows imported.").inc_by(3_u32);
    Pushgateway::new(&url, "push_test")
        .grouping("shard", "eu/west")
        .method(Method::Post)
        .format(PushFormat::Protobuf)
        .push()
        .unwrap();
    let text = exposed(&gateway);
    assert_eq!(
        sample_in(&text, "push_test_rows_total", &group),
        Some(10.0),
        "{text}"
    );

    // A job name with a `/` and an empty grouping value, sent base64-encoded.
    Pushgateway::new(&url, "backup/db")
        .grouping("tier", "")
        .push()
        .unwrap();
    let text = exposed(&gateway);
    assert_eq!(
        sample_in(
            &text,
            "push_test_rows_total",
            &[("job", "backup/db"), ("instance", ""), ("tier", "")]
        ),
        Some(10.0),
        "{text}"
    );

    // Deleting the group removes its metrics.
    Pushgateway::new(&url, "backup/db")
        .grouping("tier", "")
        .delete()
        .unwrap();
    let text = exposed(&gateway);
    assert_eq!(
        sample_in(
            &text,
            "push_test_rows_total",
            &[("job", "backup/db"), ("instance", ""), ("tier", "")]
        ),
        None
    );
}

#[test]
fn a_refused_push_is_the_gateways_status_and_reason() {
    let Some(gateway) = servers::pushgateway() else {
        return;
    };
    // Another job pushed `push_test_conflict` as a gauge; metricate's is a
    // counter, so the Pushgateway refuses the push as inconsistent.
    let pushed = servers::request(
        gateway.address,
        "PUT",
        "/metrics/job/other",
        &[],
        b"# TYPE push_test_conflict_total gauge\npush_test_conflict_total 1\n",
    )
    .unwrap();
    assert_eq!(pushed.status, 200, "{}", pushed.body);
    metricate::counter!("push_test_conflict_total").inc();
    match Pushgateway::new(format!("http://{}", gateway.address), "push_test").push() {
        Err(PushError::Status { status, body }) => {
            assert_eq!(status, 400, "{body}");
            assert!(body.contains("push_test_conflict_total"), "{body}");
        }
        answer => panic!(
            "a conflicting push must be refused: {answer:?}\n{}",
            gateway.log()
        ),
    }
}

#[test]
fn a_job_is_pushed_once_it_ends_with_a_value_an_error_or_a_panic() {
    let Some(gateway) = servers::pushgateway() else {
        return;
    };
    let url = format!("http://{}", gateway.address);
    let pushed = |run: &str| {
        sample_in(
            &exposed(&gateway),
            "push_after_runs_total",
            &[("job", "push_after"), ("instance", ""), ("run", run)],
        )
    };
    let runs = metricate::counter!("push_after_runs_total", help = "Runs of the job.");

    // A value, then an `Err`: each returned as the job returned it, pushed.
    let (value, push) = Pushgateway::new(&url, "push_after")
        .grouping("run", "ok")
        .push_after(|| {
            runs.inc();
            42
        });
    assert_eq!(value, 42);
    push.unwrap();
    assert_eq!(pushed("ok"), Some(1.0));
    let (failed, push) = Pushgateway::new(&url, "push_after")
        .grouping("run", "error")
        .push_after(|| -> Result<(), &str> {
            runs.inc();
            Err("the feed is down")
        });
    assert_eq!(failed, Err("the feed is down"));
    push.unwrap();
    assert_eq!(pushed("error"), Some(2.0));

    // A panic: pushed while it unwinds, then resumed.
    let panicked = std::panic::catch_unwind(|| {
        Pushgateway::new(&url, "push_after")
            .grouping("run", "panic")
            .push_after(|| {
                runs.inc();
                panic!("the job panicked")
            })
    });
    assert!(panicked.is_err());
    assert_eq!(pushed("panic"), Some(3.0));
}
