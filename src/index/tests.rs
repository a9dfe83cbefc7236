use super::*;

fn index(files: &[(&str, &str)]) -> WorkspaceIndex {
    let mut index = WorkspaceIndex::default();
    for (path, text) in files {
        index.update(path, text, None);
    }
    index
}

const USERS: &str = "def fetch_user(user_id, retries=3):\n    \"\"\"Load a user from the API, retrying on failure.\"\"\"\n    for attempt in range(retries):\n        pass\n\n\nclass UserCache:\n    def get(self, key):\n        return None\n";
const ORDERS: &str = "def total(order):\n    return sum(line.price for line in order)\n\n\ndef show_user_orders(user):\n    user = fetch_user(user.id)\n    return total(user.orders)\n";

#[test]
fn a_definition_whose_name_matches_ranks_first() {
    let index = index(&[("app/users.py", USERS), ("app/orders.py", ORDERS)]);
    let hits = index.search("fetch user", 5);
    assert_eq!(hits[0].symbol.name, "fetch_user");
    assert_eq!(hits[0].path, "app/users.py");
    assert_eq!(hits[0].symbol.rows, 0..4);
}

#[test]
fn the_docstring_counts_towards_the_rank() {
    let index = index(&[("app/users.py", USERS), ("app/orders.py", ORDERS)]);
    let hits = index.search("examples of retrying on failure", 5);
    assert_eq!(hits[0].symbol.name, "fetch_user");
}

#[test]
fn usages_in_bodies_are_found_too() {
    let index = index(&[("app/users.py", USERS), ("app/orders.py", ORDERS)]);
    let names: Vec<String> = index
        .search("fetch_user", 5)
        .into_iter()
        .map(|h| h.symbol.name)
        .collect();
    assert!(names.iter().any(|n| n == "show_user_orders"), "{names:?}");
}

#[test]
fn a_query_matching_nothing_finds_nothing() {
    let index = index(&[("app/users.py", USERS)]);
    assert!(index.search("kubernetes deployment", 5).is_empty());
}

#[test]
fn updating_a_file_replaces_what_was_known_of_it() {
    let mut index = index(&[("app/users.py", USERS), ("app/orders.py", ORDERS)]);
    index.update("app/users.py", "def load_account(x):\n    return x\n", None);
    assert!(index.definitions_of("fetch_user").next().is_none());
    assert_eq!(index.definitions_of("load_account").count(), 1);
    assert_eq!(index.symbol_count(), 3);
}

#[test]
fn removing_a_file_forgets_its_terms() {
    let mut index = index(&[("app/users.py", USERS), ("app/orders.py", ORDERS)]);
    index.remove("app/users.py");
    index.remove("app/orders.py");
    assert_eq!(index.symbol_count(), 0);
    assert!(index.vocabulary.is_empty());
}

#[test]
fn methods_keep_their_class() {
    let index = index(&[("app/users.py", USERS)]);
    let (_, get) = index.definitions_of("get").next().unwrap();
    assert_eq!(get.container.as_deref(), Some("UserCache"));
}

#[test]
fn symbol_search_ranks_exact_then_prefix_then_substring_then_letters() {
    let index = index(&[
        ("a.py", "def user():\n    pass\n"),
        ("b.py", "def user_cache():\n    pass\n"),
        ("c.py", "def load_user():\n    pass\n"),
        ("d.py", "def unused_ranker():\n    pass\n"),
    ]);
    let names: Vec<&str> = index
        .symbols("user", 10)
        .iter()
        .map(|m| m.symbol.name.as_str())
        .collect();
    assert_eq!(names, ["user", "user_cache", "load_user", "unused_ranker"]);
}

#[test]
fn the_whole_workspace_is_indexed_honouring_gitignore_and_exclude() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::create_dir_all(root.join("vendor")).unwrap();
    std::fs::create_dir_all(root.join("gen")).unwrap();
    std::fs::write(root.join("app/users.py"), USERS).unwrap();
    std::fs::write(root.join("vendor/lib.py"), "def vendored():\n    pass\n").unwrap();
    std::fs::write(root.join("gen/out.py"), "def generated():\n    pass\n").unwrap();
    std::fs::write(root.join("README.md"), "# not code\n").unwrap();
    std::fs::write(root.join(".gitignore"), "vendor/\n").unwrap();
    let index = WorkspaceIndex::build(root, &["gen/".to_string()]).unwrap();
    assert_eq!(index.file_count(), 1);
    assert!(index.definitions_of("fetch_user").next().is_some());
}

