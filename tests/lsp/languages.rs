//! TypeScript, JavaScript and Go in the language server, end to end: a code action run at
//! a cursor covers the whole enclosing function (method chains and tab indentation
//! included), `workspace/symbol` finds their definitions, and a review of them is given
//! the definitions of the names they use from other files. Each role's model is an Ollama
//! mock on 127.0.0.1; waits are bounded guards, never measurements.

use std::path::Path;

use serde_json::json;
use tempfile::TempDir;

use crate::support::editor::{ended, full_caps, range, run, run_action, symbols};
use crate::support::lsp::LspClient;
use crate::support::mock::MockServer;
use crate::support::workspace::{answer, config_yaml, ollama_agent, prompt};

const CHAT: &str = "/api/chat";

const AUTH_TS: &str = "\
import { createHmac } from 'crypto';

/** Verifies a signed token against its HMAC. */
export function verifySignedToken(token: string, secret: string): boolean {
  const [body, sig] = token.split('.');
  return createHmac('sha256', secret)
    .update(body)
    .digest('hex') === sig;
}
";

const SESSION_TS: &str = "\
import { verifySignedToken } from './auth';

export class Session {
  constructor(private readonly secret: string) {}

  open(token: string): boolean {
    return verifySignedToken(token, this.secret);
  }
}
";

const BADGE_TSX: &str = "\
export function Badge({ name }: { name: string }) {
  return (
    <span className=\"badge\">
      {name.trim().toUpperCase()}
    </span>
  );
}
";

const AUTH_JS: &str = "\
const crypto = require('crypto');

export const verify = (token, secret) => {
  return crypto
    .createHmac('sha256', secret)
    .digest('hex') === token;
};
";

const AUTH_GO: &str = "\
package auth

import \"strings\"

// Verifier checks signed tokens.
type Verifier struct {
\tsecret string
}

