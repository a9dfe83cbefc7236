//! What the other roles deliver into the editor: Hephaestus's code as one versioned edit,
//! Sisyphus's plan and the Librarian's examples opened as documents.

use std::time::Duration;

use serde_json::{Value, json};

use super::{ADD, APP, CHAT, barrier, plan, requested, with_method, world, world_as};
use crate::support::editor::{ended, full_caps, is_progress, range, run, run_action};
use crate::support::lsp::{LspClient, WAIT};
use crate::support::workspace::answer;

// --- Hephaestus: one versioned edit ------------------------------------------------------

fn text_edits_for(client: &LspClient, uri: &str) -> Vec<Value> {
    with_method(client, "workspace/applyEdit")
        .into_iter()
        .flat_map(|m| {
            m["params"]["edit"]["documentChanges"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter(|c| c["textDocument"]["uri"] == uri)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn implement_applies_one_versioned_edit_over_the_selection() {
    let w = world(full_caps()).await;
    w.hephaestus
        .on("POST", CHAT, answer("```python\nreturn a + b\n```"));
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;

    let token = run(&w.client, "multi-model.implement", &uri, range(2, 4, 2, 8)).await;
    ended(&w.client, &token).await;

    let edits = text_edits_for(&w.client, &uri);
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(edits[0]["textDocument"]["version"], 1);
    assert_eq!(edits[0]["edits"][0]["range"], range(2, 4, 2, 8));
    assert_eq!(
        w.client.text(&uri),
        "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n"
    );
}

/// Helix's command line can name a file and lines but no URI or version
/// (`:lsp-workspace-command multi-model.implement {"path":"%{buffer_name}",…}`): one line
/// is a cursor, so the role works on the definition around it, at the current version.
#[tokio::test(flavor = "multi_thread")]
async fn implement_by_path_and_line_works_on_the_enclosing_definition() {
    let w = world(full_caps()).await;
    let code = "```python\ndef add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n```";
    w.hephaestus.on("POST", CHAT, answer(code));
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;

    let lines = json!({"path": "src/add.py", "startLine": 3, "endLine": 3});
    let params = json!({"command": "multi-model.implement", "arguments": [lines]});
    let started = w
        .client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
    ended(&w.client, started["job"].as_str().unwrap()).await;

    assert_eq!(
        w.client.text(&uri),
        "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n"
    );
}

/// Several lines are the selection, whole: the role sees exactly those lines.
#[tokio::test(flavor = "multi_thread")]
async fn review_by_path_and_lines_reviews_those_lines_whole() {
    let w = world(full_caps()).await;
    w.oracle.on("POST", CHAT, super::review(json!([])));
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;

    let lines = json!({"path": "src/app.py", "startLine": 5, "endLine": 6});
    let params = json!({"command": "multi-model.review", "arguments": [lines]});
    let started = w
        .client
        .request("workspace/executeCommand", params)
        .await
        .unwrap();
    ended(&w.client, started["job"].as_str().unwrap()).await;

    let prompt = crate::support::workspace::prompt(&w.oracle);
    assert!(
        prompt.contains(
            "src/app.py:5-6>>>\n    5 | def run(cmd):\n    6 |     os.system(cmd)\n<<<END"
        ),
        "{prompt}"
    );
}

/// A file that is not open is refused on screen, naming it.
#[tokio::test(flavor = "multi_thread")]
async fn a_target_by_path_names_the_file_when_it_is_not_open() {
    let w = world(full_caps()).await;
    let lines = json!({"path": "src/nowhere.py", "startLine": 1, "endLine": 2});
    let params = json!({"command": "multi-model.review", "arguments": [lines]});
    let err = w
        .client
        .request("workspace/executeCommand", params)
        .await
        .unwrap_err();
    assert!(
        err["message"]
            .as_str()
            .unwrap()
            .contains("src/nowhere.py is not open"),
        "{err}"
    );
}

/// The context menu and the palette send the bare cursor (an empty range): the command
/// resolves it to the enclosing definition, as the lightbulb's code action does, so the
/// model sees the function and its code replaces whole lines.
#[tokio::test(flavor = "multi_thread")]
async fn implement_at_a_bare_cursor_works_on_the_enclosing_definition() {
    let w = world(full_caps()).await;
    let code = "```python\ndef add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n```";
    w.hephaestus.on("POST", CHAT, answer(code));
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;

    let token = run(&w.client, "multi-model.implement", &uri, range(2, 6, 2, 6)).await;
    ended(&w.client, &token).await;

    let prompt = crate::support::workspace::prompt(&w.hephaestus);
    assert!(prompt.contains("def add(a, b):"), "{prompt}");
    let edits = text_edits_for(&w.client, &uri);
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(
        edits[0]["edits"][0]["range"]["start"],
        json!({"line": 0, "character": 0})
    );
    assert_eq!(
        w.client.text(&uri),
        "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n"
    );
}

/// The code action's command, run on a cursor in a file whose parse may still be under
/// way (the action never waits for it), resolves the cursor when it runs: the code
/// replaces the whole definition, never part of a line.
#[tokio::test(flavor = "multi_thread")]
async fn implement_from_a_code_action_at_a_cursor_in_a_large_file_replaces_the_whole_definition() {
    let w = world(full_caps()).await;
    let code = "```python\ndef add(a, b):\n    return a + b\n```";
    w.hephaestus.on("POST", CHAT, answer(code));
    let filler: String = (0..5000)
        .map(|i| format!("def f{i}(x):\n    return x + {i}\n\n\n"))
        .collect();
    let def_line = filler.lines().count() as u32;
    let uri = w.client.uri("src/big.py");
    w.client.open(&uri, &format!("{filler}{ADD}")).await;

    let actions = code_actions_at(&w.client, &uri, range(def_line + 2, 4, def_line + 2, 4)).await;
    let token = run_action(&w.client, &actions[1]).await;
    ended(&w.client, &token).await;

    let edits = text_edits_for(&w.client, &uri);
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(
        edits[0]["edits"][0]["range"]["start"],
        json!({"line": def_line, "character": 0})
    );
    assert_eq!(
        w.client.text(&uri),
        format!("{filler}def add(a, b):\n    return a + b\n")
    );
}

/// Without a parse (no grammar, or over the parse limit) the cursor resolves by
/// indentation, still to whole lines.
#[tokio::test(flavor = "multi_thread")]
async fn implement_at_a_cursor_in_a_file_without_a_parse_replaces_the_indented_block() {
    let w = world(full_caps()).await;
    w.hephaestus
        .on("POST", CHAT, answer("```\ndef tail():\n    return 2\n```"));
    let uri = w.client.uri("notes/tail.txt");
    w.client
        .open_as(&uri, "plaintext", "x = 1\ndef tail():\n    return 1\n")
        .await;

    let actions = code_actions_at(&w.client, &uri, range(2, 4, 2, 4)).await;
    let token = run_action(&w.client, &actions[1]).await;
    ended(&w.client, &token).await;

    let edits = text_edits_for(&w.client, &uri);
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(
        edits[0]["edits"][0]["range"]["start"],
        json!({"line": 1, "character": 0})
    );
    assert_eq!(w.client.text(&uri), "x = 1\ndef tail():\n    return 2\n");
}

/// A cursor's action run after the document changed is refused: the cursor was placed in
/// a text that is gone, and resolving it in the new one could replace the wrong lines.
#[tokio::test(flavor = "multi_thread")]
async fn a_code_action_at_a_cursor_run_after_the_document_changed_runs_nothing() {
    let w = world(full_caps()).await;
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;
    let actions = code_actions_at(&w.client, &uri, range(2, 4, 2, 4)).await;
    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(0, 0, 0, 0), "text": "import os\n"}]),
        )
        .await;

    let command = &actions[1]["command"];
    let params = json!({"command": command["command"], "arguments": command["arguments"]});
    let err = w
        .client
        .request("workspace/executeCommand", params)
        .await
        .unwrap_err();
    assert!(
        err["message"].as_str().unwrap().contains("changed since"),
        "{err}"
    );
    assert!(w.hephaestus.requests().is_empty(), "a model was asked");
    assert_eq!(w.client.text(&uri), format!("import os\n{ADD}"));
}

