//! The workspace index in the language server, end to end: `workspace/symbol` over files on
//! disk and open buffers, kept current from edits and watched-file events, and the index as
//! context for the roles (cross-file definitions, the Librarian's candidates, and its answer
//! when no model can give one). Each role's model is an Ollama mock on 127.0.0.1; waits are
//! bounded guards, never measurements.

use std::path::Path;

use serde_json::{Value, json};
use tempfile::TempDir;

use crate::support::editor::{
    ended, full_caps, keyless_agent, range, run_action, run_with_task, symbols, symbols_until,
};
use crate::support::lsp::LspClient;
use crate::support::mock::MockServer;
use crate::support::workspace::{answer, config_yaml, ollama_agent, prompt, write};

const CHAT: &str = "/api/chat";

/// A variable no test environment sets: a librarian keyed by it has no key.
const UNSET_KEY: &str = "MULTI_MODEL_TEST_UNSET_KEY";

const USERS: &str = "\
import time


def fetch_user(user_id, retries=3):
    \"\"\"Fetch a user by id, with retries.\"\"\"
    for attempt in range(retries):
        time.sleep(attempt)
    return {\"id\": user_id}


class UserCache:
    \"\"\"Users kept in memory.\"\"\"

    def lookup(self, user_id):
        return fetch_user(user_id)
";

const ORDERS: &str = "\
from app.users import fetch_user


def place_order(user_id, items):
    user = fetch_user(user_id)
    return {\"user\": user, \"items\": items}
";

// --- the world: a workspace with files, four mocks, an editor ---------------------------

struct World {
    oracle: MockServer,
    librarian: MockServer,
    _others: [MockServer; 2],
    ws: TempDir,
    client: LspClient,
}

/// How the Librarian is configured.
enum Librarian {
    /// An Ollama model played by its mock.
    Model,
    /// An OpenAI model (at the mock, so nothing leaves loopback) whose key is not set.
    NoKey,
}

/// Writes `files` into a new workspace, then starts and initializes the server there.
async fn world(files: &[(&str, &str)], librarian: Librarian, options: Value) -> World {
    world_as("test-editor", files, librarian, options).await
}

/// `world` for the editor named `editor` (`clientInfo.name`).
async fn world_as(
    editor: &str,
    files: &[(&str, &str)],
    librarian: Librarian,
    options: Value,
) -> World {
    let (sisyphus, hephaestus, oracle, librarian_mock) = (
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
        MockServer::start().await,
    );
    let ws = TempDir::new().unwrap();
    for (rel, text) in files {
        write(ws.path(), rel, text);
    }
    let librarian_yaml = match librarian {
        Librarian::Model => ollama_agent("librarian", &librarian_mock),
        Librarian::NoKey => keyless_agent(
            "librarian",
            "librarian-model",
            "openai",
            &format!("{}/v1", librarian_mock.url),
            UNSET_KEY,
        ),
    };
    let yaml = config_yaml(
        &[
            ollama_agent("sisyphus", &sisyphus),
            ollama_agent("hephaestus", &hephaestus),
            ollama_agent("oracle", &oracle),
            librarian_yaml,
        ],
        "",
    );
    write(ws.path(), "config/multi_model.yaml", &yaml);
    let client = LspClient::start(Path::new(env!("CARGO_BIN_EXE_multi-model")), ws.path());
    client.initialize_as(editor, full_caps(), options).await;
    World {
        oracle,
        librarian: librarian_mock,
        _others: [sisyphus, hephaestus],
        ws,
        client,
    }
}

fn named<'a>(found: &'a [Value], name: &str) -> Option<&'a Value> {
    found.iter().find(|s| s["name"] == name)
}

/// The text of the document a job wrote and showed under `.agent/<folder>/`.
fn created_under(client: &LspClient, folder: &str) -> String {
    client
        .shown_document(&format!("/.agent/{folder}/"))
        .unwrap_or_else(|| panic!("{:#?}", client.received()))
        .1
}

