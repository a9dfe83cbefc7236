//! The commands the server offers and the code actions that carry them. Code actions are
//! listed instantly and never call a model; running one is `workspace/executeCommand`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use tower_lsp_server::ls_types::{CodeAction, CodeActionKind, Command, Diagnostic, Range, Uri};

use crate::role::Role;

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

/// The source every Oracle diagnostic carries, so fixes can be offered on them.
pub const DIAGNOSTIC_SOURCE: &str = "multi-model";

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

/// The role a selection command runs.
pub fn role_of(command: &str) -> Option<Role> {
    match command {
        PLAN => Some(Role::Sisyphus),
        IMPLEMENT | FIX => Some(Role::Hephaestus),
        REVIEW | EXPLAIN => Some(Role::Oracle),
        EXAMPLES => Some(Role::Librarian),
        _ => None,
    }
}

/// The four role actions on a range, and the fix/explain pair for each of our diagnostics.
pub fn code_actions(
    uri: &Uri,
    range: Range,
    version: i32,
    diagnostics: &[Diagnostic],
) -> Vec<CodeAction> {
    let target = |diagnostic: Option<Diagnostic>| Target {
        uri: uri.clone(),
        range,
        version,
        task: None,
        diagnostic,
    };
    let action = |title: &str,
                  kind: CodeActionKind,
                  command: &str,
                  target: Target,
                  diagnostics: Option<Vec<Diagnostic>>| CodeAction {
        title: title.to_string(),
        kind: Some(kind),
        diagnostics,
        command: Some(Command {
            title: title.to_string(),
            command: command.to_string(),
            arguments: Some(vec![serde_json::to_value(target).unwrap_or(Value::Null)]),
        }),
        ..CodeAction::default()
    };
    let mut actions = Vec::new();
    for diagnostic in diagnostics.iter().filter(|d| {
        d.source
            .as_deref()
            .is_some_and(|s| s.starts_with(DIAGNOSTIC_SOURCE))
    }) {
        let mut on_finding = target(Some(diagnostic.clone()));
        on_finding.range = diagnostic.range;
        actions.push(action(
            "Fix with Hephaestus",
            CodeActionKind::QUICKFIX,
            FIX,
            on_finding.clone(),
            Some(vec![diagnostic.clone()]),
        ));
        actions.push(action(
            "Explain finding",
            CodeActionKind::QUICKFIX,
            EXPLAIN,
            on_finding,
            Some(vec![diagnostic.clone()]),
        ));
    }
    actions.push(action(
        "Plan with Sisyphus",
        CodeActionKind::REFACTOR,
        PLAN,
        target(None),
        None,
    ));
    actions.push(action(
        "Implement with Hephaestus",
        CodeActionKind::REFACTOR_REWRITE,
        IMPLEMENT,
        target(None),
        None,
    ));
    actions.push(action(
        "Review with Oracle",
        CodeActionKind::new("source.multi-model.review"),
        REVIEW,
        target(None),
        None,
    ));
    actions.push(action(
        "Find examples with Librarian",
        CodeActionKind::new("source.multi-model.examples"),
        EXAMPLES,
        target(None),
        None,
    ));
    actions
}