// Verify reports whether token ends with the verifier's secret.
func (v *Verifier) Verify(token string) bool {
\treturn strings.NewReplacer(\"-\", \"\").
\t\tReplace(token) == v.secret
}
";

/// A workspace holding `files`, one Ollama mock for every role, and an editor.
struct World {
    models: MockServer,
    _ws: TempDir,
    client: LspClient,
}

async fn world(files: &[(&str, &str)]) -> World {
    let models = MockServer::start().await;
    let ws = TempDir::new().unwrap();
    let agents: Vec<String> = ["sisyphus", "hephaestus", "oracle", "librarian"]
        .iter()
        .map(|role| ollama_agent(role, &models))
        .collect();
    let config = config_yaml(&agents, "");
    for (rel, text) in files
        .iter()
        .copied()
        .chain([("config/multi_model.yaml", config.as_str())])
    {
        let path = ws.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    let client = LspClient::start(Path::new(env!("CARGO_BIN_EXE_multi-model")), ws.path());
    client.initialize(full_caps(), json!({})).await;
    World {
        models,
        _ws: ws,
        client,
    }
}

/// With `text` open as `rel` in `language_id`, every code action at the cursor
/// (`line`, `column`) carries it, and the review run from one works on lines `first`
/// through `last`, whole.
async fn check_code_action(
    rel: &str,
    language_id: &str,
    text: &str,
    (line, column): (u32, u32),
    (first, last): (u32, u32),
) {
    let w = world(&[]).await;
    let empty = json!({"summary": "Looked.", "findings": []});
    w.models.on("POST", CHAT, answer(&empty.to_string()));
    let uri = w.client.uri(rel);
    w.client.open_as(&uri, language_id, text).await;
    let at = range(line, column, line, column);
    let params = json!({"textDocument": {"uri": uri}, "range": at, "context": {"diagnostics": []}});
    let actions = w
        .client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 4, "{actions:#?}");
    for action in actions {
        assert_eq!(
            action["command"]["arguments"][0]["range"], at,
            "{rel}: {action}"
        );
    }
    assert!(
        w.models.requests().is_empty(),
        "a code action asked a model"
    );

    let review = &actions[2];
    assert_eq!(review["command"]["command"], "multi-model.review");
    let token = run_action(&w.client, review).await;
    ended(&w.client, &token).await;
    let prompt = prompt(&w.models);
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        prompt.contains(&format!("{rel}:{}-{}", first + 1, last + 1)),
        "{rel}: {prompt}"
    );
    assert!(prompt.contains(lines[first as usize]), "{rel}: {prompt}");
    assert!(prompt.contains(lines[last as usize]), "{rel}: {prompt}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cursor_in_a_typescript_method_chain_targets_the_whole_function_and_its_doc() {
    // On `.update(body)`.
    check_code_action("web/auth.ts", "typescript", AUTH_TS, (6, 6), (2, 8)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cursor_in_a_tsx_component_targets_the_whole_component() {
    // On `name.trim()` inside the JSX.
    check_code_action(
        "web/badge.tsx",
        "typescriptreact",
        BADGE_TSX,
        (3, 8),
        (0, 6),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cursor_in_a_javascript_arrow_function_targets_the_whole_const() {
    // On `.createHmac(...)`.
    check_code_action("web/auth.js", "javascript", AUTH_JS, (4, 6), (2, 6)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cursor_in_a_tab_indented_go_method_targets_the_method_and_its_doc() {
    // On `Replace(token)`, two tabs in.
    check_code_action("auth/auth.go", "go", AUTH_GO, (12, 3), (9, 13)).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn workspace_symbol_finds_typescript_javascript_and_go_definitions_on_disk() {
    let w = world(&[
        ("web/auth.ts", AUTH_TS),
        ("web/auth.js", AUTH_JS),
        ("auth/auth.go", AUTH_GO),
    ])
    .await;
    let cases = [
        ("verifySigned", "verifySignedToken", "web/auth.ts", 2),
        ("verify", "verify", "web/auth.js", 2),
        ("Verify", "Verify", "auth/auth.go", 9),
    ];
    for (query, name, rel, line) in cases {
        let found = symbols(&w.client, query).await;
        let symbol = found
            .iter()
            .find(|s| s["name"] == name && s["location"]["uri"].as_str().unwrap().ends_with(rel))
            .unwrap_or_else(|| panic!("{query}: {found:#?}"));
        assert_eq!(
            symbol["location"]["range"]["start"]["line"], line,
            "{symbol}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_typescript_review_runs_on_the_model_with_definitions_from_other_files() {
    let w = world(&[("web/auth.ts", AUTH_TS), ("web/session.ts", SESSION_TS)]).await;
    let empty = json!({"summary": "Looked.", "findings": []});
    w.models.on("POST", CHAT, answer(&empty.to_string()));
    symbols(&w.client, "verifySignedToken").await;
    let uri = w.client.uri("web/session.ts");
    w.client.open_as(&uri, "typescript", SESSION_TS).await;

    let token = run(&w.client, "multi-model.review", &uri, range(6, 0, 6, 49)).await;
    ended(&w.client, &token).await;

    // The offline pass is Python's: the model reviewed it, and was shown what the
    // selection calls, from the file that defines it.
    let prompt = prompt(&w.models);
    assert!(
        prompt.contains("web/auth.ts:3-9 (definition of `verifySignedToken`)"),
        "{prompt}"
    );
    assert!(prompt.contains("/** Verifies a signed token against its HMAC. */"));
    assert!(
        prompt.contains("  open(token: string): boolean {"),
        "{prompt}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_librarian_is_offered_a_typescript_function_for_signed_token_verification() {
    let w = world(&[
        ("web/auth.ts", AUTH_TS),
        ("web/session.ts", SESSION_TS),
        ("auth/auth.go", AUTH_GO),
    ])
    .await;
    let examples = json!({"examples": [{"path": "web/auth.ts", "start_line": 3, "end_line": 9,
                                        "snippet": "export function verifySignedToken(",
                                        "explanation": "verifies the token's HMAC"}]});
    w.models.on("POST", CHAT, answer(&examples.to_string()));
    symbols(&w.client, "verifySignedToken").await;
    let uri = w.client.uri("web/session.ts");
    w.client.open_as(&uri, "typescript", SESSION_TS).await;

    let target = json!({"uri": uri, "range": range(6, 4, 6, 10), "version": 1,
                        "task": "Find examples of signed token verification"});
    let params = json!({"command": "multi-model.examples", "arguments": [target]});
    let answer = w
        .client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
    ended(&w.client, answer["job"].as_str().unwrap()).await;

    // Among the index's candidates (the selection's own method, which calls it, may rank
    // first), from its doc comment on.
    let prompt = prompt(&w.models);
    assert!(
        prompt
            .lines()
            .any(|l| l.contains("candidate") && l.contains(" web/auth.ts:3-9>>>")),
        "{prompt}"
    );
}
