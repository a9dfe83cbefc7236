//! Configuration errors: every one names where it happened and which key.

use std::fmt;
use std::path::PathBuf;

/// A place in a configuration source, 1-based like a compiler's `file:line:column`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourcePos {
    /// The file path, or `<built-in>` for the embedded defaults.
    pub origin: String,
    pub line: u64,
    pub column: u64,
}

impl fmt::Display for SourcePos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.origin, self.line, self.column)
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read configuration file: {source}")]
    Unreadable {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{origin}:1:1: configuration file is empty (delete it to use the built-in defaults)")]
    Empty { origin: String },

    #[error("{at}: YAML syntax error: {message}")]
    Syntax { at: SourcePos, message: String },

    #[error("{at}: unknown key `{key}`{}", suggestion_text(.suggestion))]
    UnknownKey {
        at: SourcePos,
        key: String,
        suggestion: Option<String>,
    },

    #[error("{at}: `{key}` appears twice; keep one")]
    DuplicateKey { at: SourcePos, key: String },

    #[error("{at}: `{key}`: {message}")]
    WrongType {
        at: SourcePos,
        key: String,
        message: String,
    },

    #[error("{at}: `{key}`: {message}")]
    Invalid {
        at: SourcePos,
        key: String,
        message: String,
    },

    #[error("{at}: `{key}`: {message}")]
    OutOfRange {
        at: SourcePos,
        key: String,
        message: String,
    },

    #[error("{at}: `{key}`: missing required key `{missing}`")]
    MissingKey {
        at: SourcePos,
        key: String,
        missing: &'static str,
    },

    #[error(
        "{at}: `{key}`: unknown provider `{value}` (expected openai, anthropic, gemini or ollama){}",
        suggestion_text(.suggestion)
    )]
    UnknownProvider {
        at: SourcePos,
        key: String,
        value: String,
        suggestion: Option<String>,
    },

    #[error(
        "{at}: `{key}`: cannot tell which provider serves model `{model}`; add `provider: openai|anthropic|gemini|ollama`"
    )]
    UnknownProviderForModel {
        at: SourcePos,
        key: String,
        model: String,
    },

    #[error(
        "{at}: `{key}`: unknown role `{value}` (expected sisyphus, hephaestus, oracle or librarian){}",
        suggestion_text(.suggestion)
    )]
    UnknownRole {
        at: SourcePos,
        key: String,
        value: String,
        suggestion: Option<String>,
    },

    #[error("{at}: `{key}`: fallback cycle: {message}")]
    FallbackCycle {
        at: SourcePos,
        key: String,
        message: String,
    },
}

impl ConfigError {
    /// Where in the file the error is, when it is about a place.
    pub fn position(&self) -> Option<&SourcePos> {
        match self {
            ConfigError::Unreadable { .. } | ConfigError::Empty { .. } => None,
            ConfigError::Syntax { at, .. }
            | ConfigError::UnknownKey { at, .. }
            | ConfigError::DuplicateKey { at, .. }
            | ConfigError::WrongType { at, .. }
            | ConfigError::Invalid { at, .. }
            | ConfigError::OutOfRange { at, .. }
            | ConfigError::MissingKey { at, .. }
            | ConfigError::UnknownProvider { at, .. }
            | ConfigError::UnknownProviderForModel { at, .. }
            | ConfigError::UnknownRole { at, .. }
            | ConfigError::FallbackCycle { at, .. } => Some(at),
        }
    }
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!("; did you mean `{s}`?"),
        None => String::new(),
    }
}

/// The candidate closest to `input`, if it is close enough to be a plausible typo.
pub(crate) fn closest<'a>(
    input: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    let input = input.to_ascii_lowercase();
    candidates
        .into_iter()
        .map(|candidate| (strsim::jaro_winkler(&input, candidate), candidate))
        .filter(|(score, _)| 0.8 <= *score)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, candidate)| candidate.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_key() {
        assert_eq!(
            closest("temprature", ["model", "temperature", "max_tokens"]),
            Some("temperature".into())
        );
        assert_eq!(
            closest("antropic", ["openai", "anthropic"]),
            Some("anthropic".into())
        );
    }

    #[test]
    fn unrelated_words_get_no_suggestion() {
        assert_eq!(
            closest("colour", ["model", "temperature", "max_tokens"]),
            None
        );
    }
}
