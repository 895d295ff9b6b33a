//! "Did you mean …?" for misspelt keys and habit ids.

/// The candidate closest to `word` by edit distance, if it is close enough
/// to be a plausible typo (at most a third of the word, and at least one edit).
///
/// The distance is optimal string alignment over chars, where swapping two
/// neighbours counts as one edit, since `titel` is one slip from `title`.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let limit = (word.chars().count() / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::osa_distance(word, c), c))
        .filter(|&(d, _)| d <= limit)
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_only_close_words() {
        let keys = ["title", "body", "urgency", "timeout", "every", "between"];
        assert_eq!(closest("titel", keys), Some("title"));
        assert_eq!(closest("betwen", keys), Some("between"));
        assert_eq!(closest("colour", keys), None);
        assert_eq!(closest("watr", ["water", "walk"]), Some("water"));
        // Characters, not bytes: one accent is one edit.
        assert_eq!(closest("wâter", ["water"]), Some("water"));
    }
}
