//! Finding the configuration file: explicit path → workspace → user config dir → built-in.

use std::path::{Path, PathBuf};

use super::{Config, ConfigError, ConfigSource, Environment};

/// What `discover` looks at.
pub struct ConfigSearch<'a> {
    /// `--config` or the LSP `initializationOptions.configPath`: must exist if given.
    pub explicit: Option<&'a Path>,
    /// The workspace root, searched for `config/multi_model.yaml`.
    pub workspace: Option<&'a Path>,
    /// Supplies `XDG_CONFIG_HOME` and `HOME`.
    pub env: &'a dyn Environment,
}

impl ConfigSearch<'_> {
    /// The files `discover` would try, in order (the explicit one, if any, alone).
    pub fn candidates(&self) -> Vec<PathBuf> {
        if let Some(explicit) = self.explicit {
            return vec![explicit.to_path_buf()];
        }
        let mut candidates = Vec::new();
        if let Some(workspace) = self.workspace {
            candidates.push(workspace.join("config").join("multi_model.yaml"));
        }
        let user_dir = match self
            .env
            .var("XDG_CONFIG_HOME")
            .filter(|dir| !dir.is_empty())
        {
            Some(dir) => Some(PathBuf::from(dir)),
            None => self
                .env
                .var("HOME")
                .filter(|home| !home.is_empty())
                .map(|home| PathBuf::from(home).join(".config")),
        };
        if let Some(dir) = user_dir {
            candidates.push(dir.join("multi-model").join("config.yaml"));
        }
        candidates
    }
}

/// What the candidate files looked like on disk (size and modification time, or absent):
/// a changed stamp means the configuration must be read again, also where no client
/// watches the files for us.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConfigStamp(Vec<(PathBuf, Option<FileSeen>)>);

/// A file's size and modification time.
type FileSeen = (u64, Option<std::time::SystemTime>);

impl ConfigSearch<'_> {
    /// The stamp of the candidate files as they are now.
    pub fn stamp(&self) -> ConfigStamp {
        ConfigStamp(
            self.candidates()
                .into_iter()
                .map(|path| {
                    let meta = std::fs::metadata(&path).ok();
                    let seen = meta.map(|m| (m.len(), m.modified().ok()));
                    (path, seen)
                })
                .collect(),
        )
    }
}

/// Loads the first configuration file found, or the built-in defaults when there is none.
/// A file that exists but is broken is an error, never silently skipped: the user meant it.
pub fn discover(search: &ConfigSearch) -> Result<Config, ConfigError> {
    for path in search.candidates() {
        if search.explicit.is_none() && !path.is_file() {
            continue;
        }
        return load(&path);
    }
    Ok(Config::builtin().clone())
}

fn load(path: &Path) -> Result<Config, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Unreadable {
        path: path.to_path_buf(),
        source,
    })?;
    Config::from_yaml(&text, ConfigSource::File(path.to_path_buf()))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::fs;

    use super::*;

    const ORACLE_ONLY: &str = "agents:\n  oracle:\n    model: from-{}\n    provider: openai\n";

    fn write(dir: &Path, relative: &str, label: &str) -> PathBuf {
        let path = dir.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, ORACLE_ONLY.replace("{}", label)).unwrap();
        path
    }

    fn env_of(vars: &[(&str, &Path)]) -> impl Fn(&str) -> Option<String> + use<> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.display().to_string()))
            .collect();
        move |name: &str| vars.get(name).cloned()
    }

    fn oracle_model(search: &ConfigSearch) -> String {
        discover(search).unwrap().agents.oracle.model
    }

    #[test]
    fn explicit_path_wins_over_workspace_and_user_files() {
        let tmp = tempfile::tempdir().unwrap();
        let explicit = write(tmp.path(), "elsewhere.yaml", "explicit");
        write(tmp.path(), "ws/config/multi_model.yaml", "workspace");
        write(tmp.path(), "xdg/multi-model/config.yaml", "user");
        let env = env_of(&[("XDG_CONFIG_HOME", &tmp.path().join("xdg"))]);
        let workspace = tmp.path().join("ws");
        let search = ConfigSearch {
            explicit: Some(&explicit),
            workspace: Some(&workspace),
            env: &env,
        };
        assert_eq!(oracle_model(&search), "from-explicit");
    }

    #[test]
    fn workspace_file_wins_over_user_file() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "ws/config/multi_model.yaml", "workspace");
        write(tmp.path(), "xdg/multi-model/config.yaml", "user");
        let env = env_of(&[("XDG_CONFIG_HOME", &tmp.path().join("xdg"))]);
        let workspace = tmp.path().join("ws");
        let search = ConfigSearch {
            explicit: None,
            workspace: Some(&workspace),
            env: &env,
        };
        assert_eq!(oracle_model(&search), "from-workspace");
    }

    #[test]
    fn xdg_config_home_is_used_before_home() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "xdg/multi-model/config.yaml", "xdg");
        write(tmp.path(), "home/.config/multi-model/config.yaml", "home");
        let env = env_of(&[
            ("XDG_CONFIG_HOME", &tmp.path().join("xdg")),
            ("HOME", &tmp.path().join("home")),
        ]);
        let search = ConfigSearch {
            explicit: None,
            workspace: None,
            env: &env,
        };
        assert_eq!(oracle_model(&search), "from-xdg");
    }

    #[test]
    fn home_config_dir_is_used_without_xdg_config_home() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "home/.config/multi-model/config.yaml", "home");
        let env = env_of(&[("HOME", &tmp.path().join("home"))]);
        let search = ConfigSearch {
            explicit: None,
            workspace: None,
            env: &env,
        };
        assert_eq!(oracle_model(&search), "from-home");
    }

    #[test]
    fn no_file_anywhere_gives_the_built_in_defaults() {
        let tmp = tempfile::tempdir().unwrap();
        let env = env_of(&[("HOME", tmp.path())]);
        let search = ConfigSearch {
            explicit: None,
            workspace: Some(tmp.path()),
            env: &env,
        };
        let config = discover(&search).unwrap();
        assert_eq!(config.source, ConfigSource::BuiltIn);
    }

    #[test]
    fn missing_explicit_file_is_an_error_naming_it() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("nope.yaml");
        let env = env_of(&[]);
        let search = ConfigSearch {
            explicit: Some(&missing),
            workspace: None,
            env: &env,
        };
        let err = discover(&search).unwrap_err();
        assert!(matches!(err, ConfigError::Unreadable { .. }));
        assert!(err.to_string().contains("nope.yaml"), "{err}");
    }

    #[test]
    fn broken_workspace_file_is_reported_not_skipped() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("config/multi_model.yaml");
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, "agents:\n  oracel:\n    model: x\n").unwrap();
        let env = env_of(&[]);
        let search = ConfigSearch {
            explicit: None,
            workspace: Some(tmp.path()),
            env: &env,
        };
        let err = discover(&search).unwrap_err();
        assert!(err.to_string().contains("multi_model.yaml:2:3"), "{err}");
    }
}
