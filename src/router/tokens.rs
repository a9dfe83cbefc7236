//! Task text to the word stems the router matches cues against.

use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// One word of a task description.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Token {
    /// The word as written, lowercased.
    pub word: String,
    /// Its Snowball English stem, so "planning" and "planned" match "plan". Empty for
    /// identifiers, which never match a cue.
    pub stem: String,
    /// Whether the word opens a sentence (or the task), where questions show their kind.
    pub sentence_start: bool,
}

impl Token {
    pub fn is_identifier(&self) -> bool {
        self.stem.is_empty()
    }
}

/// The stem of a lowercase word.
pub(super) fn stem(word: &str) -> String {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER
        .get_or_init(|| Stemmer::create(Algorithm::English))
        .stem(word)
        .into_owned()
}

/// Splits a task into words. Code names — anything in backticks or quotes, and words
/// shaped like identifiers (`find_user`, `SearchIndex`, `stripe.create`, `paginate()`) — are
/// kept as placeholders: "implement `find_user`" must not read as a search.
pub(super) fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    for sentence in sentences(text) {
        let first = tokens.len();
        for (i, chunk) in sentence.split('`').enumerate() {
            let inside_backticks = i % 2 == 1;
            if inside_backticks {
                tokens.push(identifier(chunk));
                continue;
            }
            for raw in chunk.split(|c: char| c.is_whitespace() || ",()[]{}<>\"“”".contains(c)) {
                push_word(&mut tokens, raw);
            }
        }
        skip_politeness(&mut tokens, first);
        if let Some(token) = tokens.get_mut(first) {
            token.sentence_start = true;
        }
    }
    tokens
}

/// Drops a polite opening ("could you", "please", "can you please") so that the request
/// behind it is what opens the sentence: "could you add ..." asks for code, not a review.
fn skip_politeness(tokens: &mut Vec<Token>, first: usize) {
    const OPENINGS: &[&[&str]] = &[
        &["please"],
        &["could", "you"],
        &["can", "you"],
        &["would", "you"],
        &["will", "you"],
        &["i", "would", "like", "you", "to"],
    ];
    loop {
        let words: Vec<&str> = tokens[first..].iter().map(|t| t.word.as_str()).collect();
        let Some(opening) = OPENINGS.iter().find(|opening| words.starts_with(opening)) else {
            return;
        };
        tokens.drain(first..first + opening.len());
    }
}

/// Splits at `?`, `!`, `;`, a dash between spaces, and `.` or `:` that end a word
/// (not the dots of `stripe.create`).
fn sentences(text: &str) -> Vec<&str> {
    let mut sentences = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let next_is_space = bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace());
        let prev_is_space = i == 0 || bytes[i - 1].is_ascii_whitespace();
        let ends = match c {
            '?' | '!' | ';' | '\n' => true,
            '.' | ':' => next_is_space,
            '-' | '–' | '—' => prev_is_space && next_is_space,
            _ => false,
        };
        if ends {
            sentences.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    }
    sentences.push(&text[start..]);
    sentences
}

fn push_word(tokens: &mut Vec<Token>, raw: &str) {
    let raw = raw.trim_matches(|c: char| !c.is_alphanumeric() && c != '_');
    if raw.is_empty() {
        return;
    }
    if looks_like_identifier(raw) {
        tokens.push(identifier(raw));
        return;
    }
    let lower = raw.to_lowercase().replace('’', "'");
    // Contractions: "where's" reads as "where is", "isn't" as "is not".
    let (head, tail) = match lower.split_once('\'') {
        Some((head, "s")) => (head.to_string(), Some("is")),
        Some((head, "re")) => (head.to_string(), Some("are")),
        Some((head, "d")) => (head.to_string(), Some("would")),
        Some((head, "t")) if head.ends_with('n') => {
            (head.trim_end_matches('n').to_string(), Some("not"))
        }
        Some((head, _)) => (head.to_string(), None),
        None => (lower, None),
    };
    // Hyphens join words that people also write apart ("high-level", "off-by-one").
    for part in head.split('-').filter(|p| !p.is_empty()) {
        tokens.push(word(part));
    }
    if let Some(tail) = tail {
        tokens.push(word(tail));
    }
}

fn word(w: &str) -> Token {
    Token {
        word: w.to_string(),
        stem: stem(w),
        sentence_start: false,
    }
}

fn identifier(raw: &str) -> Token {
    Token {
        word: raw.to_string(),
        stem: String::new(),
        sentence_start: false,
    }
}

fn looks_like_identifier(raw: &str) -> bool {
    let has_inner_upper =
        raw.chars().skip(1).any(|c| c.is_uppercase()) && raw.chars().any(|c| c.is_lowercase());
    raw.contains('_')
        || raw.contains("::")
        || raw.contains('.')
        || raw.contains('/')
        || raw.contains('=')
        || has_inner_upper
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        tokenize(text).into_iter().map(|t| t.stem).collect()
    }

    #[test]
    fn inflections_share_a_stem() {
        assert_eq!(stem("planning"), stem("plan"));
        assert_eq!(stem("reviewed"), stem("review"));
        assert_eq!(stem("examples"), stem("example"));
        assert_eq!(stem("vulnerabilities"), stem("vulnerability"));
    }

    #[test]
    fn identifiers_are_placeholders() {
        assert_eq!(stems("implement find_user now"), ["implement", "", "now"]);
        assert_eq!(stems("fix SearchIndex"), ["fix", ""]);
        assert_eq!(stems("call stripe.PaymentIntent.create"), ["call", ""]);
    }

    #[test]
    fn backticked_code_is_one_placeholder() {
        assert_eq!(
            stems("where is `plan for x` used"),
            ["where", "is", "", "use"]
        );
    }

    #[test]
    fn sentence_starts_are_marked() {
        let starts: Vec<String> =
            tokenize("is it safe? where is `a.b` - who calls stripe.create: now")
                .into_iter()
                .filter(|t| t.sentence_start)
                .map(|t| t.word)
                .collect();
        assert_eq!(starts, ["is", "where", "who", "now"]);
    }

    #[test]
    fn polite_openings_are_dropped() {
        let words: Vec<String> = tokenize("I'd like you to add a flag")
            .into_iter()
            .map(|t| t.word)
            .collect();
        assert_eq!(words, ["add", "a", "flag"]);
    }

    #[test]
    fn contractions_expand() {
        assert_eq!(stems("where's it"), ["where", "is", "it"]);
    }

    #[test]
    fn hyphenated_words_split() {
        assert_eq!(
            stems("high-level sanity-check"),
            ["high", "level", "saniti", "check"]
        );
    }
}
