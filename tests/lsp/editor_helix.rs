//! The Helix configuration (`editors/helix/languages.toml`) against what the binary serves:
//! its command line starts the language server, and it adds the server only to languages
//! the server knows.

use serde_json::{Value, json};
use tempfile::TempDir;
use toml::Table;

use crate::support::lsp::LspClient;

fn languages_toml() -> Table {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/editors/helix/languages.toml");
    let text = std::fs::read_to_string(path).unwrap();
    text.parse::<Table>()
        .unwrap_or_else(|err| panic!("{path} is not TOML: {err}"))
}

fn server(config: &Table) -> &Table {
    config["language-server"]["multi-model"]
        .as_table()
        .expect("[language-server.multi-model]")
}

fn languages_using_the_server(config: &Table) -> Vec<&Table> {
    config["language"]
        .as_array()
        .expect("[[language]] entries")
        .iter()
        .filter_map(|l| l.as_table())
        .filter(|l| {
            l["language-servers"]
                .as_array()
                .is_some_and(|s| s.iter().any(|s| s.as_str() == Some("multi-model")))
        })
        .collect()
}

/// Sends `initialize` to `multi-model <args>` and returns the answer's result.
fn initialize(args: &[String]) -> Value {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let root = TempDir::new().unwrap();
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let binary = env!("CARGO_BIN_EXE_multi-model").as_ref();
        let client = LspClient::spawn(binary, &args, root.path(), &[]);
        let params = json!({"processId": null, "rootUri": null, "capabilities": {}});
        let answer = client.request("initialize", params).await;
        answer
            .unwrap_or_else(|e| panic!("`multi-model {}` refused initialize: {e}", args.join(" ")))
    })
}

#[test]
fn the_server_command_is_multi_model() {
    let config = languages_toml();
    assert_eq!(server(&config)["command"].as_str(), Some("multi-model"));
}

#[test]
fn the_configured_arguments_start_the_language_server() {
    let config = languages_toml();
    let args: Vec<String> = server(&config)["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|a| a.as_str().expect("string arguments").to_string())
        .collect();
    let result = initialize(&args);
    assert_eq!(result["serverInfo"]["name"], "multi-model", "{result}");
    assert!(
        result["capabilities"]["codeActionProvider"].is_object(),
        "{result}"
    );
}

#[test]
fn the_server_is_added_only_to_languages_it_supports() {
    let config = languages_toml();
    let languages = languages_using_the_server(&config);
    assert!(!languages.is_empty());
    for language in languages {
        // Helix sends `language-id` in didOpen, the language's name when there is none.
        let id = language
            .get("language-id")
            .or_else(|| language.get("name"))
            .and_then(|v| v.as_str())
            .unwrap();
        assert!(
            multi_model::syntax::language_for(None, Some(id)).is_some(),
            "the server has no language {id:?}"
        );
    }
}

#[test]
fn each_language_keeps_a_usual_language_server_beside_it() {
    let config = languages_toml();
    let servers_of = |name: &str| -> Vec<String> {
        languages_using_the_server(&config)
            .into_iter()
            .find(|l| l["name"].as_str() == Some(name))
            .unwrap_or_else(|| panic!("{name} does not use multi-model"))["language-servers"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s.as_str().map(str::to_string))
            .collect()
    };
    let cases: [(&str, &[&str]); 7] = [
        ("python", &["ruff", "pylsp"]),
        ("rust", &["rust-analyzer"]),
        ("typescript", &["typescript-language-server"]),
        ("tsx", &["typescript-language-server"]),
        ("javascript", &["typescript-language-server"]),
        ("jsx", &["typescript-language-server"]),
        ("go", &["gopls"]),
    ];
    for (language, usual) in cases {
        let servers = servers_of(language);
        assert!(
            servers.iter().any(|s| usual.contains(&s.as_str())),
            "{language}: {servers:?}"
        );
    }
}

#[test]
fn the_request_timeout_is_set() {
    let config = languages_toml();
    let timeout = server(&config)["timeout"]
        .as_integer()
        .expect("timeout in seconds");
    assert!((5..=120).contains(&timeout), "{timeout}");
}

#[test]
fn the_shipped_log_level_keeps_helix_log_free_of_routine_lines() {
    // Helix files each stderr line of a server as an error: only warnings and errors may
    // reach it by default.
    let config = languages_toml();
    let level = server(&config)["environment"]["MULTI_MODEL_LOG"]
        .as_str()
        .expect("MULTI_MODEL_LOG in environment");
    assert!(["warn", "error"].contains(&level), "{level}");
    assert!(
        multi_model::logging::filter(Some(level)).is_ok(),
        "the server understands {level:?}"
    );
}
