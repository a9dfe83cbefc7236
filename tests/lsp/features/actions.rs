//! `initialize` and code actions: the encoding and capabilities negotiated, the four roles
//! offered on a selection or a cursor, Fix and Explain on a finding, the kinds a client asks
//! for — all without asking any model.

use std::path::Path;

use serde_json::{Value, json};
use tempfile::TempDir;

use super::{APP, CHAT, finding, published, review, world};
use crate::support::editor::{ended, full_caps, range, run, run_action};
use crate::support::lsp::{LspClient, WAIT};

// --- initialize ----------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn initialize_picks_utf8_when_offered_and_announces_the_commands_and_incremental_sync() {
    let ws = TempDir::new().unwrap();
    let client = LspClient::start(Path::new(env!("CARGO_BIN_EXE_multi-model")), ws.path());
    let caps = json!({"general": {"positionEncodings": ["utf-16", "utf-8"]}});
    let result = client.initialize(caps, json!({})).await;
    let caps = &result["capabilities"];
    assert_eq!(caps["positionEncoding"], "utf-8");
    assert_eq!(caps["textDocumentSync"]["change"], 2, "incremental");
    assert_eq!(caps["textDocumentSync"]["openClose"], true);
    let commands = caps["executeCommandProvider"]["commands"]
        .as_array()
        .unwrap();
    for command in [
        "multi-model.plan",
        "multi-model.implement",
        "multi-model.review",
        "multi-model.examples",
        "multi-model.fix",
        "multi-model.explain",
        "multi-model.route",
        "multi-model.cancelAll",
    ] {
        assert!(
            commands.contains(&json!(command)),
            "{command} in {commands:?}"
        );
    }
    assert_eq!(result["serverInfo"]["name"], "multi-model");
}

#[tokio::test(flavor = "multi_thread")]
async fn initialize_uses_utf16_when_the_client_offers_nothing() {
    let ws = TempDir::new().unwrap();
    let client = LspClient::start(Path::new(env!("CARGO_BIN_EXE_multi-model")), ws.path());
    let result = client.initialize(json!({}), json!({})).await;
    assert_eq!(result["capabilities"]["positionEncoding"], "utf-16");
}

// --- code actions --------------------------------------------------------------------------

fn titles_and_kinds(actions: &Value) -> Vec<(String, String)> {
    actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["title"].as_str().unwrap().into(),
                a["kind"].as_str().unwrap().into(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn code_actions_on_a_selection_are_the_four_roles_and_ask_no_model() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let params = json!({"textDocument": {"uri": uri}, "range": range(4, 0, 5, 18), "context": {"diagnostics": []}});
    let actions = w
        .client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();
    assert_eq!(
        titles_and_kinds(&actions),
        pairs(&[
            ("Plan with Sisyphus", "refactor"),
            ("Implement with Hephaestus", "refactor.rewrite"),
            ("Review with Oracle", "refactor.multi-model.review"),
            (
                "Find examples with Librarian",
                "refactor.multi-model.examples"
            ),
        ])
    );
    let review = &actions[2]["command"];
    assert_eq!(review["command"], "multi-model.review");
    assert_eq!(review["arguments"][0]["uri"], uri);
    assert_eq!(review["arguments"][0]["range"], range(4, 0, 5, 18));
    for mock in [&w.sisyphus, &w.hephaestus, &w.oracle, &w.librarian] {
        assert!(mock.requests().is_empty(), "a code action asked a model");
    }
}

/// A code action at a cursor is answered without waiting for a parse: it carries the
/// cursor, and the command run from it works on the enclosing function.
#[tokio::test(flavor = "multi_thread")]
async fn code_actions_at_a_cursor_carry_it_and_their_command_covers_the_enclosing_function() {
    let w = world(full_caps()).await;
    w.oracle.on("POST", CHAT, review(json!([])));
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    // The cursor inside `digest`, on `import hashlib`.
    let params = json!({"textDocument": {"uri": uri}, "range": range(9, 6, 9, 6), "context": {"diagnostics": []}});
    let actions = w
        .client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();
    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 4);
    for action in actions {
        let target = &action["command"]["arguments"][0];
        assert_eq!(target["range"], range(9, 6, 9, 6), "{action}");
        assert_eq!(target["version"], 1, "{action}");
    }

    let token = run_action(&w.client, &actions[2]).await;
    ended(&w.client, &token).await;
    let prompt = crate::support::workspace::prompt(&w.oracle);
    assert!(prompt.contains("src/app.py:9-11"), "{prompt}");
    assert!(prompt.contains("def digest(password):"), "{prompt}");
}

