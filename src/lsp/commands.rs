//! The commands the server offers and the code actions that carry them. Code actions are
//! listed instantly and never call a model; running one is `workspace/executeCommand`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_lsp_server::ls_types::{
    CodeAction, CodeActionKind, Command, Diagnostic, NumberOrString, Range, Uri,
};

use crate::task::{Depth, PipelineKind, RoleCommand};

pub const PLAN: &str = "multi-model.plan";
pub const IMPLEMENT: &str = "multi-model.implement";
pub const REVIEW: &str = "multi-model.review";
pub const EXAMPLES: &str = "multi-model.examples";
pub const FIX: &str = "multi-model.fix";
pub const EXPLAIN: &str = "multi-model.explain";
pub const ROUTE: &str = "multi-model.route";
pub const PIPELINE: &str = "multi-model.pipeline";
pub const METRICS: &str = "multi-model.metrics";
pub const DOCTOR: &str = "multi-model.doctor";
pub const CANCEL_ALL: &str = "multi-model.cancelAll";

/// Every command, as `executeCommandProvider` announces them.
pub const ALL: [&str; 11] = [
    PLAN, IMPLEMENT, REVIEW, EXAMPLES, FIX, EXPLAIN, ROUTE, PIPELINE, METRICS, DOCTOR, CANCEL_ALL,
];

pub use super::diagnostics::DIAGNOSTIC_SOURCE;

/// What a role command works on: a range of a document at a version.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    pub uri: Uri,
    pub range: Range,
    pub version: i32,
    /// Extra instructions typed by the user (optional).
    #[serde(default)]
    pub task: Option<String>,
    /// For `fix` and `explain`: the diagnostic it is about.
    #[serde(default)]
    pub diagnostic: Option<Diagnostic>,
}

/// A target by file and lines, as an editor's command line can build one where it cannot
/// name a URI, a range and a version — Helix's
/// `:lsp-workspace-command multi-model.review {"path":"%{buffer_name}","startLine":%{selection_line_start},"endLine":%{selection_line_end}}`.
/// The document is the open one at that path, at its current version.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LinesTarget {
    /// Absolute, or relative to the workspace (or any tail of an open document's path).
    pub path: String,
    /// 1-based, inclusive. One line is a cursor: the role works on what encloses it.
    pub start_line: u32,
    pub end_line: u32,
    #[serde(default)]
    pub task: Option<String>,
}

/// A role command's argument: a full `Target`, or one by file and lines.
#[derive(Clone, Debug, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum TargetArgument {
    Full(Box<Target>),
    Lines(LinesTarget),
}

/// The role command a command name stands for.
pub fn role_command(command: &str) -> Option<RoleCommand> {
    match command {
        PLAN => Some(RoleCommand::Plan),
        IMPLEMENT => Some(RoleCommand::Implement),
        FIX => Some(RoleCommand::Fix),
        REVIEW => Some(RoleCommand::Review),
        EXPLAIN => Some(RoleCommand::Explain),
        EXAMPLES => Some(RoleCommand::Examples),
        _ => None,
    }
}

/// `workspace/executeCommand`'s argument for `multi-model.pipeline`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PipelineArguments {
    pub kind: PipelineKind,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub bug_id: Option<String>,
    #[serde(default)]
    pub files: Vec<String>,
    /// `quick` (the files named) or `comprehensive` (the packed workspace too).
    #[serde(default)]
    pub depth: Depth,
}

/// Review and Find examples are refactor kinds, not `source.*`: VS Code's lightbulb (Ctrl+.)
/// leaves source actions out, and all four roles belong there.
pub const REVIEW_KIND: &str = "refactor.multi-model.review";
pub const EXAMPLES_KIND: &str = "refactor.multi-model.examples";

