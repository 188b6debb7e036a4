//! Payment webhooks, PayPal's event names: the signature (HMAC-SHA256 of
//! `"<timestamp>.<raw body>"`, compared in constant time, at most five minutes
//! old), the event, and what it does to an account's plan.

use hmac::{Hmac, Mac};
use metricate::LabelValue;
use serde::Deserialize;
use sha2::Sha256;

/// How old a signed timestamp may be, either way: a replay past it is refused.
pub const MAX_AGE_SECONDS: i64 = 300;

/// The plans an account is on: the `plan` label of feature usage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
pub enum Plan {
    /// The default.
    Free,
    /// Paid, one seat.
    Pro,
    /// Paid, several seats.
    Team,
}

impl Plan {
    /// The plan of its name in a webhook or in the database.
    pub fn parse(name: &str) -> Option<Plan> {
        match name {
            "free" => Some(Plan::Free),
            "pro" => Some(Plan::Pro),
            "team" => Some(Plan::Team),
            _ => None,
        }
    }

    /// Its name.
    pub fn name(self) -> &'static str {
        self.label_value()
    }
}

/// The event types handled; anything else is `Unknown`, stored and ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
pub enum EventType {
    /// `BILLING.SUBSCRIPTION.ACTIVATED`: the plan becomes the resource's.
    SubscriptionActivated,
    /// `BILLING.SUBSCRIPTION.CANCELLED`: back to free.
    SubscriptionCancelled,
    /// `BILLING.SUBSCRIPTION.SUSPENDED`: back to free.
    SubscriptionSuspended,
    /// `PAYMENT.SALE.COMPLETED`: the account's payments are in order.
    PaymentCompleted,
    /// `PAYMENT.SALE.DENIED`: the account's last payment failed.
    PaymentDenied,
    /// Any other type.
    Unknown,
}

impl EventType {
    /// The type of PayPal's event name.
    pub fn parse(name: &str) -> EventType {
        match name {
            "BILLING.SUBSCRIPTION.ACTIVATED" => EventType::SubscriptionActivated,
            "BILLING.SUBSCRIPTION.CANCELLED" => EventType::SubscriptionCancelled,
            "BILLING.SUBSCRIPTION.SUSPENDED" => EventType::SubscriptionSuspended,
            "PAYMENT.SALE.COMPLETED" => EventType::PaymentCompleted,
            "PAYMENT.SALE.DENIED" => EventType::PaymentDenied,
            _ => EventType::Unknown,
        }
    }

    /// PayPal's name of a handled type.
    pub fn name(self) -> &'static str {
        match self {
            EventType::SubscriptionActivated => "BILLING.SUBSCRIPTION.ACTIVATED",
            EventType::SubscriptionCancelled => "BILLING.SUBSCRIPTION.CANCELLED",
            EventType::SubscriptionSuspended => "BILLING.SUBSCRIPTION.SUSPENDED",
            EventType::PaymentCompleted => "PAYMENT.SALE.COMPLETED",
            EventType::PaymentDenied => "PAYMENT.SALE.DENIED",
            EventType::Unknown => "UNKNOWN",
        }
    }
}

/// What became of a webhook: the `outcome` of `paypal_webhooks_total`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
pub enum WebhookOutcome {
    /// Its change was made.
    Applied,
    /// Its id was processed before, with the same body: nothing changed.
    Duplicate,
    /// Its id was processed before with another body: nothing changed, and
    /// answered `duplicate` as well; counted apart, since a provider never
    /// sends two bodies under one id (a replay tampered with, or a bug).
    Conflict,
    /// An event type that changes nothing: stored.
    Ignored,
    /// Its signature was missing, stale or wrong: nothing stored.
    Rejected,
}

impl WebhookOutcome {
    /// The status the API answers with (a conflict is answered `duplicate`).
    pub fn name(self) -> &'static str {
        match self {
            WebhookOutcome::Conflict => WebhookOutcome::Duplicate.label_value(),
            outcome => outcome.label_value(),
        }
    }
}

