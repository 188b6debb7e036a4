//! The traffic mix: every endpoint, with the good requests a real client sends
//! and the bad ones real clients and attackers send too.

use crate::cli::{LoadArgs, Mix};
use crate::cv::{fixtures as documents, CvFormat, MAX_CV_BYTES};
use crate::fixtures::{cv_text, Rng};
use crate::webhooks::sign;
use reqwest::{Client, Method, RequestBuilder};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Scans are slow and serialised in the service: at most one every this long.
const SCAN_SPACING: Duration = Duration::from_secs(5);

/// Search words a hostile client tries: each is matched literally, never run.
const HOSTILE_WORDS: &[&str] = &[
    "'; DROP TABLE jobs; --",
    "\" OR 1=1 --",
    "%' UNION SELECT * FROM accounts --",
    "<script>alert(1)</script>",
    "../../etc/passwd",
];

/// What every worker shares: the ids that exist, the credentials, the documents.
/// The accounts the load acts for: CVs are uploaded, read, matched and
/// tailored by their owner.
const ACCOUNTS: [&str; 4] = ["demo", "demo", "load-pro", "load-team"];

pub(super) struct Shared {
    job_ids: Vec<i64>,
    /// CVs uploaded, with the account that owns them (and alone may read,
    /// match and tailor them).
    cv_ids: Mutex<Vec<(&'static str, i64)>>,
    admin_token: String,
    webhook_secret: Vec<u8>,
    /// A valid document of each format, made once.
    documents: Vec<(CvFormat, Vec<u8>)>,
    /// Keeps webhook ids of separate runs apart.
    run: u64,
    next_event: AtomicU64,
    /// Events sent, replayed as duplicates.
    sent_events: Mutex<Vec<(i64, Vec<u8>)>>,
    last_scan: Mutex<Option<Instant>>,
    /// Only requests that should succeed.
    only_valid: bool,
    /// Only writes.
    writes_only: bool,
}

impl Shared {
    /// Reads the jobs there are and uploads a CV of each format.
    pub(super) async fn prepare(client: &Client, target: &str, args: &LoadArgs) -> Shared {
        let kept = crate::secrets::kept(&args.data_dir).unwrap_or_default();
        let secrets = crate::secrets::Secrets {
            admin_token: args.admin_token.clone().unwrap_or(kept.admin_token),
            webhook_secret: args.webhook_secret.clone().unwrap_or(kept.webhook_secret),
        };
        let mut rng = Rng::new(args.seed);
        let documents: Vec<(CvFormat, Vec<u8>)> = [
            CvFormat::PlainText,
            CvFormat::Markdown,
            CvFormat::Pdf,
            CvFormat::Docx,
        ]
        .into_iter()
        .map(|format| {
            let text = cv_text(&mut rng);
            let bytes = match format {
                CvFormat::Pdf => documents::pdf(&text),
                CvFormat::Docx => documents::docx(&text),
                CvFormat::Markdown => text.replace("\nSummary\n", "\n## Summary\n").into_bytes(),
                CvFormat::PlainText => text.into_bytes(),
            };
            (format, bytes)
        })
        .collect();
        let job_ids = match client
            .get(format!("{target}/api/jobs?limit=200"))
            .send()
            .await
        {
            Ok(response) => response
                .json::<Value>()
                .await
                .ok()
                .and_then(|body| {
                    body["jobs"]
                        .as_array()
                        .map(|jobs| jobs.iter().filter_map(|job| job["id"].as_i64()).collect())
                })
                .unwrap_or_default(),
            Err(_) => Vec::new(),
        };
        let mut cv_ids = Vec::new();
        for ((format, bytes), account) in documents.iter().zip(ACCOUNTS.iter().cycle()) {
            let uploaded = client
                .post(format!("{target}/api/cvs"))
                .header("content-type", format.content_type())
                .header("x-account-id", *account)
                .body(bytes.clone())
                .send()
                .await;
            if let Ok(response) = uploaded {
                if let Some(id) = response
                    .json::<Value>()
                    .await
                    .ok()
                    .and_then(|body| body["id"].as_i64())
                {
                    cv_ids.push((*account, id));
                }
            }
        }
        Shared {
            job_ids: if job_ids.is_empty() { vec![1] } else { job_ids },
            cv_ids: Mutex::new(if cv_ids.is_empty() {
                vec![("demo", 1)]
            } else {
                cv_ids
            }),
            admin_token: secrets.admin_token,
            webhook_secret: secrets.webhook_secret.into_bytes(),
            documents,
            run: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(args.seed, |since| {
                    since.as_secs() ^ args.seed.rotate_left(32)
                }),
            next_event: AtomicU64::new(0),
            sent_events: Mutex::new(Vec::new()),
            last_scan: Mutex::new(None),
            only_valid: args.mix != Mix::Mixed,
            writes_only: args.mix == Mix::Writes,
        }
    }

