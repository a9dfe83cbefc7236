//! Where a pipeline's outputs go: a fresh directory per run, files written whole.

use std::path::{Component, Path, PathBuf};

/// A run directory, e.g. `.agent/runs/20261124T101500Z-feature-user-auth/`.
#[derive(Clone, Debug)]
pub struct RunDir {
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum RunDirError {
    #[error("{path} already exists; pass --force to write into it")]
    Exists { path: PathBuf },
    #[error("cannot write {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("refusing to write `{path}`: outside the run directory")]
    Escapes { path: String },
}

impl RunDir {
    /// Creates the directory. An existing one is refused unless `force`.
    pub fn create(path: PathBuf, force: bool) -> Result<RunDir, RunDirError> {
        if path.exists() && !force {
            return Err(RunDirError::Exists { path });
        }
        std::fs::create_dir_all(&path).map_err(|source| RunDirError::Io {
            path: path.clone(),
            source,
        })?;
        Ok(RunDir { path })
    }

    /// Where `request` runs now by default, in `workspace`: both faces name it so.
    pub fn default_for(workspace: &Path, request: &crate::task::PipelineRequest) -> PathBuf {
        let stamp = jiff::Timestamp::now()
            .strftime("%Y%m%dT%H%M%SZ")
            .to_string();
        RunDir::default_path(
            workspace,
            &request.kind.to_string(),
            &request.label(),
            &stamp,
        )
    }

    /// The default place: `<workspace>/.agent/runs/<UTC time>-<pipeline>-<name>`.
    pub fn default_path(workspace: &Path, pipeline: &str, name: &str, utc_stamp: &str) -> PathBuf {
        let slug: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                }
            })
            .collect::<String>()
            .split('-')
            .filter(|part| !part.is_empty())
            .take(8)
            .collect::<Vec<_>>()
            .join("-");
        let slug = if slug.is_empty() {
            "run".to_string()
        } else {
            slug
        };
        workspace
            .join(".agent")
            .join("runs")
            .join(format!("{utc_stamp}-{pipeline}-{slug}"))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a file under the run directory, whole or not at all (temporary file, then
    /// rename): an interrupted run never leaves a half-written file that looks complete.
    /// `relative` may name subdirectories but never leave the run directory.
    pub fn write(&self, relative: &str, contents: &str) -> Result<PathBuf, RunDirError> {
        let relative_path = Path::new(relative);
        let safe = relative_path
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
        if !safe || relative.is_empty() {
            return Err(RunDirError::Escapes {
                path: relative.to_string(),
            });
        }
        let target = self.path.join(relative_path);
        let io = |source| RunDirError::Io {
            path: target.clone(),
            source,
        };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        let temporary = target.with_extension(format!(
            "{}.partial",
            target.extension().and_then(|e| e.to_str()).unwrap_or("")
        ));
        std::fs::write(&temporary, contents).map_err(io)?;
        std::fs::rename(&temporary, &target).map_err(io)?;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_directory_is_refused_without_force() {
        let tmp = tempfile::tempdir().unwrap();
        let err = RunDir::create(tmp.path().to_path_buf(), false).unwrap_err();
        assert!(err.to_string().contains("--force"), "{err}");
        assert!(RunDir::create(tmp.path().to_path_buf(), true).is_ok());
    }

    #[test]
    fn files_are_written_whole_without_leftovers() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path().join("run"), false).unwrap();
        dir.write("implementation/src/app.py", "print(1)\n")
            .unwrap();
        assert_eq!(
            std::fs::read_to_string(tmp.path().join("run/implementation/src/app.py")).unwrap(),
            "print(1)\n"
        );
        let leftovers: Vec<_> = walk(&tmp.path().join("run"))
            .into_iter()
            .filter(|p| p.contains("partial"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");
    }

    #[test]
    fn paths_leaving_the_run_directory_are_refused() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = RunDir::create(tmp.path().join("run"), false).unwrap();
        for bad in ["../evil.py", "/etc/passwd", "a/../../b", ""] {
            assert!(
                matches!(dir.write(bad, "x"), Err(RunDirError::Escapes { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_default_path_has_time_pipeline_and_a_safe_name() {
        let path = RunDir::default_path(
            Path::new("/ws"),
            "feature",
            "User Auth/../x",
            "20261124T101500Z",
        );
        assert_eq!(
            path,
            Path::new("/ws/.agent/runs/20261124T101500Z-feature-user-auth-x")
        );
    }

    fn walk(dir: &Path) -> Vec<String> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(walk(&path));
            } else {
                out.push(path.display().to_string());
            }
        }
        out
    }
}
