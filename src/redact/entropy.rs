//! Shannon entropy: how random a value looks, for names that only suggest a secret.
//!
//! A value under a name like `signing_key` is a secret; under `cache_key` it usually is
//! not. For such names a value counts as a secret only when it looks generated: one token
//! of the alphabets keys are written in (base64, base64url, hex), at least `MIN_CHARS`
//! long, letters and digits both, and enough bits per character. The threshold depends on
//! the alphabet, because a short string cannot show more randomness than its alphabet
//! allows: measured on random strings, base64 of 20 characters averages 4.0 bits (99% above
//! 3.65), hex of 24 averages 3.5 and never exceeds 4; identifiers and words that mix in a
//! digit (`session_cookie_v2_name`) stay near or below 3.4.

use std::collections::HashMap;

/// For hex (ceiling 4 bits): random hex of 16 characters averages 3.2, of 32 averages 3.6.
pub(super) const MIN_BITS_HEX: f64 = 3.0;
/// For the other token alphabets (ceiling 6 bits).
pub(super) const MIN_BITS_OTHER: f64 = 3.5;
/// Shorter strings cannot show their randomness.
pub(super) const MIN_CHARS: usize = 16;

/// Bits per character: −Σ p·log₂ p over the character frequencies.
pub(super) fn bits_per_char(value: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    let mut total = 0usize;
    for c in value.chars() {
        *counts.entry(c).or_default() += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    counts
        .values()
        .map(|&n| {
            let p = n as f64 / total as f64;
            -p * p.log2()
        })
        .sum()
}

/// Whether `value` looks generated rather than written.
pub(super) fn looks_random(value: &str) -> bool {
    let token = value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '_' | '-'));
    if !token
        || value.len() < MIN_CHARS
        || !value.chars().any(|c| c.is_ascii_alphabetic())
        || !value.chars().any(|c| c.is_ascii_digit())
    {
        return false;
    }
    let threshold = if value.chars().all(|c| c.is_ascii_hexdigit()) {
        MIN_BITS_HEX
    } else {
        MIN_BITS_OTHER
    };
    threshold <= bits_per_char(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_character_has_no_entropy() {
        assert_eq!(bits_per_char("aaaaaaaa"), 0.0);
        assert_eq!(bits_per_char(""), 0.0);
    }

    #[test]
    fn sixteen_distinct_characters_have_four_bits_each() {
        assert!((bits_per_char("0123456789abcdef") - 4.0).abs() < 1e-9);
    }

    #[test]
    fn generated_values_look_random() {
        assert!(looks_random("q8ZtR3vLx0Wm5NcY2pKb7HfJ"));
        assert!(looks_random("9f86d081884c7d659a2feaa0c55ad015"));
        assert!(looks_random("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA=="));
    }

    #[test]
    fn identifiers_paths_and_patterns_do_not() {
        assert!(!looks_random("user_profile_by_id"));
        assert!(!looks_random("session_cookie_v2_name"));
        assert!(!looks_random("settings/v2/config.yaml"));
        assert!(!looks_random("0000111122223333"));
        assert!(!looks_random("a1b2c3"));
    }
}
