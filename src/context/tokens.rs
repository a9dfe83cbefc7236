//! How many tokens a text costs a model, estimated without a tokenizer.
//!
//! Budgets are filled in tokens, but each provider tokenizes differently and shipping
//! their vocabularies would add tens of megabytes, so we estimate from the shape of the
//! text: byte-pair tokenizers give common words one token, long and rare words a few, a
//! run of digits one per three, most punctuation one per mark, indentation one per run,
//! and text outside ASCII about one per character. The weights below were fitted against
//! OpenAI's o200k_base and cl100k_base on this repository's own sources, docs and test
//! fixtures; `tests/token_estimator.rs` measures the error on every run (figures in
//! README.md) and fails if it drifts.

/// The estimated token count of `text`.
pub fn estimate(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut cost = 0.0f64;
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        let run = |i: usize, class: fn(u8) -> bool| {
            bytes[i..]
                .iter()
                .position(|&c| !class(c))
                .unwrap_or(bytes.len() - i)
        };
        if b.is_ascii_alphabetic() {
            let len = run(i, |c| c.is_ascii_alphabetic());
            cost += word_cost(&bytes[i..i + len]);
            i += len;
        } else if b.is_ascii_digit() {
            let len = run(i, |c| c.is_ascii_digit());
            cost += len.div_ceil(3) as f64;
            i += len;
        } else if b == b' ' {
            let len = run(i, |c| c == b' ');
            // One space joins the word after it; a longer run (indentation, alignment) is
            // a token of its own.
            if 1 < len {
                cost += 1.0;
            }
            i += len;
        } else if b == b'\n' || b == b'\r' || b == b'\t' {
            let len = run(i, |c| c == b'\n' || c == b'\r' || c == b'\t');
            cost += 1.0;
            i += len;
        } else if b == b'_' {
            // Joins the word after it (`_name`), except in runs (`__init__`).
            let len = run(i, |c| c == b'_');
            cost += PUNCTUATION * (len - 1) as f64;
            i += len;
        } else if b.is_ascii() {
            cost += PUNCTUATION;
            i += 1;
        } else {
            // One char outside ASCII: its UTF-8 length from the lead byte.
            let len = match b {
                0xF0.. => 4,
                0xE0.. => 3,
                _ => 2,
            };
            cost += if len == 4 { 2.0 } else { 1.0 };
            i += len;
        }
    }
    cost.ceil() as usize
}

/// What one mark of punctuation costs: pairs like `()`, `::`, `->` and `"""` are single
/// tokens, so less than one.
const PUNCTUATION: f64 = 0.5;

/// A run of letters: its camelCase parts, each a token up to a common word's length.
fn word_cost(word: &[u8]) -> f64 {
    let mut cost = 0.0;
    let mut start = 0;
    for i in 1..=word.len() {
        let boundary =
            i == word.len() || (word[i].is_ascii_uppercase() && word[i - 1].is_ascii_lowercase());
        if boundary {
            let len = i - start;
            cost += if len <= 8 { 1.0 } else { len as f64 / 6.0 };
            start = i;
        }
    }
    cost
}

/// The longest prefix of `text` that ends at a line break and fits `tokens`, with the
/// number of lines it keeps. A cut never falls inside a line, so never inside a token.
pub fn fit_lines(text: &str, tokens: usize) -> (&str, usize) {
    let mut used = 0;
    let mut end = 0;
    let mut lines = 0;
    for line in text.split_inclusive('\n') {
        let cost = estimate(line);
        if tokens < used + cost {
            break;
        }
        used += cost;
        end += line.len();
        lines += 1;
    }
    (text[..end].trim_end_matches(['\n', '\r']), lines)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_empty_text_costs_nothing() {
        assert_eq!(estimate(""), 0);
    }

    #[test]
    fn common_words_cost_one_token_each() {
        assert_eq!(estimate("the quick brown fox"), 4);
    }

    #[test]
    fn identifiers_cost_their_parts() {
        assert!(estimate("getUserName") > estimate("name"));
        assert!(estimate("get_user_name") >= 3);
    }

    #[test]
    fn long_numbers_cost_one_token_per_three_digits() {
        assert_eq!(estimate("123456789"), 3);
    }

    #[test]
    fn text_outside_ascii_costs_about_a_token_per_character() {
        assert_eq!(estimate("漢字漢字"), 4);
    }

    #[test]
    fn fitting_keeps_whole_lines_only() {
        let text = "alpha beta\ngamma delta\nepsilon zeta\n";
        let (kept, lines) = fit_lines(text, 6);
        assert_eq!(kept, "alpha beta\ngamma delta");
        assert_eq!(lines, 2);
    }

    #[test]
    fn fitting_nothing_keeps_nothing() {
        assert_eq!(fit_lines("a very long line of words\n", 2), ("", 0));
    }
}
