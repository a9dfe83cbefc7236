//! What a user can ask for — one role on a task, or a pipeline — checked before any work
//! starts, so that both faces reject the same mistakes with the same words.

use std::fmt;
use std::path::{Path, PathBuf};

use globset::Glob;
use serde::Serialize;

use crate::role::Role;

/// How much of the workspace a task run on files sees (`gather::task_context`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Depth {
    /// The files named (Sisyphus, with none named, the packed workspace).
    #[default]
    Quick,
    /// The files named and the workspace packed by priority, for every role and phase.
    Comprehensive,
}

/// The original skill's pipelines.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PipelineKind {
    /// Sisyphus plans → Hephaestus implements → Oracle reviews → Librarian documents.
    Feature,
    /// Sisyphus analyses → Oracle verifies → Hephaestus fixes → Oracle verifies.
    Bugfix,
    /// Librarian finds similar code → Oracle reviews → Sisyphus assesses architecture.
    Review,
}

impl PipelineKind {
    /// The role the pipeline starts with: where it is Sisyphus, it sees the workspace.
    pub fn first_role(self) -> Role {
        match self {
            PipelineKind::Feature | PipelineKind::Bugfix => Role::Sisyphus,
            PipelineKind::Review => Role::Librarian,
        }
    }
}

impl fmt::Display for PipelineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PipelineKind::Feature => "feature",
            PipelineKind::Bugfix => "bugfix",
            PipelineKind::Review => "review",
        })
    }
}

/// One task for one role (or for the router to assign).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TaskRequest {
    /// `None`: let the router choose.
    pub role: Option<Role>,
    pub task: String,
    pub context: Option<String>,
    /// The specification text, read from `--spec-file`.
    pub spec: Option<String>,
    pub files: Vec<String>,
    pub depth: Depth,
}

/// A pipeline run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PipelineRequest {
    pub kind: PipelineKind,
    pub name: Option<String>,
    pub description: Option<String>,
    pub bug_id: Option<String>,
    pub files: Vec<String>,
    pub depth: Depth,
}

/// Why a request was refused.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("the task is empty; say what you want done")]
    EmptyTask,
    #[error("cannot read spec file {path}: {source}")]
    SpecUnreadable {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("spec file {path} is empty")]
    SpecEmpty { path: PathBuf },
    #[error("invalid file pattern `{pattern}`: {reason}")]
    BadGlob { pattern: String, reason: String },
    #[error("the {kind} pipeline needs {needs}")]
    MissingPipelineInput {
        kind: PipelineKind,
        needs: &'static str,
    },
}

impl TaskRequest {
    /// Checks a task request; reads the spec file if one is named.
    pub fn new(
        role: Option<Role>,
        task: String,
        context: Option<String>,
        spec_file: Option<&Path>,
        files: Vec<String>,
        depth: Depth,
    ) -> Result<TaskRequest, RequestError> {
        if task.trim().is_empty() {
            return Err(RequestError::EmptyTask);
        }
        check_globs(&files)?;
        let spec = spec_file.map(read_spec).transpose()?;
        Ok(TaskRequest {
            role,
            task,
            context,
            spec,
            files,
            depth,
        })
    }
}

impl PipelineRequest {
    /// What the run is called in its directory's name and its summary's: the name given,
    /// else the bug id, else `run`.
    pub fn label(&self) -> String {
        self.name
            .clone()
            .or_else(|| self.bug_id.clone())
            .unwrap_or_else(|| "run".into())
    }

    /// Checks that the pipeline has what its first step needs.
    pub fn new(
        kind: PipelineKind,
        name: Option<String>,
        description: Option<String>,
        bug_id: Option<String>,
        files: Vec<String>,
        depth: Depth,
    ) -> Result<PipelineRequest, RequestError> {
        check_globs(&files)?;
        let given = |value: &Option<String>| value.as_ref().is_some_and(|v| !v.trim().is_empty());
        let missing = match kind {
            PipelineKind::Feature if !given(&name) && !given(&description) => {
                Some("--name or --description")
            }
            PipelineKind::Bugfix if !given(&bug_id) && !given(&description) => {
                Some("--bug-id or --description")
            }
            PipelineKind::Review if files.is_empty() => Some("--files (what to review)"),
            _ => None,
        };
        if let Some(needs) = missing {
            return Err(RequestError::MissingPipelineInput { kind, needs });
        }
        Ok(PipelineRequest {
            kind,
            name,
            description,
            bug_id,
            files,
            depth,
        })
    }
}