/// Why a signature was refused: always the sender's doing.
#[derive(Debug, PartialEq, Eq, thiserror::Error, LabelValue)]
#[label(client_error)]
pub enum SignatureError {
    /// No timestamp or no signature header.
    #[error("the webhook is not signed: X-Webhook-Timestamp and X-Webhook-Signature are required")]
    Missing,
    /// Headers that do not parse.
    #[error("the webhook signature is malformed")]
    Malformed,
    /// Signed more than five minutes from now.
    #[error("the webhook signature is too old")]
    Stale,
    /// A signature the secret does not make.
    #[error("the webhook signature does not match")]
    Forged,
}

/// The MAC of `"<timestamp>.<body>"` under `secret`. HMAC takes keys of any
/// length, so `None` is never the answer in practice.
fn mac(secret: &[u8], timestamp: &[u8], body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).ok()?;
    mac.update(timestamp);
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// `sha256=<hex>` of `"<timestamp>.<body>"` under `secret`.
pub fn sign(secret: &[u8], timestamp: i64, body: &[u8]) -> String {
    let digest = mac(secret, timestamp.to_string().as_bytes(), body)
        .map(|mac| hex::encode(mac.finalize().into_bytes()))
        .unwrap_or_default();
    format!("sha256={digest}")
}

/// Checks the signature headers of `body` at `now` (unix seconds).
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: i64,
) -> Result<(), SignatureError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(SignatureError::Missing);
    };
    // The timestamp header is signed exactly as sent: only digits, nothing
    // around them (`+<ts>`, ` <ts> ` are malformed; `00<ts>` is another
    // string than `<ts>`, so a signature over `<ts>` does not match it).
    if timestamp.is_empty()
        || timestamp.len() > 18
        || !timestamp.bytes().all(|byte| byte.is_ascii_digit())
    {
        return Err(SignatureError::Malformed);
    }
    let signed = timestamp.as_bytes();
    let timestamp: i64 = timestamp.parse().map_err(|_| SignatureError::Malformed)?;
    let digest = signature
        .trim()
        .strip_prefix("sha256=")
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
        .ok_or(SignatureError::Malformed)?;
    if (now - timestamp).abs() > MAX_AGE_SECONDS {
        return Err(SignatureError::Stale);
    }
    // `verify_slice` compares in constant time.
    mac(secret, signed, body)
        .ok_or(SignatureError::Forged)?
        .verify_slice(&digest)
        .map_err(|_| SignatureError::Forged)
}

/// A webhook's payload.
#[derive(Debug, Deserialize)]
pub struct Payload {
    /// The event's id: a webhook is applied once per id.
    pub id: String,
    /// PayPal's event name.
    pub event_type: String,
    /// What it is about.
    #[serde(default)]
    pub resource: Resource,
}

/// The account and plan an event is about.
#[derive(Debug, Default, Deserialize)]
pub struct Resource {
    /// The account.
    pub account_id: Option<String>,
    /// The plan subscribed to.
    pub plan: Option<String>,
}

/// What an event asks of an account.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    /// The plan becomes this one.
    Plan(Plan),
    /// The payment status becomes this one.
    Payment(&'static str),
    /// Nothing: the event is stored and ignored.
    Nothing,
}

/// Why a payload was refused.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    /// Not the JSON of a webhook.
    #[error("the webhook body is not a valid event: {0}")]
    Malformed(String),
    /// A handled event without the account or plan it needs.
    #[error("the event {0} needs resource.account_id (and resource.plan for activations)")]
    Incomplete(&'static str),
}

impl Payload {
    /// The payload of a webhook body; an id is 1 to 128 characters.
    pub fn parse(body: &[u8]) -> Result<Payload, PayloadError> {
        let payload: Payload = serde_json::from_slice(body)
            .map_err(|error| PayloadError::Malformed(error.to_string()))?;
        if payload.id.is_empty() || payload.id.len() > 128 {
            return Err(PayloadError::Malformed(
                "the id must be 1 to 128 characters".to_owned(),
            ));
        }
        Ok(payload)
    }

