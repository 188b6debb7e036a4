//! Realistic, deterministic fixture data: job postings for the feed, CV texts
//! for the load generator. The same seed gives the same data.

use crate::db::jobs::Posting;

/// A small, fast, deterministic generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from `seed`.
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..bound` (`bound` > 0).
    pub fn below(&mut self, bound: usize) -> usize {
        (self.next_u64() % bound.max(1) as u64) as usize
    }

    /// A float in `[0, 1)`.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// One of `items`.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const TITLES: &[&str] = &[
    "Backend Engineer",
    "Senior Rust Engineer",
    "Site Reliability Engineer",
    "Platform Engineer",
    "Data Engineer",
    "Full-Stack Developer",
    "Observability Engineer",
    "Staff Software Engineer",
    "DevOps Engineer",
    "Machine Learning Engineer",
    "Frontend Engineer",
    "Security Engineer",
];
const COMPANIES: &[&str] = &[
    "Ferrous Systems",
    "Northwind Analytics",
    "Acme Logistics",
    "Globex Health",
    "Initech",
    "Umbrella Energy",
    "Stark Mobility",
    "Wayne Fintech",
    "Hooli Cloud",
    "Vandelay Imports",
];
const LOCATIONS: &[&str] = &[
    "Remote",
    "Berlin",
    "London",
    "Amsterdam",
    "Lisbon",
    "New York",
    "Toronto",
    "Remote (EU)",
];
const SKILLS: &[&str] = &[
    "Rust",
    "Go",
    "Python",
    "TypeScript",
    "PostgreSQL",
    "SQLite",
    "Kubernetes",
    "Terraform",
    "AWS",
    "Prometheus",
    "Grafana",
    "Kafka",
    "Redis",
    "gRPC",
    "Docker",
    "Linux",
    "React",
    "OpenTelemetry",
];
const DUTIES: &[&str] = &[
    "design and run services that handle millions of requests a day",
    "own the reliability of our data platform and its on-call rotation",
    "build the observability stack: metrics, traces and alerting",
    "ship product features end to end with a small, senior team",
    "migrate batch pipelines to streaming",
    "improve latency and cost of our core APIs",
];

/// The job boards the feed serves, as their names.
pub const SOURCES: &[&str] = &["remote_board", "startup_jobs", "city_jobs"];

/// Posting `index` of `source`, the same for the same seed.
pub fn posting(seed: u64, source: &str, index: usize) -> Posting {
    let source_seed = source
        .bytes()
        .fold(seed, |hash, byte| hash.rotate_left(5) ^ u64::from(byte));
    let mut rng = Rng::new(source_seed.wrapping_add(index as u64));
    let title = *rng.pick(TITLES);
    let company = *rng.pick(COMPANIES);
    let mut skills: Vec<String> = Vec::new();
    while skills.len() < 3 + rng.below(3) {
        let skill = (*rng.pick(SKILLS)).to_owned();
        if !skills.contains(&skill) {
            skills.push(skill);
        }
    }
    let first_duty = rng.below(DUTIES.len());
    let second_duty = (first_duty + 1 + rng.below(DUTIES.len() - 1)) % DUTIES.len();
    let description = format!(
        "{company} is hiring a {title} to {} and {}. You know {} well, and {} or {} at least a little.",
        DUTIES[first_duty],
        DUTIES[second_duty],
        skills[0],
        skills[1],
        skills[2],
    );
    Posting {
        id: format!("{source}-{index}"),
        title: title.to_owned(),
        company: company.to_owned(),
        location: (*rng.pick(LOCATIONS)).to_owned(),
        description,
        skills,
        posted_at: 1_767_225_600 + (index as i64) * 3_600,
    }
}

/// A realistic CV text, its skills drawn from the job vocabulary.
pub fn cv_text(rng: &mut Rng) -> String {
    let names = [
        "Ada Byron",
        "Grace Hopper",
        "Alan Turing",
        "Katherine Johnson",
        "Edsger Dijkstra",
        "Barbara Liskov",
    ];
    let name = rng.pick(&names);
    let mut skills: Vec<&str> = Vec::new();
    while skills.len() < 5 + rng.below(5) {
        let skill = *rng.pick(SKILLS);
        if !skills.contains(&skill) {
            skills.push(skill);
        }
    }
    format!(
        "{name}\n{}@example.com\n+44 20 7946 0{:03}\n\nSummary\n{} with ten years of building and running production systems.\n\nExperience\n{} at {} (2019-2025): {}.\n{} at {} (2015-2019): {}.\n\nEducation\nMSc Computer Science, University of Edinburgh\n\nSkills\n{}\n",
        name.to_lowercase().replace(' ', "."),
        rng.below(1000),
        rng.pick(TITLES),
        rng.pick(TITLES),
        rng.pick(COMPANIES),
        rng.pick(DUTIES),
        rng.pick(TITLES),
        rng.pick(COMPANIES),
        rng.pick(DUTIES),
        skills.join(", "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_postings() {
        assert_eq!(posting(7, "startup_jobs", 3), posting(7, "startup_jobs", 3));
        assert_ne!(posting(7, "startup_jobs", 3), posting(7, "startup_jobs", 4));
        assert_ne!(
            posting(7, "startup_jobs", 3).description,
            posting(8, "startup_jobs", 3).description
        );
        let skills = posting(1, "city_jobs", 0).skills;
        assert!((3..=5).contains(&skills.len()));
        assert!(cv_text(&mut Rng::new(3)).contains("Skills\n"));
    }
}