    /// A CV uploaded, and its owner.
    fn cv_id(&self, rng: &mut Rng) -> (&'static str, i64) {
        self.cv_ids
            .lock()
            .map_or(("demo", 1), |ids| *rng.pick(&ids))
    }

    /// True when a scan is due: one every [`SCAN_SPACING`] across all workers.
    fn scan_due(&self) -> bool {
        let Ok(mut last) = self.last_scan.lock() else {
            return false;
        };
        let due = last.is_none_or(|last| last.elapsed() >= SCAN_SPACING);
        if due {
            *last = Some(Instant::now());
        }
        due
    }
}

/// One worker's stream of requests.
pub(super) struct Worker {
    client: Client,
    target: String,
    shared: std::sync::Arc<Shared>,
    rng: Rng,
    /// The account of the last CV upload sent, to remember the CV under.
    uploader: &'static str,
}

impl Worker {
    pub(super) fn new(
        client: Client,
        target: String,
        shared: std::sync::Arc<Shared>,
        seed: u64,
    ) -> Worker {
        Worker {
            client,
            target,
            shared,
            rng: Rng::new(seed),
            uploader: "demo",
        }
    }

    /// Sends the next request of the mix: its endpoint, the status it got
    /// (0 when none came) and how long it took.
    pub(super) async fn next_request(&mut self) -> (&'static str, u16, Duration) {
        let (endpoint, request) = self.pick();
        let started = Instant::now();
        let status = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                // Read the body: the request is not done until it is.
                let body = response.bytes().await;
                if status == 201 && endpoint == "POST /api/cvs" {
                    self.remember_cv(body.ok().as_deref());
                }
                status
            }
            Err(_) => 0,
        };
        (endpoint, status, started.elapsed())
    }

    fn remember_cv(&self, body: Option<&[u8]>) {
        let id = body
            .and_then(|body| serde_json::from_slice::<Value>(body).ok())
            .and_then(|body| body["id"].as_i64());
        if let (Some(id), Ok(mut ids)) = (id, self.shared.cv_ids.lock()) {
            if ids.len() < 10_000 {
                ids.push((self.uploader, id));
            }
        }
    }

    /// One time in `one_in`, a bad request; never with `--only-valid`.
    fn bad(&mut self, one_in: usize) -> bool {
        !self.shared.only_valid && self.rng.below(one_in) == 0
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.target))
    }

    /// One request of the mix, by weight.
    fn pick(&mut self) -> (&'static str, RequestBuilder) {
        if self.shared.writes_only {
            return match self.rng.below(3) {
                0 => ("POST /api/cvs", self.upload_cv()),
                1 => ("PATCH /api/jobs/{id}", self.set_job_status()),
                _ => ("POST /webhooks/paypal", self.webhook()),
            };
        }
        let roll = self.rng.below(100);
        match roll {
            0..5 => ("GET /health", self.request(Method::GET, "/health")),
            5..20 => ("GET /api/jobs", self.search_jobs()),
            20..28 => ("GET /api/jobs/{id}", self.get_job()),
            28..34 => ("PATCH /api/jobs/{id}", self.set_job_status()),
            34..46 => ("POST /api/cvs", self.upload_cv()),
            46..52 => ("GET /api/cvs/{id}", self.get_cv()),
            52..67 => ("POST /api/match", self.match_cv()),
            67..75 => ("POST /api/tailor", self.tailor()),
            75..88 => ("POST /webhooks/paypal", self.webhook()),
            88..90 if self.shared.scan_due() => ("POST /admin/run-scan", self.run_scan()),
            88..97 => ("GET /api/jobs", self.search_jobs()),
            _ if self.shared.only_valid => ("GET /health", self.request(Method::GET, "/health")),
            _ => self.unknown_route(),
        }
    }

    fn job_id(&mut self) -> i64 {
        if self.bad(20) {
            9_000_000 + self.rng.below(1000) as i64
        } else {
            *self.rng.pick(&self.shared.job_ids)
        }
    }

    fn search_jobs(&mut self) -> RequestBuilder {
        let status = *self.rng.pick(&["", "new", "saved", "applied"]);
        let words = match self.rng.below(10) {
            0 => *self.rng.pick(HOSTILE_WORDS),
            1..5 => *self
                .rng
                .pick(&["rust", "engineer", "remote", "kafka", "platform"]),
            _ => "",
        };
        let source = *self.rng.pick(&["", "", "remote_board", "city_jobs"]);
        // One search in twenty asks for a limit that is not a number: a 422.
        let limit = if self.bad(20) {
            "ten".to_owned()
        } else {
            (5 + self.rng.below(20)).to_string()
        };
        let offset = self.rng.below(3) * 10;
        self.request(Method::GET, "/api/jobs").query(&[
            ("status", status),
            ("q", words),
            ("source", source),
            ("limit", &limit),
            ("offset", &offset.to_string()),
        ])
    }

    fn get_job(&mut self) -> RequestBuilder {
        if self.bad(40) {
            return self.request(Method::GET, "/api/jobs/1%20OR%201=1");
        }
        let id = self.job_id();
        self.request(Method::GET, &format!("/api/jobs/{id}"))
    }

    fn set_job_status(&mut self) -> RequestBuilder {
        let id = self.job_id();
        let status = match self.rng.below(10) {
            0 if !self.shared.only_valid => "archived",
            roll => ["new", "saved", "applied"][roll % 3],
        };
        self.request(Method::PATCH, &format!("/api/jobs/{id}"))
            .json(&json!({ "status": status }))
    }

    fn upload_cv(&mut self) -> RequestBuilder {
        self.uploader = *self.rng.pick(&ACCOUNTS);
        let request = self
            .request(Method::POST, "/api/cvs")
            .header("x-account-id", self.uploader);
        let roll = if self.shared.only_valid {
            99
        } else {
            self.rng.below(100)
        };
        match roll {
            0..5 => request
                .header("content-type", "text/plain")
                .body(Vec::new()),
            // Over the limit: refused on its declared length.
            5..7 => request
                .header("content-type", "application/pdf")
                .body(vec![b'%'; MAX_CV_BYTES + 1]),
            // Binary noise claiming to be a PDF or a DOCX.
            7..12 => {
                let noise: Vec<u8> = (0..4096).map(|_| self.rng.next_u64() as u8).collect();
                let format = *self
                    .rng
                    .pick(&[CvFormat::Pdf, CvFormat::Docx, CvFormat::PlainText]);
                request
                    .header("content-type", format.content_type())
                    .body(noise)
            }
            12..15 => request
                .header("content-type", "image/png")
                .body(vec![0x89, b'P', b'N', b'G']),
            _ => {
                let (format, bytes) = self.rng.pick(&self.shared.documents).clone();
                request
                    .header("content-type", format.content_type())
                    .body(bytes)
            }
        }
    }

    fn get_cv(&mut self) -> RequestBuilder {
        let (account, id) = self.shared.cv_id(&mut self.rng);
        let id = if self.bad(20) { 9_000_000 } else { id };
        self.request(Method::GET, &format!("/api/cvs/{id}"))
            .header("x-account-id", account)
    }

    fn match_cv(&mut self) -> RequestBuilder {
        let model = match self.rng.below(20) {
            0 if !self.shared.only_valid => "v9.9",
            roll if roll % 2 == 0 => "v3.0",
            _ => "v5.1",
        };
        let request = self.request(Method::POST, "/api/match");
        if self.bad(50) {
            // Malformed JSON: a 400.
            return request
                .header("content-type", "application/json")
                .body("{\"cv_id\": ");
        }
        let ((account, cv_id), job_id) = (self.shared.cv_id(&mut self.rng), self.job_id());
        request
            .header("x-account-id", account)
            .json(&json!({ "cv_id": cv_id, "job_id": job_id, "model": model }))
    }

    fn tailor(&mut self) -> RequestBuilder {
        let ((account, cv_id), job_id) = (self.shared.cv_id(&mut self.rng), self.job_id());
        self.request(Method::POST, "/api/tailor")
            .header("x-account-id", account)
            .json(&json!({ "cv_id": cv_id, "job_id": job_id }))
    }

    /// A payment webhook: mostly valid and new; some replayed, forged, stale,
    /// or of a type the service does not act on.
    fn webhook(&mut self) -> RequestBuilder {
        let now = crate::db::now();
        let roll = match self.rng.below(100) {
            // Forged and stale deliveries are valid ones with --only-valid.
            25..42 if self.shared.only_valid => 50,
            roll => roll,
        };
        if roll < 15 {
            let replay = self
                .shared
                .sent_events
                .lock()
                .ok()
                .filter(|sent| !sent.is_empty())
                .map(|sent| sent[self.rng.below(sent.len())].clone());
            // Replayed as a provider retries: the same event, signed afresh
            // (its first timestamp goes stale after five minutes).
            if let Some((_, body)) = replay {
                return self.signed_webhook(now, body, None);
            }
        }
        let number = self.shared.next_event.fetch_add(1, Ordering::Relaxed);
        let event_type = match roll {
            15..25 => "CUSTOMER.DISPUTE.CREATED",
            _ => *self.rng.pick(&[
                "BILLING.SUBSCRIPTION.ACTIVATED",
                "BILLING.SUBSCRIPTION.CANCELLED",
                "BILLING.SUBSCRIPTION.SUSPENDED",
                "PAYMENT.SALE.COMPLETED",
                "PAYMENT.SALE.DENIED",
            ]),
        };
        let account = *self.rng.pick(&["load-pro", "load-team", "load-free"]);
        let plan = &account["load-".len()..];
        let body = json!({
            "id": format!("WH-{:x}-{number}", self.shared.run),
            "event_type": event_type,
            "resource": { "account_id": account, "plan": plan },
        })
        .to_string()
        .into_bytes();
        match roll {
            25..35 => self.signed_webhook(now, body, Some("sha256=00ff")),
            35..42 => self.signed_webhook(now - 3_600, body, None),
            _ => {
                if let Ok(mut sent) = self.shared.sent_events.lock() {
                    if sent.len() < 1_000 {
                        sent.push((now, body.clone()));
                    }
                }
                self.signed_webhook(now, body, None)
            }
        }
    }

    /// `body` signed at `timestamp`, or with `forged` for a signature.
    fn signed_webhook(
        &self,
        timestamp: i64,
        body: Vec<u8>,
        forged: Option<&str>,
    ) -> RequestBuilder {
        let signature = forged.map_or_else(
            || sign(&self.shared.webhook_secret, timestamp, &body),
            str::to_owned,
        );
        self.request(Method::POST, "/webhooks/paypal")
            .header("content-type", "application/json")
            .header("x-webhook-timestamp", timestamp.to_string())
            .header("x-webhook-signature", signature)
            .body(body)
    }

    fn run_scan(&mut self) -> RequestBuilder {
        let request = self.request(Method::POST, "/admin/run-scan");
        match self.rng.below(4) {
            0 if !self.shared.only_valid => request,
            1 if !self.shared.only_valid => request.header("x-admin-token", "guess"),
            _ => request.header("x-admin-token", self.shared.admin_token.clone()),
        }
    }

    fn unknown_route(&mut self) -> (&'static str, RequestBuilder) {
        match self.rng.below(3) {
            0 => (
                "unknown route",
                self.request(Method::GET, "/wp-admin/setup.php"),
            ),
            1 => {
                let user = self.rng.below(1_000_000);
                (
                    "unknown route",
                    self.request(Method::GET, &format!("/api/users/{user}")),
                )
            }
            _ => (
                "DELETE /api/jobs/{id}",
                self.request(Method::DELETE, "/api/jobs/1"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A replayed webhook is signed when it is sent again, as a provider's
    /// retry is: one signed at its first delivery goes stale after five
    /// minutes, and a long `--mix valid` run would turn invalid.
    #[test]
    fn a_replayed_webhook_is_signed_afresh_however_old_its_first_delivery() {
        let body = br#"{"id":"WH-first","event_type":"PAYMENT.SALE.COMPLETED"}"#.to_vec();
        let shared = std::sync::Arc::new(Shared {
            job_ids: vec![1],
            cv_ids: Mutex::new(vec![("demo", 1)]),
            admin_token: "token".to_owned(),
            webhook_secret: b"secret".to_vec(),
            documents: Vec::new(),
            run: 1,
            next_event: AtomicU64::new(0),
            // Sent an hour ago; the sent list is full, so it stays the only one.
            sent_events: Mutex::new(vec![(crate::db::now() - 3_600, body.clone()); 1_000]),
            last_scan: Mutex::new(None),
            only_valid: true,
            writes_only: false,
        });
        let mut worker = Worker::new(Client::new(), "http://127.0.0.1:9".to_owned(), shared, 7);
        let mut replays = 0;
        for _ in 0..300 {
            let request = worker.webhook().build().expect("a webhook request");
            let header = |name: &str| {
                request
                    .headers()
                    .get(name)
                    .and_then(|value| value.to_str().ok())
                    .unwrap_or_default()
                    .to_owned()
            };
            let timestamp: i64 = header("x-webhook-timestamp").parse().expect("a timestamp");
            assert!(
                (crate::db::now() - timestamp).abs() <= 5,
                "signed at {timestamp}, not now"
            );
            if request.body().and_then(reqwest::Body::as_bytes) == Some(&body[..]) {
                replays += 1;
                assert_eq!(
                    header("x-webhook-signature"),
                    sign(b"secret", timestamp, &body)
                );
            }
        }
        assert!(replays > 10, "{replays} replays in 300 webhooks");
    }
}