#[tokio::test(flavor = "multi_thread")]
async fn code_actions_on_our_finding_add_fix_and_explain() {
    let w = world(full_caps()).await;
    w.oracle.on(
        "POST",
        CHAT,
        review(json!([finding(
            "CRITICAL",
            6,
            "os.system(cmd)",
            "Shell injection",
            json!("CWE-78")
        )])),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.review", &uri, range(0, 0, 11, 0)).await;
    ended(&w.client, &token).await;
    let ours = published(&w.client, &uri, |d| d.len() == 1).await.remove(0);
    let theirs = json!({"range": range(5, 4, 5, 18), "message": "unused", "source": "pyright"});

    let context = json!({"diagnostics": [ours.clone(), theirs]});
    let params = json!({"textDocument": {"uri": uri}, "range": ours["range"], "context": context});
    let actions = w
        .client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();

    let listed = titles_and_kinds(&actions);
    assert_eq!(
        listed.len(),
        6,
        "fix and explain once, for our finding only: {listed:?}"
    );
    // The four roles stay on top; each fix names its finding.
    let code = ours["code"].as_str().unwrap();
    assert_eq!(
        listed[4..],
        pairs(&[
            (&format!("Fix {code} (line 6) with Hephaestus"), "quickfix"),
            (&format!("Explain {code} (line 6)"), "quickfix")
        ])
    );
    assert_eq!(actions[4]["command"]["command"], "multi-model.fix");
    assert_eq!(actions[4]["diagnostics"][0], ours);
    assert_eq!(actions[5]["command"]["command"], "multi-model.explain");
}

/// Helix's `:lsp-workspace-command multi-model.plan` sends no arguments and shows no reply:
/// the user is told on screen what the command needs.
#[tokio::test(flavor = "multi_thread")]
async fn a_role_command_without_arguments_says_on_screen_what_it_needs() {
    let w = world(full_caps()).await;
    let params = json!({"command": "multi-model.plan", "arguments": []});
    let refused = w.client.request("workspace/executeCommand", params).await;
    assert!(refused.is_err(), "{refused:?}");
    let shown = w
        .client
        .wait_for(|m| m["method"] == "window/showMessage", WAIT)
        .await
        .unwrap_or_else(|| panic!("nothing shown: {:#?}", w.client.received()));
    let text = shown["params"]["message"].as_str().unwrap();
    assert!(
        text.contains("works on a selection") && text.contains("code action"),
        "{text}"
    );
}

/// VS Code asks for one kind at a time (`context.only`) and drops, with a warning, any
/// action of another kind.
#[tokio::test(flavor = "multi_thread")]
async fn code_actions_honour_the_kinds_the_client_asks_for() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let ask = |only: Value| {
        json!({"textDocument": {"uri": uri}, "range": range(4, 0, 5, 18),
               "context": {"diagnostics": [], "only": only}})
    };
    let refactors = w
        .client
        .request("textDocument/codeAction", ask(json!(["refactor"])))
        .await
        .unwrap();
    assert_eq!(titles_and_kinds(&refactors).len(), 4, "{refactors}");
    let fixes = w
        .client
        .request("textDocument/codeAction", ask(json!(["quickfix"])))
        .await
        .unwrap();
    assert_eq!(fixes, json!([]));
}