fn check_globs(patterns: &[String]) -> Result<(), RequestError> {
    for pattern in patterns {
        if pattern.trim().is_empty() {
            return Err(RequestError::BadGlob {
                pattern: pattern.clone(),
                reason: "empty pattern".into(),
            });
        }
        Glob::new(pattern).map_err(|err| RequestError::BadGlob {
            pattern: pattern.clone(),
            reason: err.kind().to_string(),
        })?;
    }
    Ok(())
}

fn read_spec(path: &Path) -> Result<String, RequestError> {
    let text = std::fs::read_to_string(path).map_err(|source| RequestError::SpecUnreadable {
        path: path.to_path_buf(),
        source,
    })?;
    if text.trim().is_empty() {
        return Err(RequestError::SpecEmpty {
            path: path.to_path_buf(),
        });
    }
    Ok(text)
}

/// What a user asks a role to do with a selection (the editor's code actions and commands).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleCommand {
    Plan,
    Implement,
    Fix,
    Review,
    Explain,
    Examples,
}

impl RoleCommand {
    /// The role that serves the command.
    pub fn role(self) -> Role {
        match self {
            RoleCommand::Plan => Role::Sisyphus,
            RoleCommand::Implement | RoleCommand::Fix => Role::Hephaestus,
            RoleCommand::Review | RoleCommand::Explain => Role::Oracle,
            RoleCommand::Examples => Role::Librarian,
        }
    }

    /// What the user picked, as menus and progress show it.
    pub fn title(self) -> &'static str {
        match self {
            RoleCommand::Plan => "Plan with Sisyphus",
            RoleCommand::Implement => "Implement with Hephaestus",
            RoleCommand::Fix => "Fix with Hephaestus",
            RoleCommand::Review => "Review with Oracle",
            RoleCommand::Explain => "Explain finding",
            RoleCommand::Examples => "Find examples with Librarian",
        }
    }

    /// The task the role is given for a selection: the command's own words, then what the
    /// developer asked (`asked`), if anything; `diagnostic` is the finding a fix is about.
    /// An explanation's prompt is built from the finding itself, so its task is only what
    /// was asked.
    pub fn task(self, asked: Option<&str>, diagnostic: &str) -> String {
        let base = match self {
            RoleCommand::Plan => "Plan the changes this code needs.".to_string(),
            RoleCommand::Implement => "Replace the selected code with a complete implementation of what it describes (fill in stubs, TODOs and docstrings' promises). Answer with the code that replaces the selection.".to_string(),
            RoleCommand::Fix => format!("Fix this problem in the selected code (the statements it lies in, whole), and answer with the code that replaces the selection; an import the fix needs goes on its own line at the top of the answer: {diagnostic}"),
            RoleCommand::Review => "Review the selected code.".to_string(),
            RoleCommand::Examples => "Find examples of code like the selection, and places that use it.".to_string(),
            RoleCommand::Explain => String::new(),
        };
        match asked.map(str::trim).filter(|a| !a.is_empty()) {
            Some(asked) => format!("{base} The developer asks: {asked}"),
            None => base,
        }
    }
}

/// How far above the code a role works on an instruction comment may stand.
const INSTRUCTION_LINES_ABOVE: usize = 3;

/// What the developer wrote for a role in the code itself, when no instruction was typed —
/// the way Helix users, who have no input box, steer a role: the comment nearest the start
/// of `lines` (0-based, the code the role works on; or up to three lines above it) of the
/// form `# todo: …`, `// fixme: …` or `# multi-model: …` (in any case). Returns its
/// 0-based line and the instruction.
pub fn instruction_near(text: &str, lines: std::ops::Range<usize>) -> Option<(usize, String)> {
    let first = lines.start.saturating_sub(INSTRUCTION_LINES_ABOVE);
    let candidates: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .skip(first)
        .take(lines.end.max(lines.start + 1) - first)
        .collect();
    // Nearest to the start first: the lines of the code itself in order, then upwards.
    let (inside, above): (Vec<_>, Vec<_>) =
        candidates.into_iter().partition(|(i, _)| lines.start <= *i);
    inside
        .into_iter()
        .chain(above.into_iter().rev())
        .find_map(|(i, line)| instruction_in(line).map(|found| (i, found)))
}

