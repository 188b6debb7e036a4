//! Issue 17, points 10 to 13, against the real binary: secrets given by flag
//! or environment never printed; a CV readable and tailorable by its owner
//! alone, under ids not found by counting; the webhook timestamp signed
//! exactly as sent, and a replayed id with another body a conflict; the
//! database file private; a UTF-8 BOM stripped.

mod common;

use common::{data_dir, delta, Demo, WEBHOOK_SECRET};
use serde_json::json;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

/// The banner `serve` prints (up to its last line) and its log, with
/// `args` and `env`.
fn banner(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)]) -> (String, String) {
    let log = dir.join("banner.log");
    let mut child = Command::new(env!("CARGO_BIN_EXE_demo-app"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--scan-every",
            "1h",
            "--data-dir",
        ])
        .arg(dir)
        .args(args)
        .envs(env.iter().copied())
        .env("RUST_LOG", "debug")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(&log).expect("a log"))
        .spawn()
        .expect("demo-app starts");
    let mut printed = String::new();
    let stdout = child.stdout.take().expect("stdout");
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("a line");
        printed.push_str(&line);
        printed.push('\n');
        if line.trim_start().starts_with("load:") {
            break;
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    (printed, std::fs::read_to_string(log).unwrap_or_default())
}

#[test]
fn secrets_given_by_flag_or_environment_are_never_printed() {
    let dir = data_dir("secrets-given");
    let (printed, log) = banner(
        dir.path(),
        &["--admin-token", "flag-token-a1b2c3"],
        &[("DEMO_WEBHOOK_SECRET", "env-secret-d4e5f6")],
    );
    for secret in ["flag-token-a1b2c3", "env-secret-d4e5f6"] {
        assert!(!printed.contains(secret), "{secret} printed:\n{printed}");
        assert!(!log.contains(secret), "{secret} logged");
    }
    assert_eq!(
        printed
            .matches("(given by flag or environment, not shown)")
            .count(),
        2,
        "{printed}"
    );

    // Generated dev secrets are printed, and said to be such.
    let dir = data_dir("secrets-generated");
    let (printed, _) = banner(dir.path(), &[], &[]);
    assert_eq!(
        printed
            .matches("(dev, generated and kept in the data directory)")
            .count(),
        2,
        "{printed}"
    );
}

#[test]
fn a_cv_is_its_owners_alone_under_an_id_not_found_by_counting() {
    let dir = data_dir("cv-owner");
    let demo = Demo::start(dir.path(), &[]);
    let as_account = |account: &str| [("x-account-id", account.to_owned())];
    let call = |method: &str, path: &str, account: &str, body: &serde_json::Value| {
        let headers = as_account(account);
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut all = headers.clone();
        all.push(("content-type", "application/json"));
        if method == "GET" {
            demo.call(method, path, &headers, b"")
        } else {
            demo.call(method, path, &all, body.to_string().as_bytes())
        }
    };
    let uploaded = demo.call(
        "POST",
        "/api/cvs",
        &[("content-type", "text/plain"), ("x-account-id", "alice")],
        b"Alice\n\nSkills\nRust, Kafka\n",
    );
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    let id = uploaded.json()["id"].as_i64().expect("an id");
    let path = format!("/api/cvs/{id}");
    let work = json!({ "cv_id": id, "job_id": 1, "model": "v3.0" });
    let tailoring = json!({ "cv_id": id, "job_id": 1 });
    assert_eq!(call("GET", &path, "alice", &json!(null)).status, 200);
    assert_eq!(call("POST", "/api/match", "alice", &work).status, 200);
    assert_eq!(call("POST", "/api/tailor", "alice", &tailoring).status, 200);
    for other in ["bob", "demo"] {
        assert_eq!(
            call("GET", &path, other, &json!(null)).status,
            404,
            "{other}"
        );
        assert_eq!(
            call("POST", "/api/match", other, &work).status,
            404,
            "{other}"
        );
        assert_eq!(
            call("POST", "/api/tailor", other, &tailoring).status,
            404,
            "{other}"
        );
    }
    assert_eq!(
        demo.get(&path).status,
        404,
        "no account header: the demo account's"
    );
    // Ids are random, not a count: none of the ids next to one is a CV, and
    // they are far apart.
    let ids: Vec<i64> = (0..5)
        .map(|_| {
            let answer = demo.call(
                "POST",
                "/api/cvs",
                &[("content-type", "text/plain"), ("x-account-id", "alice")],
                b"Alice\n\nSkills\nRust\n",
            );
            answer.json()["id"].as_i64().expect("an id")
        })
        .collect();
    for pair in ids.windows(2) {
        assert!((pair[0] - pair[1]).abs() > 1_000, "{ids:?}");
    }
    for id in &ids {
        assert!(*id >= 1 && *id < 1 << 53, "{id}");
        for near in [id - 1, id + 1] {
            assert_eq!(
                call("GET", &format!("/api/cvs/{near}"), "alice", &json!(null)).status,
                404
            );
        }
    }
}

