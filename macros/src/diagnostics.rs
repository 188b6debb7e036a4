//! How a broken rule is reported: one message in rustc's style (lowercase,
//! tokens in backticks, a `help:` line with the fix), on the offending tokens.

use proc_macro2::{Span, TokenStream, TokenTree};

/// A rule broken: the message, and the fix when there is one.
#[derive(Debug, PartialEq)]
pub(crate) struct Violation {
    pub(crate) message: String,
    pub(crate) help: Option<String>,
}

impl Violation {
    pub(crate) fn new(message: impl Into<String>, help: impl Into<Option<String>>) -> Self {
        Violation {
            message: message.into(),
            help: help.into(),
        }
    }

    /// The error at one token's span.
    pub(crate) fn at(self, span: Span) -> syn::Error {
        syn::Error::new(span, self.text())
    }

    /// The error on every token of `tokens`: `tier_of(body)` underlined whole, not
    /// only `tier_of`, which is all a single span covers on stable.
    pub(crate) fn on(self, tokens: impl quote::ToTokens) -> syn::Error {
        syn::Error::new_spanned(tokens, self.text())
    }

    fn text(self) -> String {
        match self.help {
            Some(help) => format!("{}\nhelp: {help}", self.message),
            None => self.message,
        }
    }
}

/// `` `a`, `b`, `c` ``.
pub(crate) fn backticked<S: AsRef<str>>(words: &[S]) -> String {
    words
        .iter()
        .map(|word| format!("`{}`", word.as_ref()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Optimal string alignment distance, for did-you-mean suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut rows = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in rows.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in rows[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (rows[i - 1][j] + 1)
                .min(rows[i][j - 1] + 1)
                .min(rows[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(rows[i - 2][j - 2] + 1);
            }
            rows[i][j] = best;
        }
    }
    rows[a.len()][b.len()]
}

/// The candidate nearest to `word`, when it is near enough to be a typo.
pub(crate) fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|candidate| (edit_distance(word, candidate), *candidate))
        .filter(|(distance, candidate)| *distance <= (candidate.len() / 3).max(2))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate)
}

/// `path` respanned so that an error on it underlines all of `tokens` (`user.plan`,
/// not only `user`): rustc spans a path from its first token to its last, so the
/// first gets the span of `tokens`' first token and the last that of their last.
pub(crate) fn spanning(path: TokenStream, tokens: impl quote::ToTokens) -> TokenStream {
    let mut user = tokens.into_token_stream().into_iter();
    let first = user
        .next()
        .map_or_else(Span::call_site, |token| token.span());
    let last = user.last().map_or(first, |token| token.span());
    let mut path: Vec<TokenTree> = path.into_iter().collect();
    let end = path.len().saturating_sub(1);
    for (index, token) in path.iter_mut().enumerate() {
        token.set_span(if index == end { last } else { first });
    }
    path.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn did_you_mean_finds_typos_only() {
        let keys = crate::parse::KEYS;
        assert_eq!(did_you_mean("histgram", keys), Some("histogram"));
        assert_eq!(did_you_mean("eror", keys), Some("errors"));
        assert_eq!(did_you_mean("inflight", keys), Some("in_flight"));
        assert_eq!(did_you_mean("label", keys), Some("labels"));
        assert_eq!(did_you_mean("frobnicate", keys), None);
    }

    #[test]
    fn messages_carry_their_help_line() {
        let violation = Violation::new("bad name", Some("try `good`".to_owned()));
        assert_eq!(violation.text(), "bad name\nhelp: try `good`");
        assert_eq!(backticked(&["a", "b"]), "`a`, `b`");
    }
}