// --- workspace/symbol --------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn workspace_symbol_finds_functions_classes_and_methods_in_files_that_are_not_open() {
    let w = world(&[("app/users.py", USERS)], Librarian::Model, json!({})).await;
    let uri = w.client.uri("app/users.py");

    let found = symbols(&w.client, "fetch_user").await;
    let function = named(&found, "fetch_user").unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(function["kind"], 12, "Function");
    assert_eq!(function["location"]["uri"], uri);
    assert_eq!(function["location"]["range"], range(3, 0, 8, 0));
    assert!(function["containerName"].is_null(), "{function}");

    let found = symbols(&w.client, "UserCache").await;
    let class = named(&found, "UserCache").unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(class["kind"], 5, "Class");
    assert_eq!(class["location"]["uri"], uri);
    assert_eq!(class["location"]["range"], range(10, 0, 15, 0));

    let found = symbols(&w.client, "lookup").await;
    let method = named(&found, "lookup").unwrap_or_else(|| panic!("{found:#?}"));
    assert_eq!(method["kind"], 6, "Method");
    assert_eq!(method["location"]["uri"], uri);
    assert_eq!(method["location"]["range"], range(13, 0, 15, 0));
    assert_eq!(method["containerName"], "UserCache");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_definition_typed_into_an_open_document_becomes_a_workspace_symbol() {
    let notes = "def existing():\n    return 1\n";
    let w = world(&[("app/notes.py", notes)], Librarian::Model, json!({})).await;
    let uri = w.client.uri("app/notes.py");
    w.client.open(&uri, notes).await;
    let before = symbols(&w.client, "existing").await;
    assert!(named(&before, "existing").is_some(), "{before:#?}");
    assert!(
        named(
            &symbols(&w.client, "brand_new_helper").await,
            "brand_new_helper"
        )
        .is_none(),
        "not written yet"
    );

    let added = "\n\ndef brand_new_helper():\n    return 2\n";
    w.client
        .change(
            &uri,
            2,
            json!([{"range": range(2, 0, 2, 0), "text": added}]),
        )
        .await;

    let found = symbols_until(&w.client, "brand_new_helper", |found| {
        named(found, "brand_new_helper").is_some()
    })
    .await;
    let helper = named(&found, "brand_new_helper").unwrap();
    assert_eq!(helper["kind"], 12, "Function");
    assert_eq!(helper["location"]["uri"], uri);
    assert_eq!(helper["location"]["range"], range(4, 0, 6, 0));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_deleted_on_disk_and_reported_as_deleted_leaves_workspace_symbols() {
    let old = "def obsolete_thing():\n    pass\n";
    let w = world(&[("app/old.py", old)], Librarian::Model, json!({})).await;
    let found = symbols(&w.client, "obsolete_thing").await;
    assert!(named(&found, "obsolete_thing").is_some(), "{found:#?}");

    std::fs::remove_file(w.ws.path().join("app/old.py")).unwrap();
    let event = json!({"uri": w.client.uri("app/old.py"), "type": 3});
    w.client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [event]}),
        )
        .await;

    symbols_until(&w.client, "obsolete_thing", |found| {
        named(found, "obsolete_thing").is_none()
    })
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn files_created_or_changed_on_disk_and_reported_enter_workspace_symbols() {
    let w = world(&[("app/users.py", USERS)], Librarian::Model, json!({})).await;
    let found = symbols(&w.client, "fetch_user").await;
    assert!(named(&found, "fetch_user").is_some(), "{found:#?}");

    write(
        w.ws.path(),
        "app/fresh.py",
        "def fresh_thing():\n    return 1\n",
    );
    let renamed = USERS.replace("fetch_user", "fetch_account");
    write(w.ws.path(), "app/users.py", &renamed);
    let created = json!({"uri": w.client.uri("app/fresh.py"), "type": 1});
    let changed = json!({"uri": w.client.uri("app/users.py"), "type": 2});
    w.client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": [created, changed]}),
        )
        .await;

    let found = symbols_until(&w.client, "fresh_thing", |found| {
        named(found, "fresh_thing").is_some()
    })
    .await;
    let fresh = named(&found, "fresh_thing").unwrap();
    assert_eq!(fresh["location"]["uri"], w.client.uri("app/fresh.py"));
    assert_eq!(fresh["location"]["range"], range(0, 0, 2, 0));
    let found = symbols_until(&w.client, "fetch_account", |found| {
        named(found, "fetch_account").is_some()
    })
    .await;
    assert_eq!(
        named(&found, "fetch_account").unwrap()["location"]["uri"],
        w.client.uri("app/users.py")
    );
    let gone = symbols(&w.client, "fetch_user").await;
    assert!(named(&gone, "fetch_user").is_none(), "{gone:#?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn reported_files_the_walk_leaves_out_stay_out_of_the_index() {
    let w = world(
        &[("app/users.py", USERS), (".gitignore", "vendored/\n")],
        Librarian::Model,
        json!({}),
    )
    .await;
    symbols(&w.client, "fetch_user").await;
    let mut changes = Vec::new();
    for (rel, name) in [
        ("build/gen.py", "generated_thing"),
        (".venv/lib/site.py", "venv_thing"),
        ("vendored/lib.py", "vendored_thing"),
        ("app/fresh.py", "fresh_thing"),
    ] {
        write(w.ws.path(), rel, &format!("def {name}():\n    return 1\n"));
        changes.push(json!({"uri": w.client.uri(rel), "type": 1}));
    }
    w.client
        .notify(
            "workspace/didChangeWatchedFiles",
            json!({"changes": changes}),
        )
        .await;
    // The admitted file arriving shows the whole batch was handled.
    symbols_until(&w.client, "fresh_thing", |found| {
        named(found, "fresh_thing").is_some()
    })
    .await;
    for name in ["generated_thing", "venv_thing", "vendored_thing"] {
        let found = symbols(&w.client, name).await;
        assert!(named(&found, name).is_none(), "{name}: {found:#?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_opened_before_the_index_is_built_is_indexed_from_its_buffer() {
    let w = world(&[("app/users.py", USERS)], Librarian::Model, json!({})).await;
    // Opened (with text the disk does not have) at once, most likely while the build runs.
    let uri = w.client.uri("app/users.py");
    w.client
        .open(
            &uri,
            &format!("{USERS}\n\ndef typed_before_the_build():\n    pass\n"),
        )
        .await;
    let found = symbols_until(&w.client, "typed_before_the_build", |found| {
        named(found, "typed_before_the_build").is_some()
    })
    .await;
    assert_eq!(
        named(&found, "typed_before_the_build").unwrap()["location"]["uri"],
        uri
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_document_opened_after_the_build_counts_as_its_buffer_and_as_the_disk_when_the_same() {
    let w = world(
        &[("app/users.py", USERS), ("app/orders.py", ORDERS)],
        Librarian::Model,
        json!({}),
    )
    .await;
    // The build is done once the disk's definitions answer.
    symbols_until(&w.client, "place_order", |found| {
        named(found, "place_order").is_some()
    })
    .await;
    // Opened as it is on disk: nothing to re-index, and it stays indexed.
    let orders = w.client.uri("app/orders.py");
    w.client.open(&orders, ORDERS).await;
    // Opened with text the disk does not have: the buffer counts.
    let users = w.client.uri("app/users.py");
    let buffer = USERS.replace("fetch_user", "fetch_member");
    w.client.open(&users, &buffer).await;
    let found = symbols_until(&w.client, "fetch_", |found| {
        named(found, "fetch_member").is_some() && named(found, "fetch_user").is_none()
    })
    .await;
    assert_eq!(
        named(&found, "fetch_member").unwrap()["location"]["uri"],
        users
    );
    let unchanged = symbols(&w.client, "place_order").await;
    assert_eq!(
        named(&unchanged, "place_order").unwrap()["location"]["uri"],
        orders
    );
}

// --- the index as context ----------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn the_librarian_without_a_model_answers_with_the_index_ranking() {
    assert!(
        std::env::var_os(UNSET_KEY).is_none(),
        "{UNSET_KEY} must not be set for this test"
    );
    let files = [("app/users.py", USERS), ("app/orders.py", ORDERS)];
    let w = world(&files, Librarian::NoKey, json!({})).await;
    symbols(&w.client, "fetch_user").await;
    let uri = w.client.uri("app/orders.py");
    w.client.open(&uri, ORDERS).await;

    let on = range(4, 4, 4, 30);
    let token = run_with_task(
        &w.client,
        "multi-model.examples",
        &uri,
        on,
        Some("fetch a user with retries"),
    )
    .await;
    ended(&w.client, &token).await;

    let text = created_under(&w.client, "examples");
    assert!(
        text.contains("Ranked by the workspace index alone"),
        "{text}"
    );
    assert!(
        text.contains("1. [app/users.py:4](../../app/users.py#L4-L8)"),
        "the best match first: {text}"
    );
    // The code the request was made from is no example of itself.
    assert!(!text.contains("place_order"), "{text}");
    assert!(w.librarian.requests().is_empty(), "a model was asked");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_librarians_prompt_offers_the_index_candidates() {
    let files = [("app/users.py", USERS), ("app/orders.py", ORDERS)];
    let w = world(&files, Librarian::Model, json!({})).await;
    let examples = json!({"examples": [{"path": "app/users.py", "start_line": 4, "end_line": 8,
                                        "snippet": "def fetch_user(user_id, retries=3):",
                                        "explanation": "fetches a user with retries"}]});
    w.librarian.on("POST", CHAT, answer(&examples.to_string()));
    symbols(&w.client, "fetch_user").await;
    let uri = w.client.uri("app/orders.py");
    w.client.open(&uri, ORDERS).await;

    let on = range(4, 4, 4, 30);
    let task = Some("fetch a user with retries");
    let token = run_with_task(&w.client, "multi-model.examples", &uri, on, task).await;
    ended(&w.client, &token).await;

    let prompt = prompt(&w.librarian);
    assert!(prompt.contains("candidate 1: app/users.py:4-8"), "{prompt}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_review_is_given_the_definitions_of_names_from_other_workspace_files() {
    let files = [("app/users.py", USERS), ("app/orders.py", ORDERS)];
    let w = world(&files, Librarian::Model, json!({})).await;
    let empty = json!({"summary": "Looked.", "findings": []});
    w.oracle.on("POST", CHAT, answer(&empty.to_string()));
    symbols(&w.client, "fetch_user").await;
    let uri = w.client.uri("app/orders.py");
    w.client.open(&uri, ORDERS).await;

    let token = run_with_task(
        &w.client,
        "multi-model.review",
        &uri,
        range(3, 0, 5, 41),
        None,
    )
    .await;
    ended(&w.client, &token).await;

    let prompt = prompt(&w.oracle);
    assert!(
        prompt.contains("app/users.py:4-8 (definition of `fetch_user`)"),
        "{prompt}"
    );
    assert!(prompt.contains("\"\"\"Fetch a user by id, with retries.\"\"\""));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_model_chosen_in_initialization_options_serves_its_role() {
    let options = json!({"models": {"oracle": "override-model:7"}});
    let w = world(&[("app/orders.py", ORDERS)], Librarian::Model, options).await;
    let empty = json!({"summary": "Looked.", "findings": []});
    w.oracle.on("POST", CHAT, answer(&empty.to_string()));
    let uri = w.client.uri("app/orders.py");
    w.client.open(&uri, ORDERS).await;

    let token = run_with_task(
        &w.client,
        "multi-model.review",
        &uri,
        range(3, 0, 5, 41),
        None,
    )
    .await;
    ended(&w.client, &token).await;

    assert_eq!(w.oracle.only_request().body()["model"], "override-model:7");
}

// --- code actions ------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread")]
async fn helixs_one_character_cursor_gets_actions_on_the_enclosing_function() {
    let w = world_as("helix", &[], Librarian::Model, json!({})).await;
    let empty = json!({"summary": "Looked.", "findings": []});
    w.oracle.on("POST", CHAT, answer(&empty.to_string()));
    let uri = w.client.uri("app/users.py");
    w.client.open(&uri, USERS).await;
    // Helix's cursor (a one-character selection) on the `t` of `time.sleep(attempt)`.
    let on = range(6, 8, 6, 9);
    let params = json!({"textDocument": {"uri": uri}, "range": on, "context": {"diagnostics": []}});
    let actions = w
        .client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();

    let actions = actions.as_array().unwrap();
    assert_eq!(actions.len(), 4, "{actions:#?}");
    for action in actions {
        assert_eq!(action["command"]["arguments"][0]["range"], on, "{action}");
    }
    // Run, the review works on the whole function around the cursor.
    let token = run_action(&w.client, &actions[2]).await;
    ended(&w.client, &token).await;
    let prompt = prompt(&w.oracle);
    assert!(prompt.contains("app/users.py:4-8"), "{prompt}");
    assert!(prompt.contains(USERS.lines().nth(3).unwrap()), "{prompt}");
}

#[tokio::test(flavor = "multi_thread")]
async fn other_editors_one_character_selection_is_taken_as_it_is() {
    let w = world(&[], Librarian::Model, json!({})).await;
    let uri = w.client.uri("app/users.py");
    w.client.open(&uri, USERS).await;
    let on = range(6, 8, 6, 9);
    let params = json!({"textDocument": {"uri": uri}, "range": on, "context": {"diagnostics": []}});
    let actions = w
        .client
        .request("textDocument/codeAction", params)
        .await
        .unwrap();
    for action in actions.as_array().unwrap() {
        assert_eq!(action["command"]["arguments"][0]["range"], on, "{action}");
    }
}