/// The four role actions on a range, then the fix/explain pair for each of our diagnostics,
/// each named after its finding; only the kinds `only` asks for, when the client says.
pub fn code_actions(
    uri: &Uri,
    range: Range,
    version: i32,
    diagnostics: &[Diagnostic],
    only: Option<&[CodeActionKind]>,
) -> Vec<CodeAction> {
    let target = |diagnostic: Option<Diagnostic>| Target {
        uri: uri.clone(),
        range,
        version,
        task: None,
        diagnostic,
    };
    let action = |title: String,
                  kind: CodeActionKind,
                  command: &str,
                  target: Target,
                  diagnostics: Option<Vec<Diagnostic>>| CodeAction {
        title: title.clone(),
        kind: Some(kind),
        diagnostics,
        command: Some(Command {
            title,
            command: command.to_string(),
            arguments: Some(vec![serde_json::to_value(target).unwrap_or(Value::Null)]),
        }),
        ..CodeAction::default()
    };
    let mut actions = vec![
        action(
            RoleCommand::Plan.title().into(),
            CodeActionKind::REFACTOR,
            PLAN,
            target(None),
            None,
        ),
        action(
            RoleCommand::Implement.title().into(),
            CodeActionKind::REFACTOR_REWRITE,
            IMPLEMENT,
            target(None),
            None,
        ),
        action(
            RoleCommand::Review.title().into(),
            CodeActionKind::new(REVIEW_KIND),
            REVIEW,
            target(None),
            None,
        ),
        action(
            RoleCommand::Examples.title().into(),
            CodeActionKind::new(EXAMPLES_KIND),
            EXAMPLES,
            target(None),
            None,
        ),
    ];
    for diagnostic in diagnostics.iter().filter(|d| {
        d.source
            .as_deref()
            .is_some_and(|s| s.starts_with(DIAGNOSTIC_SOURCE))
    }) {
        let mut on_finding = target(Some(diagnostic.clone()));
        on_finding.range = diagnostic.range;
        let finding = finding_name(diagnostic);
        actions.push(action(
            format!("Fix {finding} with Hephaestus"),
            CodeActionKind::QUICKFIX,
            FIX,
            on_finding.clone(),
            Some(vec![diagnostic.clone()]),
        ));
        actions.push(action(
            format!("Explain {finding}"),
            CodeActionKind::QUICKFIX,
            EXPLAIN,
            on_finding,
            Some(vec![diagnostic.clone()]),
        ));
    }
    if let Some(only) = only {
        actions.retain(|a| a.kind.as_ref().is_some_and(|kind| wanted(kind, only)));
    }
    actions
}

/// A finding as a title names it: its code and line ("MM-PY-SQL (line 10)"), so that two
/// findings under one selection give two distinct pairs of actions.
fn finding_name(diagnostic: &Diagnostic) -> String {
    let line = diagnostic.range.start.line + 1;
    match &diagnostic.code {
        Some(NumberOrString::String(code)) if !code.is_empty() => format!("{code} (line {line})"),
        Some(NumberOrString::Number(code)) => format!("{code} (line {line})"),
        _ => format!("finding (line {line})"),
    }
}

/// Whether `kind` is one of `only` or below one of them (`refactor` covers
/// `refactor.rewrite`), as the LSP's `CodeActionContext.only` means it.
fn wanted(kind: &CodeActionKind, only: &[CodeActionKind]) -> bool {
    let kind = kind.as_str();
    only.iter().any(|o| {
        let o = o.as_str();
        kind == o
            || kind
                .strip_prefix(o)
                .is_some_and(|rest| rest.starts_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_keeps_the_kinds_asked_for_and_their_subkinds() {
        fn check(only: &[&str], kind: &str, expect: bool) {
            let only: Vec<CodeActionKind> = only
                .iter()
                .map(|k| CodeActionKind::from(k.to_string()))
                .collect();
            let kind = CodeActionKind::from(kind.to_string());
            assert_eq!(wanted(&kind, &only), expect, "{only:?} {kind:?}");
        }
        check(&["refactor"], "refactor.rewrite", true);
        check(&["refactor"], REVIEW_KIND, true);
        check(&["refactor"], "refactor", true);
        check(&["quickfix"], "refactor", false);
        check(&["refactor.rewrite"], "refactor", false);
        check(&["refactor"], "refactorx", false);
        check(&["source"], REVIEW_KIND, false);
    }
}
