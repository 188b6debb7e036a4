//! CV-to-job matching by versioned models: each scores a CV against a job,
//! counts the tokens it read with a sub-word tokenizer, and prices them.

mod corpus;
mod tokenizer;

pub use corpus::Corpus;
pub use tokenizer::count_tokens;

/// The lowercase words of `text`, for comparing texts.
pub fn count_words(text: &str) -> Vec<String> {
    tokenizer::words(text).map(str::to_lowercase).collect()
}

use metricate::LabelValue;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The matchers, by version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, Serialize, LabelValue)]
pub enum Model {
    /// Skills overlap: the share of the job's skills the CV names.
    #[serde(rename = "v3.0")]
    #[label(rename = "v3.0")]
    V3_0,
    /// TF-IDF cosine of the CV's and the job's texts, IDF from the job corpus.
    #[serde(rename = "v5.1")]
    #[label(rename = "v5.1")]
    V5_1,
}

impl Model {
    /// Dollars per 1000 tokens read.
    pub fn price_per_1k_tokens(self) -> f64 {
        match self {
            Model::V3_0 => 0.0005,
            Model::V5_1 => 0.003,
        }
    }

    /// The name the API uses.
    pub fn name(self) -> &'static str {
        match self {
            Model::V3_0 => "v3.0",
            Model::V5_1 => "v5.1",
        }
    }

    /// The model of an API name.
    pub fn parse(name: &str) -> Option<Model> {
        match name {
            "v3.0" => Some(Model::V3_0),
            "v5.1" => Some(Model::V5_1),
            _ => None,
        }
    }
}

/// A match of one CV against one job.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Match {
    /// 0 (nothing in common) to 1.
    pub score: f64,
    /// The model's API name.
    pub model: &'static str,
    /// Tokens read: the CV's and the job's.
    pub tokens: u64,
    /// What those tokens cost.
    pub cost_dollars: f64,
    /// The job's skills the CV names.
    pub matched_skills: Vec<String>,
}

/// What a job asks for, as the matchers read it.
pub struct JobText<'a> {
    /// Title and description.
    pub text: &'a str,
    /// The skills it lists.
    pub skills: &'a [String],
}

/// Scores `cv_text` (with its listed `cv_skills`) against `job` with `model`.
#[metricate::instrument_metric(
    histogram = "ai_match_duration_seconds",
    labels(model = model),
    buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5],
    objective(latency = "250ms", percentile = 99),
    native(schema = 3),
)]
pub fn match_cv(
    model: Model,
    cv_text: &str,
    cv_skills: &[String],
    job: &JobText<'_>,
    corpus: &Corpus,
) -> Match {
    let matched_skills = skills_in(cv_text, cv_skills, job.skills);
    let score = match model {
        Model::V3_0 if job.skills.is_empty() => 0.0,
        Model::V3_0 => matched_skills.len() as f64 / job.skills.len() as f64,
        Model::V5_1 => corpus.cosine(cv_text, job.text),
    };
    let tokens = count_tokens(cv_text) + count_tokens(job.text);
    let cost_dollars = tokens as f64 / 1000.0 * model.price_per_1k_tokens();
    metricate::counter!("ai_match_tokens_total", help = "Tokens the matchers read.", model: Model = model)
        .inc_by(tokens);
    metricate::counter!("ai_match_cost_dollars_total", help = "What the matchers' tokens cost, in dollars.", model: Model = model)
        .inc_by(cost_dollars);
    Match {
        // `+ 0.0` turns a rounded -0.0 into 0.
        score: (score.clamp(0.0, 1.0) * 1000.0).round() / 1000.0 + 0.0,
        model: model.name(),
        tokens,
        cost_dollars: (cost_dollars * 1e9).round() / 1e9,
        matched_skills,
    }
}

/// The job's skills the CV names, in its list or anywhere in its text, as the
/// job writes them.
fn skills_in(cv_text: &str, cv_skills: &[String], job_skills: &[String]) -> Vec<String> {
    let cv_words: BTreeSet<String> = tokenizer::words(cv_text)
        .map(|word| word.to_lowercase())
        .collect();
    let listed: BTreeSet<String> = cv_skills.iter().map(|skill| skill.to_lowercase()).collect();
    let text = cv_text.to_lowercase();
    job_skills
        .iter()
        .filter(|skill| {
            let skill = skill.to_lowercase();
            listed.contains(&skill)
                || cv_words.contains(&skill)
                || (skill.contains(' ') && text.contains(&skill))
        })
        .cloned()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skills(list: &[&str]) -> Vec<String> {
        list.iter().map(|skill| (*skill).to_owned()).collect()
    }

    #[test]
    fn skills_overlap_scores_the_share_of_the_jobs_skills() {
        let job_skills = skills(&["Rust", "PostgreSQL", "Kubernetes", "gRPC"]);
        let job = JobText {
            text: "Backend engineer",
            skills: &job_skills,
        };
        let corpus = Corpus::new(["Backend engineer"]);
        let cv = "I write Rust services on PostgreSQL.";
        let found = match_cv(Model::V3_0, cv, &skills(&["rust"]), &job, &corpus);
        assert_eq!(found.score, 0.5);
        assert_eq!(found.matched_skills, ["Rust", "PostgreSQL"]);
        // I·write·Rust·services·on·PostgreSQL·. and Backend·engineer, in pieces of four.
        assert_eq!(found.tokens, 11 + 4);
        assert!(
            (found.cost_dollars - 15.0 * 0.0005 / 1000.0).abs() < 1e-12,
            "{}",
            found.cost_dollars
        );
    }

    #[test]
    fn tf_idf_prefers_the_job_that_shares_rare_words() {
        let jobs = [
            "Rust engineer for metrics pipelines and Prometheus exporters",
            "Sales manager for retail stores",
            "Engineer for retail logistics",
        ];
        let corpus = Corpus::new(jobs);
        let cv = "Built Prometheus exporters and metrics pipelines in Rust";
        let score = |job: &str| {
            match_cv(
                Model::V5_1,
                cv,
                &[],
                &JobText {
                    text: job,
                    skills: &[],
                },
                &corpus,
            )
            .score
        };
        assert!(score(jobs[0]) > 0.5, "{}", score(jobs[0]));
        assert_eq!(score(jobs[1]), 0.0);
        assert!(score(jobs[0]) > score(jobs[2]));
    }

    #[test]
    fn models_round_trip_their_api_names() {
        for model in [Model::V3_0, Model::V5_1] {
            assert_eq!(Model::parse(model.name()), Some(model));
        }
        assert_eq!(Model::parse("v4"), None);
    }
}