    /// The event's type and what it changes, for which account.
    pub fn change(&self) -> Result<(EventType, Option<&str>, Change), PayloadError> {
        let event = EventType::parse(&self.event_type);
        let account = self
            .resource
            .account_id
            .as_deref()
            .filter(|id| !id.is_empty() && id.len() <= 128);
        let needs_account = || account.ok_or(PayloadError::Incomplete(event.name()));
        let change = match event {
            EventType::SubscriptionActivated => {
                needs_account()?;
                let plan = self.resource.plan.as_deref().and_then(Plan::parse);
                Change::Plan(plan.ok_or(PayloadError::Incomplete(event.name()))?)
            }
            EventType::SubscriptionCancelled | EventType::SubscriptionSuspended => {
                needs_account()?;
                Change::Plan(Plan::Free)
            }
            EventType::PaymentCompleted => {
                needs_account()?;
                Change::Payment("ok")
            }
            EventType::PaymentDenied => {
                needs_account()?;
                Change::Payment("denied")
            }
            EventType::Unknown => Change::Nothing,
        };
        Ok((event, account, change))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_every_failure_has_its_reason() {
        let secret = b"whsec";
        let body = br#"{"id":"WH-1","event_type":"PAYMENT.SALE.COMPLETED"}"#;
        let signature = sign(secret, 1_000, body);
        assert_eq!(
            verify(secret, Some("1000"), Some(&signature), body, 1_100),
            Ok(())
        );
        assert_eq!(
            verify(secret, None, Some(&signature), body, 1_100),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(secret, Some("x"), Some(&signature), body, 1_100),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(secret, Some("1000"), Some("md5=00"), body, 1_100),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(secret, Some("1000"), Some(&signature), body, 1_400),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(b"other", Some("1000"), Some(&signature), body, 1_100),
            Err(SignatureError::Forged)
        );
        let tampered = br#"{"id":"WH-1","event_type":"PAYMENT.SALE.DENIED"}"#;
        assert_eq!(
            verify(secret, Some("1000"), Some(&signature), tampered, 1_100),
            Err(SignatureError::Forged)
        );
        // The timestamp is signed as sent: the same number written otherwise
        // does not verify against a signature over "1000".
        for (sent, error) in [
            ("+1000", SignatureError::Malformed),
            (" 1000 ", SignatureError::Malformed),
            ("1000 ", SignatureError::Malformed),
            ("-1000", SignatureError::Malformed),
            ("1e3", SignatureError::Malformed),
            ("01000", SignatureError::Forged),
            ("001000", SignatureError::Forged),
        ] {
            assert_eq!(
                verify(secret, Some(sent), Some(&signature), body, 1_100),
                Err(error),
                "{sent:?}"
            );
        }
    }

    #[test]
    fn events_change_plans_and_payments() {
        let parse = |json: &str| Payload::parse(json.as_bytes()).unwrap();
        let activated = parse(
            r#"{"id":"1","event_type":"BILLING.SUBSCRIPTION.ACTIVATED","resource":{"account_id":"a","plan":"team"}}"#,
        );
        assert_eq!(
            activated.change().unwrap(),
            (
                EventType::SubscriptionActivated,
                Some("a"),
                Change::Plan(Plan::Team)
            )
        );
        let cancelled = parse(
            r#"{"id":"2","event_type":"BILLING.SUBSCRIPTION.CANCELLED","resource":{"account_id":"a"}}"#,
        );
        assert_eq!(cancelled.change().unwrap().2, Change::Plan(Plan::Free));
        let unknown = parse(r#"{"id":"3","event_type":"CUSTOMER.DISPUTE.CREATED"}"#);
        assert_eq!(
            unknown.change().unwrap(),
            (EventType::Unknown, None, Change::Nothing)
        );
        let no_plan = parse(
            r#"{"id":"4","event_type":"BILLING.SUBSCRIPTION.ACTIVATED","resource":{"account_id":"a","plan":"gold"}}"#,
        );
        assert!(no_plan.change().is_err());
        assert!(Payload::parse(b"{not json").is_err());
        assert!(Payload::parse(br#"{"id":"","event_type":"X"}"#).is_err());
    }
}
