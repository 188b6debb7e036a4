//! TF-IDF over the job corpus: how rare each word is among the jobs, and the
//! cosine of two texts' weighted term vectors.

use super::tokenizer::words;
use std::collections::BTreeMap;

/// Words too common to tell texts apart.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "by", "for", "from", "has", "have", "i", "in", "is",
    "it", "of", "on", "or", "our", "the", "to", "we", "with", "you", "your", "will", "this",
    "that",
];

/// Document frequencies of the jobs' words.
#[derive(Clone, Debug, Default)]
pub struct Corpus {
    documents: usize,
    frequencies: BTreeMap<String, usize>,
}

fn terms(text: &str) -> BTreeMap<String, f64> {
    let mut counts = BTreeMap::new();
    for word in words(text) {
        let word = word.to_lowercase();
        if word.len() > 1 && !STOP_WORDS.contains(&word.as_str()) {
            *counts.entry(word).or_insert(0.0) += 1.0;
        }
    }
    counts
}

impl Corpus {
    /// The corpus of `documents`.
    pub fn new<'a>(documents: impl IntoIterator<Item = &'a str>) -> Corpus {
        let mut corpus = Corpus::default();
        for document in documents {
            corpus.documents += 1;
            for term in terms(document).into_keys() {
                *corpus.frequencies.entry(term).or_insert(0) += 1;
            }
        }
        corpus
    }

    /// Smoothed inverse document frequency: rare words weigh more.
    fn idf(&self, term: &str) -> f64 {
        let frequency = self.frequencies.get(term).copied().unwrap_or(0) as f64;
        ((1.0 + self.documents as f64) / (1.0 + frequency)).ln() + 1.0
    }

    fn vector(&self, text: &str) -> BTreeMap<String, f64> {
        terms(text)
            .into_iter()
            .map(|(term, count)| {
                let weight = (1.0 + f64::ln(count)) * self.idf(&term);
                (term, weight)
            })
            .collect()
    }

    /// The cosine of the TF-IDF vectors of `a` and `b`: 0 to 1.
    pub fn cosine(&self, a: &str, b: &str) -> f64 {
        let (a, b) = (self.vector(a), self.vector(b));
        let dot: f64 = a
            .iter()
            .filter_map(|(term, weight)| Some(weight * b.get(term)?))
            .sum();
        let norm =
            |vector: &BTreeMap<String, f64>| vector.values().map(|w| w * w).sum::<f64>().sqrt();
        let norms = norm(&a) * norm(&b);
        if norms == 0.0 {
            0.0
        } else {
            dot / norms
        }
    }
}
