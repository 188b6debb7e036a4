//! `rules.yml`: the rules plan as Prometheus's rule file model, written by
//! the [YAML writer](crate::yaml). Names, labels and annotations are
//! double-quoted scalars, expressions literal blocks, so nothing in a help
//! text or a label value can break the file.

use crate::dashboard::PanelIds;
use crate::rules::{Alert, Plan};
use crate::yaml::{self, Block, Plain};
use crate::{duration, runbooks, Settings};
use serde::Serialize;

/// A Prometheus rule file.
#[derive(Serialize)]
struct RuleFile<'a> {
    groups: Vec<RuleGroup<'a>>,
}

/// A group of rules evaluated together.
#[derive(Serialize)]
struct RuleGroup<'a> {
    name: &'a str,
    rules: Vec<Rule<'a>>,
}

/// A recording or an alerting rule.
#[derive(Serialize)]
#[serde(untagged)]
enum Rule<'a> {
    Record(RecordingRule<'a>),
    Alert(AlertingRule<'a>),
}

#[derive(Serialize)]
struct RecordingRule<'a> {
    record: &'a str,
    expr: Block<'a>,
}

#[derive(Serialize)]
struct AlertingRule<'a> {
    alert: &'a str,
    expr: Block<'a>,
    /// Left out when the alert fires at once.
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    pending: Option<Plain>,
    labels: AlertLabels<'a>,
    annotations: Annotations,
}

#[derive(Serialize)]
struct AlertLabels<'a> {
    severity: &'a str,
}

#[derive(Serialize)]
struct Annotations {
    summary: String,
    description: String,
    runbook_url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    dashboard_url: Option<String>,
}

fn alerting_rule<'a>(alert: &'a Alert, settings: &Settings, panels: &PanelIds) -> AlertingRule<'a> {
    AlertingRule {
        alert: &alert.name,
        expr: Block(&alert.expr),
        pending: (!alert.pending.is_zero()).then(|| Plain(duration(alert.pending))),
        labels: AlertLabels {
            severity: alert.severity.name(),
        },
        annotations: Annotations {
            summary: alert.summary.clone(),
            description: alert.description.clone(),
            runbook_url: format!("{}#{}", settings.runbook_url, runbooks::anchor(&alert.name)),
            dashboard_url: alert
                .panel
                .as_deref()
                .and_then(|key| panels.get(key))
                .map(|id| format!("{}?viewPanel={id}", settings.dashboard_url)),
        },
    }
}

/// `rules.yml`.
pub(crate) fn render(plan: &Plan, settings: &Settings, panels: &PanelIds) -> String {
    let file = RuleFile {
        groups: plan
            .groups
            .iter()
            .filter(|group| !(group.records.is_empty() && group.alerts.is_empty()))
            .map(|group| RuleGroup {
                name: &group.name,
                rules: group
                    .records
                    .iter()
                    .map(|record| {
                        Rule::Record(RecordingRule {
                            record: &record.name,
                            expr: Block(&record.expr),
                        })
                    })
                    .chain(
                        group
                            .alerts
                            .iter()
                            .map(|alert| Rule::Alert(alerting_rule(alert, settings, panels))),
                    )
                    .collect(),
            })
            .collect(),
    };
    yaml::document("Recording rules and alerts", settings, &file, false)
}
