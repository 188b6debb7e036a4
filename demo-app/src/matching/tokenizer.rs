//! A sub-word tokenizer, as language models count what they read: words by
//! Unicode word boundaries, each word one token per up to four characters,
//! each punctuation mark one token.

use unicode_segmentation::UnicodeSegmentation;

/// The words of `text` (letters and digits), by Unicode word boundaries.
pub(super) fn words(text: &str) -> impl Iterator<Item = &str> {
    text.unicode_words()
}

/// How many tokens `text` is.
pub fn count_tokens(text: &str) -> u64 {
    text.split_word_bounds()
        .filter(|piece| !piece.trim().is_empty())
        .map(|piece| {
            let characters = piece.chars().count() as u64;
            if piece.chars().any(char::is_alphanumeric) {
                characters.div_ceil(4)
            } else {
                characters
            }
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_split_into_pieces_of_four_and_marks_count_one_each() {
        assert_eq!(count_tokens(""), 0);
        assert_eq!(count_tokens("Rust"), 1);
        assert_eq!(count_tokens("Prometheus"), 3);
        assert_eq!(count_tokens("Rust, fast."), 4);
        assert_eq!(count_tokens("naïve café"), 2 + 1);
    }
}
