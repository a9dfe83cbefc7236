//! YAML text to `RawConfig`, with serde's errors turned into positioned `ConfigError`s.

use serde_saphyr::{DefaultMessageFormatter, Location, MessageFormatter};

use super::error::{ConfigError, SourcePos, closest};
use super::schema::RawConfig;

pub(super) fn parse(text: &str, origin: &str) -> Result<RawConfig, ConfigError> {
    let has_content = text.lines().any(|line| {
        let line = line.trim();
        !(line.is_empty() || line.starts_with('#') || line == "---" || line == "...")
    });
    if !has_content {
        return Err(ConfigError::Empty {
            origin: origin.to_string(),
        });
    }
    let mut key_path = String::new();
    let result = serde_saphyr::with_deserializer_from_str(text, |de| {
        serde_path_to_error::deserialize(de).map_err(|err| {
            key_path = err.path().to_string();
            err.into_inner()
        })
    });
    result.map_err(|err| classify(&err, key_path, origin))
}

/// The position of a spanned value, for errors found after deserialisation.
pub(super) fn pos(origin: &str, location: &Location) -> SourcePos {
    SourcePos {
        origin: origin.to_string(),
        line: location.line().max(1),
        column: location.column().max(1),
    }
}

fn classify(err: &serde_saphyr::Error, key_path: String, origin: &str) -> ConfigError {
    let inner = err.without_snippet();
    let at = pos(origin, &inner.location().unwrap_or(Location::UNKNOWN));
    let message = DefaultMessageFormatter.format_message(inner).into_owned();
    // Spanned<T> shows up as an extra `value` segment; the user wrote only the key.
    let key = key_path
        .split('.')
        .filter(|segment| *segment != "value")
        .collect::<Vec<_>>()
        .join(".");

    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`').unwrap_or((rest, ""));
        let candidates: Vec<&str> = expected
            .trim_start_matches([',', ' '])
            .trim_start_matches("expected one of ")
            .trim_start_matches("expected ")
            .split(", ")
            .map(|c| c.trim_matches('`'))
            .collect();
        let full_key = match key.rsplit_once('.') {
            Some((parent, _)) => format!("{parent}.{field}"),
            None => field.to_string(),
        };
        return ConfigError::UnknownKey {
            at,
            key: full_key,
            suggestion: closest(field, candidates),
        };
    }
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let name = rest.split(',').next().unwrap_or(rest).trim();
        let parent = key.trim_end_matches('?').trim_end_matches('.');
        let key = if parent.is_empty() || parent == "." {
            name.to_string()
        } else {
            format!("{parent}.{name}")
        };
        return ConfigError::DuplicateKey { at, key };
    }
    if matches!(inner, serde_saphyr::Error::ExternalMessage { .. }) || key == "." || key.is_empty()
    {
        return ConfigError::Syntax { at, message };
    }
    ConfigError::WrongType { at, key, message }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_err(text: &str) -> ConfigError {
        parse(text, "cfg.yaml").unwrap_err()
    }

    #[test]
    fn unknown_key_names_position_full_key_and_suggestion() {
        let err = parse_err("agents:\n  oracle:\n    model: x\n    temprature: 0.3\n");
        assert_eq!(
            err.to_string(),
            "cfg.yaml:4:5: unknown key `agents.oracle.temprature`; did you mean `temperature`?"
        );
    }

    #[test]
    fn unknown_top_level_key_is_reported() {
        let err = parse_err("agent:\n  oracle: {}\n");
        assert!(
            matches!(&err, ConfigError::UnknownKey { key, suggestion: Some(s), .. } if key == "agent" && s == "agents"),
            "{err}"
        );
    }

    #[test]
    fn wrong_type_names_the_key() {
        let err = parse_err("agents:\n  oracle:\n    model: x\n    max_tokens: lots\n");
        assert!(
            matches!(&err, ConfigError::WrongType { key, at, .. } if key == "agents.oracle.max_tokens" && at.line == 4),
            "{err}"
        );
    }

    #[test]
    fn wrong_type_for_a_flag_names_the_key() {
        let err = parse_err("routing:\n  enable_fallback: sometimes\n");
        assert!(
            matches!(&err, ConfigError::WrongType { key, .. } if key == "routing.enable_fallback"),
            "{err}"
        );
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let err = parse_err("agents:\n  oracle:\n    model: \"x\n  bad: [\n");
        let text = err.to_string();
        assert!(text.starts_with("cfg.yaml:"), "{text}");
        assert!(
            matches!(
                err,
                ConfigError::Syntax { .. } | ConfigError::WrongType { .. }
            ),
            "{text}"
        );
    }

    #[test]
    fn empty_file_is_an_error_of_its_own() {
        assert!(matches!(parse_err("\n\n"), ConfigError::Empty { .. }));
    }

    #[test]
    fn a_file_of_only_comments_is_empty() {
        assert!(matches!(
            parse_err("# agents:\n#   oracle: {}\n"),
            ConfigError::Empty { .. }
        ));
    }
}
