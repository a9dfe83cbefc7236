use super::*;
use crate::config::{ConfigSource, Cue};

fn classify(task: &str) -> Classification {
    Router::new(&Keywords::default()).classify(task)
}

fn role_for(task: &str) -> Role {
    classify(task).task_type.role()
}

fn config(yaml: &str) -> Config {
    Config::from_yaml(yaml, ConfigSource::File("test.yaml".into())).unwrap()
}

#[test]
fn the_original_examples_route_to_their_roles() {
    assert_eq!(
        role_for("Plan architecture for real-time notification system"),
        Role::Sisyphus
    );
    assert_eq!(
        role_for("Implement UserAuth class per spec"),
        Role::Hephaestus
    );
    assert_eq!(
        role_for("Review authentication logic for vulnerabilities"),
        Role::Oracle
    );
    assert_eq!(
        role_for("Find examples of JWT token validation in codebase"),
        Role::Librarian
    );
}

#[test]
fn inflected_words_match_their_cue() {
    assert_eq!(role_for("planning the next quarter"), Role::Sisyphus);
    assert_eq!(role_for("has this been reviewed"), Role::Oracle);
    assert_eq!(role_for("examples of retries"), Role::Librarian);
}

#[test]
fn cues_match_whole_words_only() {
    // "codec" contains "code", "planet" contains "plan": neither is a cue.
    let c = classify("the codec on planet");
    assert!(c.evidence.is_empty(), "{:?}", c.evidence);
}

#[test]
fn multi_word_cues_match() {
    assert_eq!(role_for("look up the retry settings"), Role::Librarian);
    assert_eq!(role_for("how should we split the monolith"), Role::Sisyphus);
    assert_eq!(role_for("is this deserialisation safe"), Role::Oracle);
}

#[test]
fn gaps_in_phrases_span_a_few_words_only() {
    assert_eq!(
        classify("is the new session cache safe").task_type,
        TaskType::Review
    );
    let far = classify("is there a way to get one two three four five safe");
    assert!(
        far.evidence.iter().all(|e| e.cue != "is ... safe"),
        "{:?}",
        far.evidence
    );
}

#[test]
fn domain_words_decide_without_a_verb() {
    assert_eq!(role_for("sql injection in the login form?"), Role::Oracle);
    assert_eq!(
        role_for("race condition around the cache refresh"),
        Role::Oracle
    );
    assert_eq!(
        role_for("milestones for the payments rewrite"),
        Role::Sisyphus
    );
}

#[test]
fn a_security_topic_outweighs_a_search_verb() {
    assert_eq!(
        role_for("find vulnerabilities in the upload handler"),
        Role::Oracle
    );
}

#[test]
fn writing_tests_is_coding() {
    assert_eq!(
        role_for("write tests for the config parser"),
        Role::Hephaestus
    );
}

#[test]
fn asking_where_something_is_used_is_search() {
    assert_eq!(role_for("where is parse_config used"), Role::Librarian);
}

#[test]
fn the_opening_verb_breaks_an_even_match() {
    assert_eq!(
        role_for("build a search index for products"),
        Role::Hephaestus
    );
}

#[test]
fn cues_in_a_later_clause_count_half() {
    let c = classify("find the fixtures that create fake users");
    let create = c.evidence.iter().find(|e| e.cue == "create").unwrap();
    assert_eq!(create.weight, 0.5);
    assert_eq!(c.task_type, TaskType::Search);
}

#[test]
fn identifiers_do_not_count_as_cues() {
    assert_eq!(
        role_for("implement `find_user` for the admin page"),
        Role::Hephaestus
    );
    assert_eq!(
        role_for("add caching to find_user and SearchIndex"),
        Role::Hephaestus
    );
}

#[test]
fn a_task_without_cues_defaults_to_coding_with_no_confidence() {
    let c = classify("the thing with the widgets");
    assert_eq!(c.task_type, TaskType::Coding);
    assert_eq!(c.confidence, 0.0);
    assert!(c.reasoning().contains("default"), "{}", c.reasoning());
}

#[test]
fn confidence_is_higher_when_cues_agree() {
    let agreeing = classify("audit the login flow for injection vulnerabilities");
    let mixed = classify("find the code that checks tokens");
    assert!(
        mixed.confidence < agreeing.confidence,
        "{} vs {}",
        mixed.confidence,
        agreeing.confidence
    );
    assert!(agreeing.confidence <= 1.0);
}

#[test]
fn reasoning_names_the_deciding_words() {
    let reasoning = classify("Review authentication logic for vulnerabilities").reasoning();
    assert!(reasoning.contains("\"review\""), "{reasoning}");
    assert!(reasoning.contains("\"vulnerabilities\""), "{reasoning}");
}