/// The instruction of one comment line, if it is one.
fn instruction_in(line: &str) -> Option<String> {
    let comment = line.trim_start();
    let comment = comment
        .strip_prefix("//")
        .or_else(|| comment.strip_prefix('#'))?
        .trim_start_matches(['/', '#', '!'])
        .trim_start();
    let lower = comment.to_ascii_lowercase();
    ["multi-model:", "todo:", "fixme:"]
        .iter()
        .find(|marker| lower.starts_with(*marker))
        .map(|marker| comment[marker.len()..].trim().to_string())
        .filter(|instruction| !instruction.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(files: &[&str]) -> Result<TaskRequest, RequestError> {
        let files = files.iter().map(|f| f.to_string()).collect();
        TaskRequest::new(None, "do it".into(), None, None, files, Depth::Quick)
    }

    #[test]
    fn blank_task_is_refused() {
        let err =
            TaskRequest::new(None, " \n".into(), None, None, vec![], Depth::Quick).unwrap_err();
        assert!(matches!(err, RequestError::EmptyTask));
    }

    #[test]
    fn valid_globs_are_accepted() {
        assert!(task(&["src/**/*.py", "tests/test_*.py"]).is_ok());
    }

    #[test]
    fn malformed_glob_is_refused_with_the_reason() {
        let err = task(&["src/[a-"]).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid file pattern `src/[a-`"),
            "{err}"
        );
    }

    #[test]
    fn missing_spec_file_is_named() {
        let err = TaskRequest::new(
            None,
            "x".into(),
            None,
            Some(Path::new("/no/such/spec.md")),
            vec![],
            Depth::Quick,
        )
        .unwrap_err();
        assert!(err.to_string().contains("/no/such/spec.md"), "{err}");
    }

    #[test]
    fn spec_file_text_is_carried() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("spec.md");
        std::fs::write(&path, "UserAuth: login(user, password)").unwrap();
        let request =
            TaskRequest::new(None, "x".into(), None, Some(&path), vec![], Depth::Quick).unwrap();
        assert_eq!(
            request.spec.as_deref(),
            Some("UserAuth: login(user, password)")
        );
    }

    #[test]
    fn feature_pipeline_needs_a_name_or_description() {
        let err = PipelineRequest::new(
            PipelineKind::Feature,
            None,
            None,
            None,
            vec![],
            Depth::Quick,
        )
        .unwrap_err();
        assert_eq!(
            err.to_string(),
            "the feature pipeline needs --name or --description"
        );
    }

    #[test]
    fn bugfix_pipeline_accepts_a_bug_id() {
        let request = PipelineRequest::new(
            PipelineKind::Bugfix,
            None,
            None,
            Some("BUG-42".into()),
            vec![],
            Depth::Quick,
        );
        assert!(request.is_ok());
    }

    #[test]
    fn review_pipeline_needs_files() {
        let err = PipelineRequest::new(
            PipelineKind::Review,
            None,
            Some("x".into()),
            None,
            vec![],
            Depth::Quick,
        )
        .unwrap_err();
        assert!(err.to_string().contains("--files"), "{err}");
    }

    #[test]
    fn an_instruction_comment_near_the_code_is_found() {
        fn check(text: &str, lines: std::ops::Range<usize>, expect: Option<(usize, &str)>) {
            let found = instruction_near(text, lines.clone());
            let found = found.as_ref().map(|(l, s)| (*l, s.as_str()));
            assert_eq!(found, expect, "{text:?} {lines:?}");
        }
        let py = "import os\n# TODO: cache the result\ndef load(path):\n    pass\n";
        check(py, 2..4, Some((1, "cache the result")));
        check(py, 0..1, None);
        let inside = "def f():\n    # multi-model: return the sum\n    pass\n";
        check(inside, 0..3, Some((1, "return the sum")));
        check(
            "// Fixme: handle empty input\nfn f() {}\n",
            1..2,
            Some((0, "handle empty input")),
        );
        check(
            "/// TODO: document\nfn f() {}\n",
            1..2,
            Some((0, "document")),
        );
        // Too far above, not a marker, or empty: nothing.
        check("# TODO: far\n\n\n\n\ndef f():\n    pass\n", 5..7, None);
        check("# a note: not an instruction\ndef f(): pass\n", 1..2, None);
        check("# TODO:\ndef f(): pass\n", 1..2, None);
        // The nearest wins: the code's own first, then upwards.
        check(
            "# TODO: above\ndef f():\n    # TODO: inside\n",
            1..3,
            Some((2, "inside")),
        );
    }
}
