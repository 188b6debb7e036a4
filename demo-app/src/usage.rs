//! Feature usage: `feature_usage_total{feature,plan}`, by the account's plan,
//! never by account (a seed of this service labelled it per user, and its
//! series grew with every sign-up).

use crate::db::{self, Database};
use crate::webhooks::Plan;
use metricate::LabelValue;

/// The features usage is counted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, LabelValue)]
pub enum Feature {
    /// `POST /api/cvs`.
    CvUpload,
    /// `POST /api/match`.
    Match,
    /// `POST /api/tailor`.
    Tailor,
    /// `GET /api/jobs`.
    JobSearch,
}

/// Counts one use of `feature` by `account`, under its plan. The count is
/// best effort: a busy database must not fail the request it describes.
pub async fn record(database: &Database, account: &str, feature: Feature) {
    let plan = db::accounts::plan(database, account)
        .await
        .unwrap_or(Plan::Free);
    metricate::counter!(
        "feature_usage_total",
        help = "Uses of each feature, by the plan of the account using it.",
        feature: Feature = feature,
        plan: Plan = plan
    )
    .inc();
}