#[test]
fn a_snippet_has_context_lines_either_side() {
    let text = (1..=20)
        .map(|i| format!("line {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let (first, snippet) = snippet(&text, 9..11, 5);
    assert_eq!(first, 5);
    assert_eq!(snippet.lines().count(), 12);
    assert!(snippet.starts_with("line 5\n"));
}

const AUTH_TS: &str = "/** Checks the HMAC of a token. */\nexport function verifySignedToken(token: string, secret: string): boolean {\n  return sign(token.split('.')[0], secret) === token.split('.')[1];\n}\n\nexport const refreshSession = async (id: string) => {\n  return fetch(`/sessions/${id}`);\n};\n";
const AUTH_JS: &str = "/** Checks the HMAC of a token. */\nfunction verifySignedToken(token, secret) {\n  return sign(token, secret) === token;\n}\n\nconst refreshSession = (id) => fetch(id);\n";
const AUTH_GO: &str = "package auth\n\n// VerifySignedToken checks the HMAC of a token.\nfunc VerifySignedToken(token string, secret []byte) bool {\n\treturn sign(token, secret) == token\n}\n\n// Refresh renews a session.\nfunc (s *Session) Refresh() error {\n\treturn nil\n}\n";

/// In a workspace of `path` (holding `text`) and the Python files above, `query` finds
/// `name` first, and `workspace/symbol` finds it by part of its name.
fn check_search(path: &str, text: &str, query: &str, name: &str) {
    let index = index(&[
        (path, text),
        ("app/users.py", USERS),
        ("app/orders.py", ORDERS),
    ]);
    let hits = index.search(query, 5);
    assert_eq!(
        hits.first()
            .map(|h| (h.path.as_str(), h.symbol.name.as_str())),
        Some((path, name)),
        "{query}"
    );
    let symbols: Vec<&str> = index
        .symbols(&name[..6], 5)
        .iter()
        .map(|m| m.symbol.name.as_str())
        .collect();
    assert_eq!(symbols.first(), Some(&name), "{path}");
}

#[test]
fn typescript_javascript_and_go_definitions_are_searched_like_python() {
    let cases = [
        (
            "web/auth.ts",
            AUTH_TS,
            "Find examples of signed token verification",
            "verifySignedToken",
        ),
        (
            "web/auth.ts",
            AUTH_TS,
            "how do we refresh a session",
            "refreshSession",
        ),
        (
            "web/auth.js",
            AUTH_JS,
            "Find examples of signed token verification",
            "verifySignedToken",
        ),
        (
            "auth/auth.go",
            AUTH_GO,
            "Find examples of signed token verification",
            "VerifySignedToken",
        ),
        ("auth/auth.go", AUTH_GO, "renew a session", "Refresh"),
    ];
    for (path, text, query, name) in cases {
        check_search(path, text, query, name);
    }
}

#[test]
fn a_go_method_keeps_its_receiver_type() {
    let index = index(&[("auth/auth.go", AUTH_GO)]);
    let (_, refresh) = index.definitions_of("Refresh").next().unwrap();
    assert_eq!(refresh.container.as_deref(), Some("Session"));
}

#[test]
fn a_built_index_counts_each_word_once_and_ranks_as_one_built_file_by_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("app")).unwrap();
    std::fs::write(dir.path().join("app/users.py"), USERS).unwrap();
    std::fs::write(dir.path().join("app/orders.py"), ORDERS).unwrap();
    let mut built = WorkspaceIndex::build(dir.path(), &[]).unwrap();
    let updated = index(&[("app/users.py", USERS), ("app/orders.py", ORDERS)]);
    // (Word numbers depend on the order files were scanned in; the ranking does not.)
    let ranked = |index: &WorkspaceIndex| -> Vec<(String, String, f32)> {
        index
            .search("fetch the user", 5)
            .into_iter()
            .map(|hit| (hit.path, hit.symbol.name, hit.score))
            .collect()
    };
    assert_eq!(ranked(&built), ranked(&updated));
    built.remove("app/users.py");
    built.remove("app/orders.py");
    assert!(built.vocabulary.is_empty());
}