#[test]
fn reasoning_names_the_outweighed_task_type() {
    let reasoning = classify("find vulnerabilities in the upload handler").reasoning();
    assert!(reasoning.starts_with("review task"), "{reasoning}");
    assert!(
        reasoning.contains("outweighed search (\"find\")"),
        "{reasoning}"
    );
}

#[test]
fn configured_keywords_replace_the_defaults_of_their_type_only() {
    let keywords = Keywords {
        search: Some(vec![Cue {
            text: "dig up".into(),
            weight: 2.0,
        }]),
        ..Keywords::default()
    };
    let router = Router::new(&keywords);
    assert_eq!(
        router.classify("dig up the retry helpers").task_type,
        TaskType::Search
    );
    assert_eq!(
        router.classify("find the retry helpers").task_type,
        TaskType::Coding
    );
    assert_eq!(
        router.classify("review the retry helpers").task_type,
        TaskType::Review
    );
}

#[test]
fn manual_override_wins_over_classification() {
    let route = route(
        Config::builtin(),
        "find examples of retries",
        Some(Role::Oracle),
    )
    .unwrap();
    assert_eq!(route.role, Role::Oracle);
    assert_eq!(route.decision, Decision::Manual);
    assert_eq!(route.model, Config::builtin().agents.oracle.model);
}

#[test]
fn manual_override_is_refused_when_disabled() {
    let config = config("routing:\n  allow_manual_override: false\n");
    let err = route(&config, "anything", Some(Role::Oracle)).unwrap_err();
    assert!(
        err.to_string().contains("allow_manual_override: false"),
        "{err}"
    );
}

#[test]
fn without_auto_classification_the_primary_role_takes_the_task() {
    let config = config("routing:\n  auto_classify: false\n  primary: oracle\n");
    let route = route(&config, "find examples of retries", None).unwrap();
    assert_eq!(route.role, Role::Oracle);
    assert_eq!(route.decision, Decision::Primary);
}

#[test]
fn an_empty_task_is_refused() {
    assert_eq!(
        route(Config::builtin(), "  ", None).unwrap_err(),
        RouteError::EmptyTask
    );
}

#[test]
fn the_route_names_the_model_of_the_chosen_role() {
    let route = route(
        Config::builtin(),
        "Plan architecture for real-time notification system",
        None,
    )
    .unwrap();
    assert_eq!(route.role, Role::Sisyphus);
    assert_eq!(route.model, Config::builtin().agents.sisyphus.model);
}

#[test]
fn a_word_counts_once_per_task_type() {
    let c = classify("quick fix for vulnerabilities");
    let cues: Vec<&str> = c.evidence.iter().map(|e| e.cue.as_str()).collect();
    assert_eq!(cues, ["quick fix", "vulnerability"]);
}

/// The head of the phrase decides, not a word that only qualifies it.
#[test]
fn the_head_of_the_phrase_decides() {
    fn check(task: &str, role: Role) {
        let c = classify(task);
        assert_eq!(c.task_type.role(), role, "{task}: {}", c.reasoning());
    }
    // Compounds: the head comes last.
    check(
        "Code review of the rate limiter implementation",
        Role::Oracle,
    );
    check(
        "Quick bug fix: the date picker crashes on empty input",
        Role::Hephaestus,
    );
    check("code review: the new retry logic", Role::Oracle);
    // A generic verb leaves the decision to what it produces.
    check(
        "Create an implementation plan for the bulk import feature",
        Role::Sisyphus,
    );
    check("write a test for the SQL injection fix", Role::Hephaestus);
    // Finding flaws is reviewing; finding things is searching.
    check(
        "find bugs in my implementation of the trie insert",
        Role::Oracle,
    );
    check("find code that uses the retry helper", Role::Librarian);
    // Questions of existence: a flaw is a review, anything else a search.
    check(
        "is there an integer overflow in this size calculation?",
        Role::Oracle,
    );
    check(
        "is there already a utility for slugifying strings?",
        Role::Librarian,
    );
    // The opening imperative outweighs a topic word in its object.
    check(
        "Plan the security hardening work for the admin panel",
        Role::Sisyphus,
    );
    check("Review the roadmap doc for risks and gaps", Role::Oracle);
}

#[test]
fn a_modifier_keeps_a_quarter_of_its_weight() {
    let c = classify("code review of the cache");
    let code = c.evidence.iter().find(|e| e.cue == "code").unwrap();
    assert_eq!(code.weight, 0.25);
}

#[test]
fn a_question_word_gets_only_the_small_lead_bonus() {
    let c = classify("is this correct");
    let review = c
        .scores
        .iter()
        .find(|(t, _)| *t == TaskType::Review)
        .unwrap()
        .1;
    // "^ is" 0.5 + "correct" 1 + the lead bonus of a question, 0.5.
    assert_eq!(review, 2.0);
}
