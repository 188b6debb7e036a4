//! Property tests of what hostile input reaches first: the CV parsers, the
//! webhook verification and payload handling, and the flags of `emit`.
//! Whatever the bytes, an answer (a parse or an error), never a panic, and in
//! bounded time.

use demo_app::cli::EmitArgs;
use demo_app::cv::{fixtures, parse, CvError, CvFormat, MAX_CV_BYTES};
use demo_app::webhooks::{sign, verify, Payload, MAX_AGE_SECONDS};
use metricate_ops::Artifact;
use proptest::collection::vec;
use proptest::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Cases per property: `PROPTEST_CASES` overrides it.
const CASES: u32 = 256;
/// The slowest parse seen, in microseconds, for the closing line.
static SLOWEST_PARSE_MICROS: AtomicU64 = AtomicU64::new(0);

const FORMATS: [CvFormat; 4] = [
    CvFormat::Pdf,
    CvFormat::Docx,
    CvFormat::Markdown,
    CvFormat::PlainText,
];
const CV: &str = "Ada Lovelace\nada@example.com\n\nSummary\nEngineer.\n\nExperience\nAnalyst (1842)\n\nSkills\nRust, Kafka\n";

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(CASES),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Parses, timing it; a parse is bounded (a hang, not slowness, fails this).
fn timed_parse(format: CvFormat, body: &[u8]) -> Result<(), CvError> {
    let started = Instant::now();
    let parsed = parse(format, body);
    let micros = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    SLOWEST_PARSE_MICROS.fetch_max(micros, Ordering::Relaxed);
    assert!(
        micros < 10_000_000,
        "{format:?}: a parse of {} bytes took {micros} µs",
        body.len()
    );
    parsed.map(|parsed| assert!(!parsed.text.trim().is_empty()))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_bytes_in_any_format_parse_or_fail_cleanly(
        format in prop::sample::select(FORMATS.to_vec()),
        body in vec(any::<u8>(), 0..8192),
    ) {
        match timed_parse(format, &body) {
            Err(CvError::Empty) => prop_assert!(body.is_empty()),
            Err(CvError::TooLarge { .. }) => prop_assert!(body.len() > MAX_CV_BYTES),
            _ => {}
        }
    }

    #[test]
    fn damaged_documents_parse_or_fail_cleanly(
        docx in any::<bool>(),
        damage in vec((any::<prop::sample::Index>(), any::<u8>()), 1..24),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let (format, mut document) = if docx {
            (CvFormat::Docx, fixtures::docx(CV))
        } else {
            (CvFormat::Pdf, fixtures::pdf(CV))
        };
        for (at, byte) in damage {
            let at = at.index(document.len());
            document[at] = byte;
        }
        if truncate {
            document.truncate(cut.index(document.len()));
        }
        let _ = timed_parse(format, &document);
    }

    #[test]
    fn text_uploads_keep_their_words(words in vec("[A-Za-z]{1,12}", 1..60)) {
        let text = words.join(" ");
        let parsed = parse(CvFormat::PlainText, text.as_bytes()).map_err(|error| TestCaseError::fail(error.to_string()))?;
        for word in &words {
            prop_assert!(parsed.text.contains(word.as_str()));
        }
    }

    #[test]
    fn webhook_bodies_parse_or_fail_cleanly(body in vec(any::<u8>(), 0..2048)) {
        if let Ok(payload) = Payload::parse(&body) {
            prop_assert!(!payload.id.is_empty() && payload.id.len() <= 128);
            let _ = payload.change();
        }
    }

    #[test]
    fn webhook_payloads_of_any_fields_are_judged_without_panic(
        id in ".{0,200}",
        event_type in prop::sample::select(vec![
            "BILLING.SUBSCRIPTION.ACTIVATED", "BILLING.SUBSCRIPTION.CANCELLED", "BILLING.SUBSCRIPTION.SUSPENDED",
            "PAYMENT.SALE.COMPLETED", "PAYMENT.SALE.DENIED", "CUSTOMER.DISPUTE.CREATED", "",
        ]),
        account in proptest::option::of(".{0,200}"),
        plan in proptest::option::of(prop::sample::select(vec!["free", "pro", "team", "gold", ""])),
    ) {
        let body = serde_json::json!({ "id": id, "event_type": event_type, "resource": { "account_id": account, "plan": plan } });
        match Payload::parse(body.to_string().as_bytes()) {
            Ok(payload) => {
                prop_assert!((1..=128).contains(&id.len()));
                let _ = payload.change();
            }
            Err(_) => prop_assert!(id.is_empty() || id.len() > 128),
        }
    }

    #[test]
    fn a_signature_verifies_only_for_its_secret_body_and_time(
        secret in vec(any::<u8>(), 1..64),
        other in vec(any::<u8>(), 1..64),
        body in vec(any::<u8>(), 0..1024),
        flip in any::<prop::sample::Index>(),
        now in 1_000_000_000i64..4_000_000_000,
        age in -MAX_AGE_SECONDS..=MAX_AGE_SECONDS,
    ) {
        let timestamp = now - age;
        let signature = sign(&secret, timestamp, &body);
        let stamp = timestamp.to_string();
        prop_assert!(verify(&secret, Some(&stamp), Some(&signature), &body, now).is_ok());
        if other != secret {
            let forged = sign(&other, timestamp, &body);
            prop_assert!(verify(&secret, Some(&stamp), Some(&forged), &body, now).is_err());
        }
        if !body.is_empty() {
            let mut tampered = body.clone();
            let at = flip.index(tampered.len());
            tampered[at] ^= 0x01;
            prop_assert!(verify(&secret, Some(&stamp), Some(&signature), &tampered, now).is_err());
        }
        let stale = (now - MAX_AGE_SECONDS - 1).to_string();
        let stale_signature = sign(&secret, now - MAX_AGE_SECONDS - 1, &body);
        prop_assert!(verify(&secret, Some(&stale), Some(&stale_signature), &body, now).is_err());
    }

    #[test]
    fn any_signature_headers_are_judged_without_panic(
        timestamp in proptest::option::of(".{0,40}"),
        signature in proptest::option::of(".{0,200}"),
        body in vec(any::<u8>(), 0..256),
    ) {
        let verified = verify(b"secret", timestamp.as_deref(), signature.as_deref(), &body, 1_800_000_000);
        prop_assert!(verified.is_err() || signature.as_deref().is_some_and(|signature| signature.starts_with("sha256=")));
    }
}