/// The actions a code action request at `on` answers (no diagnostics), at least one.
async fn code_actions_at(client: &LspClient, uri: &str, on: Value) -> Vec<Value> {
    let params = json!({"textDocument": {"uri": uri}, "range": on, "context": {"diagnostics": []}});
    let actions = client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();
    let actions = actions.as_array().cloned().unwrap_or_default();
    assert!(!actions.is_empty(), "no code action");
    actions
}

/// Nothing typed: the instruction comment above the code is the task, and the job's end
/// says it followed it.
#[tokio::test(flavor = "multi_thread")]
async fn implement_without_a_task_follows_the_todo_comment_above_the_code() {
    let w = world(full_caps()).await;
    w.hephaestus.on(
        "POST",
        CHAT,
        answer("```python\ndef add(a, b):\n    # TODO: return the sum, as a float\n    return float(a + b)\n```"),
    );
    let uri = w.client.uri("src/add.py");
    let text = "def add(a, b):\n    # TODO: return the sum, as a float\n    pass\n";
    w.client.open(&uri, text).await;
    let token = run(&w.client, "multi-model.implement", &uri, range(2, 4, 2, 4)).await;
    let end = ended(&w.client, &token).await;

    let prompt = crate::support::workspace::prompt(&w.hephaestus);
    assert!(
        prompt.contains("The developer asks: return the sum, as a float"),
        "{prompt}"
    );
    let message = end["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("following line 2: “return the sum, as a float”"),
        "{end}"
    );
    assert!(w.client.text(&uri).contains("return float(a + b)"));
}