fn webhook(demo: &Demo, timestamp: &str, signature: &str, body: &str) -> common::Response {
    demo.call(
        "POST",
        "/webhooks/paypal",
        &[
            ("content-type", "application/json"),
            ("x-webhook-timestamp", timestamp),
            ("x-webhook-signature", signature),
        ],
        body.as_bytes(),
    )
}

#[test]
fn the_webhook_timestamp_is_signed_as_sent_and_a_replayed_id_with_another_body_is_a_conflict() {
    let dir = data_dir("webhook-signing");
    let demo = Demo::start(dir.path(), &[]);
    let now = demo_app::db::now();
    let body = json!({
        "id": "WH-SIGNED-AS-SENT",
        "event_type": "BILLING.SUBSCRIPTION.ACTIVATED",
        "resource": { "account_id": "carol", "plan": "pro" },
    })
    .to_string();
    let signature = demo_app::webhooks::sign(WEBHOOK_SECRET.as_bytes(), now, body.as_bytes());
    let before = demo.scrape();
    // The signature is over `<ts>`: the same number written otherwise fails.
    for (sent, reason) in [
        (format!("+{now}"), "malformed"),
        (format!("00{now}"), "forged"),
        (format!("{now}.0"), "malformed"),
    ] {
        let answer = webhook(&demo, &sent, &signature, &body);
        assert_eq!(answer.status, 401, "{sent:?}: {}", answer.body);
        let after = demo.scrape();
        assert!(
            delta(
                &before,
                &after,
                "paypal_webhook_rejections_total",
                &[("reason", reason)]
            ) >= 1.0,
            "{sent:?} counted as {reason}"
        );
    }
    let after = demo.scrape();
    assert_eq!(
        delta(
            &before,
            &after,
            "paypal_webhook_rejections_total",
            &[("reason", "malformed")]
        ),
        2.0
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "paypal_webhook_rejections_total",
            &[("reason", "forged")]
        ),
        1.0
    );
    assert_eq!(
        delta(
            &before,
            &after,
            "paypal_webhooks_total",
            &[
                ("event_type", "subscription_activated"),
                ("outcome", "rejected")
            ]
        ),
        3.0
    );
    // Exactly as signed: applied.
    let applied = webhook(&demo, &now.to_string(), &signature, &body);
    assert_eq!(applied.status, 200, "{}", applied.body);
    assert_eq!(applied.json()["status"], "applied");

    // The same id again: with the same body a duplicate; with another body
    // answered duplicate as well, and counted as a conflict.
    let same = demo.webhook(&body, now);
    assert_eq!(same.json()["status"], "duplicate");
    let other = json!({
        "id": "WH-SIGNED-AS-SENT",
        "event_type": "BILLING.SUBSCRIPTION.ACTIVATED",
        "resource": { "account_id": "carol", "plan": "team" },
    })
    .to_string();
    let tampered = demo.webhook(&other, now);
    assert_eq!(tampered.status, 200, "{}", tampered.body);
    assert_eq!(tampered.json()["status"], "duplicate");
    let end = demo.scrape();
    let outcome = |outcome: &str| {
        delta(
            &after,
            &end,
            "paypal_webhooks_total",
            &[
                ("event_type", "subscription_activated"),
                ("outcome", outcome),
            ],
        )
    };
    assert_eq!(
        (
            outcome("applied"),
            outcome("duplicate"),
            outcome("conflict")
        ),
        (1.0, 1.0, 1.0)
    );
}

#[test]
fn the_database_is_private_and_a_bom_is_stripped() {
    let dir = data_dir("private-db");
    let demo = Demo::start(dir.path(), &[]);
    let uploaded = demo.call(
        "POST",
        "/api/cvs",
        &[("content-type", "text/plain")],
        "\u{feff}Ada Lovelace\nada@example.com\n\nSkills\nRust\n".as_bytes(),
    );
    assert_eq!(uploaded.status, 201, "{}", uploaded.body);
    assert_eq!(
        uploaded.json()["sections"]["contact"],
        "Ada Lovelace\nada@example.com"
    );
    for file in ["demo.db", "demo.db-wal", "demo.db-shm"] {
        let path = dir.path().join(file);
        let mode = std::fs::metadata(&path).expect(file).permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{file}: {mode:o}");
    }
}
