//! Names and words the rules judge by.

use crate::review::python::is_test_path;
use crate::review::python::syntax::{is_secret_name, words};
use std::path::Path;

#[test]
fn secret_names_are_judged_by_their_last_word() {
    for name in [
        "db_password",
        "SECRET_KEY",
        "apiToken",
        "AWS_SECRET_ACCESS_KEY",
        "pwd",
    ] {
        assert!(is_secret_name(name), "{name}");
    }
    for name in [
        "password_hash",
        "TOKEN_URL",
        "token_type",
        "cache_key",
        "passage",
    ] {
        assert!(!is_secret_name(name), "{name}");
    }
}

#[test]
fn words_split_at_underscores_and_camel_humps() {
    assert_eq!(words("isAdmin_user2"), ["is", "admin", "user2"]);
    assert_eq!(words("HTTPServer"), ["httpserver"]);
}

#[test]
fn test_paths_are_recognised() {
    assert!(is_test_path(Path::new("pkg/test_login.py")));
    assert!(is_test_path(Path::new("conftest.py")));
    assert!(!is_test_path(Path::new("app/latest.py")));
    assert!(!is_test_path(Path::new("tests/fixtures/auth.py")));
}