#[tokio::test(flavor = "multi_thread")]
async fn implement_carries_the_selection_through_edits_above_it() {
    let w = world(full_caps()).await;
    w.hephaestus.on(
        "POST",
        CHAT,
        answer("```python\nreturn a + b\n```").delay_first(Duration::from_secs(2)),
    );
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;
    let token = run(&w.client, "multi-model.implement", &uri, range(2, 4, 2, 8)).await;
    requested(&w.hephaestus).await;

    // The user types above the selection while Hephaestus works.
    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(0, 0, 0, 0), "text": "import math\n"}]),
        )
        .await;
    barrier(&w.client).await;
    ended(&w.client, &token).await;

    let edits = text_edits_for(&w.client, &uri);
    assert_eq!(edits.len(), 1, "{edits:#?}");
    assert_eq!(edits[0]["textDocument"]["version"], 2);
    assert_eq!(edits[0]["edits"][0]["range"], range(3, 4, 3, 8));
    assert_eq!(
        w.client.text(&uri),
        "import math\ndef add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return a + b\n"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn implement_changes_nothing_when_the_selection_was_edited_meanwhile() {
    // As Helix: its warning must come last (below).
    let w = world_as("helix", full_caps()).await;
    w.hephaestus.on(
        "POST",
        CHAT,
        answer("```python\nreturn a + b\n```").delay_first(Duration::from_secs(2)),
    );
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;
    let token = run(&w.client, "multi-model.implement", &uri, range(2, 4, 2, 8)).await;
    requested(&w.hephaestus).await;

    // The user rewrites the selection itself.
    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(2, 4, 2, 8), "text": "return b + a"}]),
        )
        .await;
    barrier(&w.client).await;
    ended(&w.client, &token).await;

    assert!(
        text_edits_for(&w.client, &uri).is_empty(),
        "an edit was sent for the file"
    );
    assert_eq!(
        w.client.text(&uri),
        "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    return b + a\n"
    );
    let warnings = warnings(&w.client).await;
    assert_eq!(warnings.len(), 1, "{warnings:#?}");
    assert!(
        warnings[0]["params"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was changed")
    );
    // Last, after the progress's end: Helix shows only its latest status message.
    let received = w.client.received();
    let at = |found: &dyn Fn(&Value) -> bool| received.iter().position(found).unwrap();
    let end = at(&|m| is_progress(m, &token, "end"));
    let warning = at(&|m| m == &warnings[0]);
    assert!(end < warning, "the warning came before the end");
}

#[tokio::test(flavor = "multi_thread")]
async fn implement_at_a_cursor_changes_nothing_when_the_user_types_on_its_lines_meanwhile() {
    let w = world(full_caps()).await;
    w.hephaestus.on(
        "POST",
        CHAT,
        answer("```python\ndef add(a, b):\n    return a + b\n```")
            .delay_first(Duration::from_secs(2)),
    );
    let uri = w.client.uri("src/add.py");
    w.client.open(&uri, ADD).await;
    // A bare cursor inside the body: the target is the whole definition.
    let token = run(&w.client, "multi-model.implement", &uri, range(2, 4, 2, 4)).await;
    requested(&w.hephaestus).await;

    // The user keeps typing at the end of the last line the code would replace.
    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(2, 8, 2, 8), "text": "  # my own idea"}]),
        )
        .await;
    barrier(&w.client).await;
    ended(&w.client, &token).await;

    assert!(
        text_edits_for(&w.client, &uri).is_empty(),
        "an edit was sent for the file"
    );
    assert_eq!(
        w.client.text(&uri),
        "def add(a, b):\n    \"\"\"Add two numbers.\"\"\"\n    pass  # my own idea\n"
    );
    let warnings = warnings(&w.client).await;
    assert!(
        warnings.iter().any(|m| m["params"]["message"]
            .as_str()
            .unwrap()
            .contains("nothing was changed")),
        "{warnings:#?}"
    );
}

