//! A restart on the same data directory keeps everything, and a webhook
//! replayed after it is a duplicate that changes nothing.

mod common;

use common::{data_dir, delta, Demo};
use serde_json::json;

#[test]
fn a_restart_keeps_every_change_and_a_replayed_webhook_changes_nothing() {
    let dir = data_dir("restart");
    let demo = Demo::start(dir.path(), &[]);
    let cv = demo.call(
        "POST",
        "/api/cvs",
        &[("content-type", "text/plain")],
        b"Grace Hopper\n\nSkills\nCOBOL, compilers\n",
    );
    assert_eq!(cv.status, 201, "{}", cv.body);
    let cv = cv.json();
    let jobs = demo.get("/api/jobs?limit=100").json();
    let job_id = jobs["jobs"][0]["id"].as_i64().expect("a job");
    let changed = demo.json(
        "PATCH",
        &format!("/api/jobs/{job_id}"),
        &json!({ "status": "applied" }),
    );
    assert_eq!(changed.status, 200);
    let now = demo_app::db::now();
    let upgrade = json!({
        "id": "WH-restart",
        "event_type": "BILLING.SUBSCRIPTION.ACTIVATED",
        "resource": { "account_id": "hopper", "plan": "team" },
    })
    .to_string();
    assert_eq!(demo.webhook(&upgrade, now).json()["status"], "applied");
    let status = demo.stop();
    assert!(status.success(), "a graceful stop exits 0: {status}");

    let demo = Demo::start(dir.path(), &[]);
    let stored = demo.get(&format!("/api/cvs/{}", cv["id"]));
    assert_eq!(stored.status, 200);
    assert_eq!(stored.json()["sections"], cv["sections"]);
    assert_eq!(
        demo.get(&format!("/api/jobs/{job_id}")).json()["status"],
        "applied"
    );
    let again = demo.get("/api/jobs?limit=100").json();
    assert_eq!(
        again["total"], jobs["total"],
        "the first-start samples were not added twice"
    );

    // The plan change survived: a search as `hopper` counts under `team`.
    let before = demo.scrape();
    demo.call(
        "GET",
        "/api/jobs?limit=1",
        &[("x-account-id", "hopper")],
        b"",
    );
    let after = demo.scrape();
    let labels = [("feature", "job_search"), ("plan", "team")];
    assert_eq!(delta(&before, &after, "feature_usage_total", &labels), 1.0);

    // The replay is a duplicate, counted as one, and applies nothing.
    let cancel_replay = demo.webhook(&upgrade, now);
    assert_eq!(cancel_replay.json()["status"], "duplicate");
    let after_replay = demo.scrape();
    let counted = |outcome| {
        [
            ("event_type", "subscription_activated"),
            ("outcome", outcome),
        ]
    };
    assert_eq!(
        delta(
            &after,
            &after_replay,
            "paypal_webhooks_total",
            &counted("duplicate")
        ),
        1.0
    );
    assert_eq!(
        delta(
            &after,
            &after_replay,
            "paypal_webhooks_total",
            &counted("applied")
        ),
        0.0
    );
    let status = demo.stop();
    assert!(status.success(), "{status}");
}
