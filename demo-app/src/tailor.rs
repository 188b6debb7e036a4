//! Tailoring: a CV reordered and trimmed toward a job: the skills the job asks
//! for first, experience lines by how much of the job they speak to, lines
//! that speak to nothing in it dropped past the first few.

use crate::cv::Sections;
use std::collections::BTreeSet;

/// Experience lines kept even when they share nothing with the job.
const KEEP_UNRELATED: usize = 3;

/// The CV's sections, tailored to `job_text` and `job_skills`.
#[metricate::instrument_metric(
    histogram = "cv_tailor_duration_seconds",
    calls = "cv_tailor_calls_total"
)]
pub fn tailor(sections: &Sections, job_text: &str, job_skills: &[String]) -> String {
    let wanted: BTreeSet<String> = crate::matching::count_words(job_text)
        .into_iter()
        .chain(job_skills.iter().map(|skill| skill.to_lowercase()))
        .collect();
    let relevance = |line: &str| {
        crate::matching::count_words(line)
            .into_iter()
            .filter(|word| wanted.contains(word))
            .count()
    };
    let skills = sections.skill_list();
    let asked: BTreeSet<String> = job_skills
        .iter()
        .map(|skill| skill.to_lowercase())
        .collect();
    let (mut first, rest): (Vec<String>, Vec<String>) = skills
        .into_iter()
        .partition(|skill| asked.contains(&skill.to_lowercase()));
    first.extend(rest);

    let mut experience: Vec<(usize, usize, &str)> = sections
        .experience
        .lines()
        .enumerate()
        .map(|(index, line)| (relevance(line), index, line))
        .collect();
    experience.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let mut unrelated = 0;
    let experience: Vec<&str> = experience
        .into_iter()
        .filter(|(score, _, _)| {
            if *score > 0 {
                return true;
            }
            unrelated += 1;
            unrelated <= KEEP_UNRELATED
        })
        .map(|(_, _, line)| line)
        .collect();

    let mut out = String::new();
    let mut section = |title: &str, body: &str| {
        if !body.trim().is_empty() {
            out.push_str(title);
            out.push('\n');
            out.push_str(body.trim());
            out.push_str("\n\n");
        }
    };
    section("", &sections.contact);
    section("Summary", &sections.summary);
    section("Skills", &first.join(", "));
    section("Experience", &experience.join("\n"));
    section("Education", &sections.education);
    out.trim_start().trim_end().to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skills_and_experience_the_job_asks_for_come_first() {
        let sections = Sections::of(
            "Ann\nSkills\nExcel, Rust, Kubernetes\nExperience\nSold ice cream\nRan Kubernetes clusters at scale\nBuilt Rust services\nWatered plants\nPainted fences\nWalked dogs\nEducation\nMIT",
        );
        let skills = vec!["Rust".to_owned(), "Kubernetes".to_owned()];
        let tailored = tailor(&sections, "Platform engineer: Rust and Kubernetes", &skills);
        assert!(
            tailored.starts_with("Ann\n\nSummary") || tailored.starts_with("Ann\n\nSkills"),
            "{tailored}"
        );
        assert!(
            tailored.contains("Skills\nRust, Kubernetes, Excel"),
            "{tailored}"
        );
        let experience = tailored.split("Experience\n").nth(1).unwrap_or_default();
        assert!(
            experience.starts_with("Ran Kubernetes clusters at scale\nBuilt Rust services"),
            "{tailored}"
        );
        assert!(
            !tailored.contains("Walked dogs"),
            "a fourth unrelated line is dropped: {tailored}"
        );
        assert!(tailored.ends_with("Education\nMIT"));
    }
}