// --- Sisyphus: a plan opened as a document -------------------------------------------------

fn path_of(uri: &Value) -> std::path::PathBuf {
    url::Url::parse(uri.as_str().unwrap())
        .unwrap()
        .to_file_path()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_creates_a_markdown_file_in_the_editor_and_shows_it() {
    let w = world(full_caps()).await;
    w.sisyphus.on("POST", CHAT, plan());
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.plan", &uri, range(4, 0, 5, 18)).await;
    ended(&w.client, &token).await;

    // Written by the server and shown: no workspace edit, so no unsaved buffer.
    assert!(with_method(&w.client, "workspace/applyEdit").is_empty());
    let (plan_uri, text) = w.client.shown_document("/.agent/plans/").unwrap();
    let path = path_of(&Value::from(plan_uri.clone()));
    assert!(
        path.starts_with(w.ws.path().join(".agent/plans")),
        "{path:?}"
    );
    let name = path.file_name().unwrap().to_str().unwrap();
    assert!(name.starts_with("plan-src-app-py-"), "{name}");
    assert_eq!(path.extension().unwrap(), "md");
    assert!(text.contains("Quote the command"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn in_helix_a_plan_is_written_to_disk_and_shown_though_showdocument_is_not_announced() {
    // Helix 25.07: applies edits to buffers it never saves, handles showDocument unannounced.
    let caps = json!({"window": {"workDoneProgress": true},
                      "workspace": {"applyEdit": true, "workspaceEdit": {"documentChanges": true,
                                    "resourceOperations": ["create"]}}});
    let w = world_as("helix", caps).await;
    w.sisyphus.on("POST", CHAT, plan());
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.plan", &uri, range(4, 0, 5, 18)).await;
    ended(&w.client, &token).await;

    assert!(
        with_method(&w.client, "workspace/applyEdit").is_empty(),
        "a workspace edit would leave an unsaved buffer and an empty file"
    );
    let (_, text) = w.client.shown_document("/.agent/plans/").unwrap();
    assert!(text.contains("Quote the command"), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_is_written_under_agent_plans_when_the_client_cannot_create_files() {
    let caps = json!({"window": {"workDoneProgress": true, "showDocument": {"support": true}},
                      "workspace": {"applyEdit": true, "workspaceEdit": {"documentChanges": true}}});
    let w = world(caps).await;
    w.sisyphus.on("POST", CHAT, plan());
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.plan", &uri, range(4, 0, 5, 18)).await;
    ended(&w.client, &token).await;

    assert!(with_method(&w.client, "workspace/applyEdit").is_empty());
    let shown = w
        .client
        .wait_for(|m| m["method"] == "window/showDocument", WAIT)
        .await
        .unwrap();
    let path = path_of(&shown["params"]["uri"]);
    assert!(
        path.starts_with(w.ws.path().join(".agent/plans")),
        "{path:?}"
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("Quote the command"), "{text}");
}

// --- Librarian: examples opened as a document ----------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn examples_with_librarian_open_a_list_with_file_and_line_links() {
    let w = world(full_caps()).await;
    w.librarian.on(
        "POST",
        CHAT,
        answer(&json!({"examples": [{"path": "src/app.py", "start_line": 5, "end_line": 6, "snippet": "def run(cmd):\n    os.system(cmd)", "explanation": "runs a command"}]}).to_string()),
    );
    let uri = w.client.uri("src/app.py");
    w.client.open(&uri, APP).await;
    let token = run(&w.client, "multi-model.examples", &uri, range(4, 0, 5, 18)).await;
    ended(&w.client, &token).await;

    let (doc_uri, text) = w.client.shown_document("/.agent/examples/").unwrap();
    assert!(doc_uri.contains("/examples-src-app-py-"), "{doc_uri}");
    // The document is in .agent/examples/: its links climb to the workspace root.
    assert!(
        text.contains("[src/app.py:5](../../src/app.py#L5-L6)"),
        "{text}"
    );
    assert!(text.contains("```python\ndef run(cmd):"), "{text}");
}

/// The warnings shown, once the first has arrived (bounded wait): in Helix a job's
/// warnings follow its progress's end.
async fn warnings(client: &LspClient) -> Vec<Value> {
    client
        .wait_for(
            |m| m["method"] == "window/showMessage" && m["params"]["type"] == 2,
            WAIT,
        )
        .await;
    with_method(client, "window/showMessage")
        .into_iter()
        .filter(|m| m["params"]["type"] == 2)
        .collect()
}
