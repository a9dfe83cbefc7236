//! Files that are secrets as a whole and are never sent, not even redacted: environment
//! files, private keys and certificates' key stores, credential files, and whatever the
//! configuration adds (`privacy.never_send`).
//!
//! Patterns are globs, matched case-insensitively (denying `ID_RSA` too is the safe side).
//! A pattern without `/` matches any component of the path (`secrets` denies a file named
//! so and everything under a directory named so); a pattern with `/` matches the end of
//! the path and everything under it (`config/prod.yaml`, `deploy/secrets/**`); a leading or
//! trailing `/` changes nothing. Give paths relative to the workspace root: of an absolute
//! path the directories above the workspace count too.

use std::path::{Component, Path};

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};
use serde::Serialize;

/// Always denied, whatever the configuration says.
const BUILT_IN: &[&str] = &[
    // Environment files: the conventional home of every key a project uses.
    ".env",
    ".env.*",
    ".envrc",
    // Private keys and key stores.
    "*.pem",
    "*.key",
    "*.p12",
    "*.pfx",
    "*.ppk",
    "id_rsa*",
    "id_dsa*",
    "id_ecdsa*",
    "id_ed25519*",
    // Credential files whose lines carry no name a rule could recognise.
    "credentials*.json",
    ".netrc",
    ".pgpass",
    ".git-credentials",
];

/// The built-in patterns and the configured ones, compiled.
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct DenyList {
    /// The configured patterns as written (the built-ins are not repeated here).
    configured: Vec<String>,
    /// Matched against each component of a path.
    #[serde(skip)]
    names: GlobSet,
    /// Matched against the whole path.
    #[serde(skip)]
    paths: GlobSet,
}

/// A configured pattern that is not a glob.
#[derive(Debug, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct BadPattern {
    /// Its place in the configured list.
    pub index: usize,
    pub message: String,
}

impl DenyList {
    /// The built-in patterns plus `configured`.
    pub fn new(configured: &[String]) -> Result<DenyList, BadPattern> {
        let mut names = GlobSetBuilder::new();
        let mut paths = GlobSetBuilder::new();
        let built_in = BUILT_IN.iter().map(|p| (None, *p));
        let configured_ones = configured
            .iter()
            .enumerate()
            .map(|(i, p)| (Some(i), p.as_str()));
        for (index, pattern) in built_in.chain(configured_ones) {
            let bad = |reason: globset::Error| BadPattern {
                index: index.unwrap_or_default(),
                message: format!("`{pattern}` is not a valid glob: {}", reason.kind()),
            };
            let trimmed = pattern.trim().trim_matches('/');
            if trimmed.is_empty() {
                return Err(BadPattern {
                    index: index.unwrap_or_default(),
                    message: "an empty pattern names no file".into(),
                });
            }
            if trimmed.contains('/') {
                let trimmed = trimmed.trim_start_matches("**/");
                for form in [
                    trimmed.to_string(),
                    format!("**/{trimmed}"),
                    format!("{trimmed}/**"),
                    format!("**/{trimmed}/**"),
                ] {
                    paths.add(glob(&form).map_err(bad)?);
                }
            } else {
                names.add(glob(trimmed).map_err(bad)?);
            }
        }
        let build = |set: GlobSetBuilder| {
            set.build().map_err(|e| BadPattern {
                index: 0,
                message: format!("the patterns cannot be compiled: {e}"),
            })
        };
        Ok(DenyList {
            configured: configured.to_vec(),
            names: build(names)?,
            paths: build(paths)?,
        })
    }
}

impl PartialEq for DenyList {
    fn eq(&self, other: &DenyList) -> bool {
        self.configured == other.configured
    }
}

fn glob(pattern: &str) -> Result<Glob, globset::Error> {
    GlobBuilder::new(pattern)
        .case_insensitive(true)
        .literal_separator(true)
        .build()
}

impl DenyList {
    /// Whether the file at `path` (relative to the workspace root) must never be sent.
    pub fn denies(&self, path: &Path) -> bool {
        let named = path
            .components()
            .any(|c| matches!(c, Component::Normal(name) if self.names.is_match(name)));
        named || self.paths.is_match(path)
    }

    /// Removes the pieces whose label (a path relative to the workspace) is on the list;
    /// returns the labels removed.
    pub fn drop_denied(&self, pieces: &mut Vec<crate::context::ContextPiece>) -> Vec<String> {
        let mut dropped = Vec::new();
        pieces.retain(|piece| {
            let keep = !self.denies(Path::new(&piece.label));
            if !keep {
                dropped.push(piece.label.clone());
            }
            keep
        });
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn denied(path: &str, configured: &[&str]) -> bool {
        let configured: Vec<String> = configured.iter().map(|p| p.to_string()).collect();
        DenyList::new(&configured).unwrap().denies(Path::new(path))
    }

    #[test]
    fn environment_files_are_never_sent() {
        for path in [
            ".env",
            ".env.local",
            ".env.production",
            "app/.env",
            ".envrc",
        ] {
            assert!(denied(path, &[]), "{path}");
        }
    }

    #[test]
    fn key_files_are_never_sent() {
        for path in [
            "certs/server.pem",
            "tls/server.key",
            "client.p12",
            "client.PFX",
            "deploy/id_rsa",
            "deploy/id_rsa.pub",
            "home/.ssh/id_ed25519",
            "putty.ppk",
            "credentials.json",
            "gcp/credentials-prod.json",
            ".netrc",
        ] {
            assert!(denied(path, &[]), "{path}");
        }
    }

    #[test]
    fn ordinary_files_are_sent() {
        for path in [
            "src/main.rs",
            "src/env.rs",
            "docs/environment.md",
            "keys.py",
            "src/keyboard.rs",
            "credentials.py",
            "Cargo.lock",
            "package-lock.json",
        ] {
            assert!(!denied(path, &[]), "{path}");
        }
    }

    #[test]
    fn a_configured_name_denies_files_and_directories_of_that_name() {
        assert!(denied("infra/prod.tfvars", &["*.tfvars"]));
        assert!(denied("secrets/db.yaml", &["secrets"]));
        assert!(denied("deploy/secrets/db.yaml", &["secrets/"]));
        assert!(!denied("src/secrets.rs", &["secrets"]));
    }

    #[test]
    fn a_configured_path_denies_its_end_and_what_lies_under_it() {
        let patterns = ["config/prod.yaml", "/deploy/vault/**"];
        assert!(denied("config/prod.yaml", &patterns));
        assert!(denied("/home/me/project/config/prod.yaml", &patterns));
        assert!(denied("deploy/vault/token.txt", &patterns));
        assert!(denied("deploy/vault/nested/token.txt", &patterns));
        assert!(!denied("config/dev.yaml", &patterns));
        assert!(!denied("other/config/prod.yaml.bak", &patterns));
    }

    #[test]
    fn a_pattern_that_is_not_a_glob_is_reported_with_its_index() {
        let configured = vec!["*.tfvars".to_string(), "[abc".to_string()];
        let err = DenyList::new(&configured).unwrap_err();
        assert_eq!(err.index, 1);
        assert!(
            err.to_string().starts_with("`[abc` is not a valid glob:"),
            "{err}"
        );
    }

    #[test]
    fn an_empty_pattern_is_rejected() {
        let err = DenyList::new(&[" ".to_string()]).unwrap_err();
        assert_eq!(err.index, 0);
    }

    #[test]
    fn the_built_in_patterns_are_valid() {
        assert!(DenyList::new(&[]).is_ok());
    }
}