proptest! {
    #![proptest_config(config())]

    /// Any job, URLs, targets and durations an operator passes: every file is
    /// written, never a panic; the JSON ones parse and carry the job and the
    /// targets as given; no YAML file's header comment is broken by the job.
    #[test]
    fn emit_writes_every_file_for_any_flags(
        job in "(?s).{0,24}",
        targets in vec("(?s).{0,24}", 0..3),
        webhook_url in "(?s).{0,24}",
        runbook_url in "(?s).{0,24}",
        seconds in vec(0u64..1_000_000, 3),
        millis in 0u64..1000,
    ) {
        for artifact in Artifact::ALL {
            let args = EmitArgs {
                what: artifact.name().to_owned(),
                dir: None,
                job: job.clone(),
                targets: targets.clone(),
                alertmanagers: vec!["127.0.0.1:9093".to_owned()],
                remote_write: Vec::new(),
                webhook_url: webhook_url.clone(),
                runbook_url: runbook_url.clone(),
                scrape_interval: Duration::from_secs(seconds[0]) + Duration::from_millis(millis),
                alert_for: Duration::from_secs(seconds[1]),
                group_wait: Duration::from_secs(seconds[2]),
                workers: 2,
            };
            let text = demo_app::emit::run(&args).map_err(|error| TestCaseError::fail(format!("{artifact}: {error}")))?;
            match artifact {
                Artifact::Dashboard => {
                    let dashboard: serde_json::Value = serde_json::from_str(&text)
                        .map_err(|error| TestCaseError::fail(format!("dashboard: {error}")))?;
                    prop_assert_eq!(&dashboard["title"], &serde_json::json!(format!("{job} (metricate)")));
                }
                Artifact::Targets => {
                    let groups: serde_json::Value = serde_json::from_str(&text)
                        .map_err(|error| TestCaseError::fail(format!("targets: {error}")))?;
                    prop_assert_eq!(&groups[0]["targets"], &serde_json::json!(targets));
                }
                Artifact::Reference | Artifact::Runbooks => {
                    // The title is one line, the job in it included.
                    prop_assert!(text.starts_with("# "));
                    prop_assert_eq!(text.lines().nth(1), Some(""));
                }
                _ => {
                    let mut lines = text.lines();
                    for _ in 0..2 {
                        prop_assert!(lines.next().is_some_and(|line| line.starts_with("# ")), "{}", text);
                    }
                    prop_assert!(lines.next().is_some_and(|line| !line.starts_with(' ')), "{}", text);
                }
            }
        }
    }
}

#[test]
fn the_slowest_parse_is_reported() {
    // Runs after, or beside, the properties; only reports.
    eprintln!(
        "slowest parse so far: {} µs",
        SLOWEST_PARSE_MICROS.load(Ordering::Relaxed)
    );
}
