//! Task routing: which role should handle a task description.
//!
//! Classification scores each task type by the cues found in the text: a cue is a word
//! (matched through its stem, so inflections count) or a phrase (`...` skips up to four
//! words). The rules make the scores read like intent rather than a word count — the head of
//! the phrase decides, not a word that qualifies it:
//! - the task type of the leading cue gets a bonus (the opening verb of an imperative
//!   states what is wanted), larger when it opens its sentence, small for a question word;
//! - in a compound the last noun is the head: "code review" is a review, "bug fix" a fix;
//! - a generic verb leaves the decision to its object ("create an implementation plan"),
//!   and finding a flaw is a review ("find bugs in …", "is there an overflow …");
//! - cues inside a later clause or prepositional phrase ("... that creates users",
//!   "... of the implementation") count half.
//!
//! Ties go to the more careful role: review, planning, search, then coding.
//!
//! A cue may start with `^` to match only at the start of a sentence: questions show
//! their kind in their first word ("where ...", "does ... ?").

mod default_cues;
mod tokens;

use serde::Serialize;

use crate::config::{Config, Keywords};
use crate::role::{Role, TaskType};
use tokens::{Token, tokenize};

const LEAD_BONUS: f64 = 0.5;
/// The lead bonus of a cue that opens its sentence: the imperative verb or the head noun
/// of a title ("Plan the security hardening work", "Code review: …").
const OPENING_LEAD_BONUS: f64 = 1.25;
const SUBCLAUSE_FACTOR: f64 = 0.5;
/// Words that open questions: they show the kind of question, not the head of the request.
const QUESTION_WORDS: &[&str] = &[
    "is", "are", "do", "does", "did", "will", "would", "could", "can", "should", "which", "who",
    "what", "where", "how", "why",
];
/// What a modifier in a compound keeps of its weight ("code" in "code review").
const MODIFIER_FACTOR: f64 = 0.25;
const MAX_GAP: usize = 4;
/// Words after which the rest of the task describes the object rather than the request:
/// clauses ("… that creates users") and prepositional phrases ("review of the … code").
const CLAUSE_MARKERS: &[&str] = &[
    "that", "which", "so", "because", "since", "when", "while", "if", "where", "of", "for", "about",
];
/// Nouns that, directly before another task type's cue, only qualify it: the head of an
/// English compound comes last ("code review" is a review, "bug fix" a fix).
const MODIFIER_NOUNS: &[&str] = &[
    "code",
    "bug",
    "security",
    "performance",
    "implementation",
    "test",
    "unit",
    "design",
    "architecture",
    "review",
];
/// Verbs that say only that something is to be produced: what is produced decides
/// ("create an implementation plan" is planning, "write a test" coding).
const PRODUCING_VERBS: &[&str] = &["create", "write", "make", "draft", "prepare", "produce"];
/// Verbs of finding and questions of existence, whose object decides when it is a flaw:
/// "find bugs in …" and "is there an overflow …" are reviews, while "find the code that …"
/// and "is there a helper for …" stay searches. Cues as configured.
const FINDING_CUES: &[&str] = &["find", "spot", "catch", "^ is there", "^ are there"];
/// Words that end a verb's object ("find bugs | in my implementation").
const OBJECT_ENDS: &[&str] = &[
    "in", "of", "for", "on", "at", "from", "with", "about", "that", "which", "where", "when", "so",
    "because", "if", "to",
];
/// How far (in words) a verb's object may reach.
const OBJECT_SPAN: usize = 5;
/// Tie-break order: a wrongly skipped review costs more than a wrongly added one.
const TIE_ORDER: [TaskType; 4] = [
    TaskType::Review,
    TaskType::Planning,
    TaskType::Search,
    TaskType::Coding,
];

/// Classifies task descriptions with a fixed set of cues.
pub struct Router {
    cues: Vec<CompiledCue>,
}

struct CompiledCue {
    task_type: TaskType,
    text: String,
    weight: f64,
    pattern: Vec<Part>,
}

#[derive(Clone, PartialEq)]
enum Part {
    Stem(String),
    /// `...`: up to `MAX_GAP` words.
    Gap,
    /// `^`: the start of a sentence.
    SentenceStart,
}

/// One cue found in a task.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    pub task_type: TaskType,
    /// The cue as configured.
    pub cue: String,
    /// The words of the task that matched it.
    pub matched: String,
    /// What it added to the score (after the lead bonus and clause discount).
    pub weight: f64,
}

/// The router's verdict on a task description.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Classification {
    pub task_type: TaskType,
    /// 0 when nothing matched; near 1 when strong cues agree and none disagree.
    pub confidence: f64,
    /// The score of every task type, in `TaskType::ALL` order.
    pub scores: Vec<(TaskType, f64)>,
    /// Every cue found, in the order they appear in the task.
    pub evidence: Vec<Evidence>,
}

impl Classification {
    /// A one-line explanation naming the words that decided.
    pub fn reasoning(&self) -> String {
        let words = |task: TaskType| -> Vec<String> {
            self.evidence
                .iter()
                .filter(|e| e.task_type == task)
                .map(|e| format!("\"{}\"", e.matched))
                .collect()
        };
        let decided = words(self.task_type);
        if decided.is_empty() {
            return format!(
                "no planning, review or search cues found; {} is the default",
                self.task_type
            );
        }
        let mut line = format!(
            "{} task ({}), confidence {:.2}",
            self.task_type,
            decided.join(", "),
            self.confidence
        );
        let others: Vec<String> = self
            .scores
            .iter()
            .filter(|(task, score)| *task != self.task_type && 0.0 < *score)
            .map(|(task, _)| format!("{task} ({})", words(*task).join(", ")))
            .collect();
        if !others.is_empty() {
            line.push_str(&format!("; outweighed {}", others.join(", ")));
        }
        line
    }
}

impl Router {
    /// A router with the configured cues, and the built-in ones for task types the
    /// configuration leaves alone.
    pub fn new(keywords: &Keywords) -> Router {
        let mut cues = Vec::new();
        for task_type in TaskType::ALL {
            let configured = keywords.get(task_type).map(|cues| {
                cues.iter()
                    .map(|cue| (cue.text.clone(), cue.weight))
                    .collect::<Vec<_>>()
            });
            let list = configured.unwrap_or_else(|| {
                default_cues::default_cues(task_type)
                    .iter()
                    .map(|(text, weight)| (text.to_string(), *weight))
                    .collect()
            });
            for (text, weight) in list {
                let pattern = compile(&text);
                if !pattern.is_empty() {
                    cues.push(CompiledCue {
                        task_type,
                        text,
                        weight,
                        pattern,
                    });
                }
            }
        }
        Router { cues }
    }

    /// Classifies a task description.
    pub fn classify(&self, task: &str) -> Classification {
        let tokens = tokenize(task);
        let mut candidates: Vec<(usize, usize, &CompiledCue)> = self
            .cues
            .iter()
            .filter_map(|cue| find(&cue.pattern, &tokens).map(|(start, end)| (start, end, cue)))
            .collect();
        // Words count once per task type: "quick fix" is not also "fix", and
        // "vulnerabilities" is not both "vulnerability" and "vulnerable".
        candidates.sort_by(|a, b| b.2.weight.total_cmp(&a.2.weight));
        let mut found: Vec<(usize, usize, &CompiledCue)> = Vec::new();
        for (start, end, cue) in candidates {
            let overlaps = found
                .iter()
                .any(|(s, e, other)| other.task_type == cue.task_type && start < *e && *s < end);
            if !overlaps {
                found.push((start, end, cue));
            }
        }
        // At one start the longer cue leads: "refactor this" before "refactor".
        found.sort_by_key(|(start, end, _)| (*start, std::cmp::Reverse(*end)));

        let subclause_from = found.first().and_then(|(first, _, _)| {
            (first + 1..tokens.len()).find(|&i| CLAUSE_MARKERS.contains(&tokens[i].word.as_str()))
        });
        let modifiers = compound_modifiers(&found, &tokens);
        let heads: Vec<usize> = (0..found.len()).filter(|i| !modifiers[*i]).collect();
        let lead_at = heads
            .first()
            .map(|&first| object_of_generic_verb(&found, &tokens, first).unwrap_or(first));
        let lead = lead_at.map(|i| found[i].2.task_type);
        // A question's opening word ("is", "does") is no head: only words that open a
        // sentence of their own accord get the larger bonus.
        let lead_bonus = match lead_at {
            Some(i) if QUESTION_WORDS.contains(&tokens[found[i].0].word.as_str()) => LEAD_BONUS,
            Some(i) if tokens[found[i].0].sentence_start || lead_at != heads.first().copied() => {
                OPENING_LEAD_BONUS
            }
            _ => LEAD_BONUS,
        };
        let generic_verb = match (heads.first(), lead_at) {
            (Some(&first), Some(at)) if first != at => Some(first),
            _ => None,
        };

        let mut evidence = Vec::new();
        for (i, (start, end, cue)) in found.iter().enumerate() {
            let mut weight = cue.weight;
            if subclause_from.is_some_and(|from| from < *start) {
                weight *= SUBCLAUSE_FACTOR;
            }
            if modifiers[i] {
                weight *= MODIFIER_FACTOR;
            }
            if generic_verb == Some(i) {
                weight *= SUBCLAUSE_FACTOR;
            }
            evidence.push(Evidence {
                task_type: cue.task_type,
                cue: cue.text.clone(),
                matched: tokens[*start..*end]
                    .iter()
                    .map(|t| t.word.as_str())
                    .collect::<Vec<_>>()
                    .join(" "),
                weight,
            });
        }

        let score = |task: TaskType| -> f64 {
            let sum: f64 = evidence
                .iter()
                .filter(|e| e.task_type == task)
                .map(|e| e.weight)
                .sum();
            if lead == Some(task) {
                sum + lead_bonus
            } else {
                sum
            }
        };
        let scores: Vec<(TaskType, f64)> = TaskType::ALL.iter().map(|&t| (t, score(t))).collect();
        let total = scores.iter().fold(0.0, |sum, (_, s)| sum + s);

        let mut winner = TaskType::Coding;
        let mut best = 0.0;
        for task in TIE_ORDER {
            let s = score(task);
            if best < s {
                winner = task;
                best = s;
            }
        }
        // Share of the evidence, damped when the evidence itself is thin (one weak word).
        let confidence = if total == 0.0 {
            0.0
        } else {
            (best / total) * (best / 2.0).min(1.0)
        };

        Classification {
            task_type: winner,
            confidence: (confidence * 100.0).round() / 100.0,
            scores,
            evidence,
        }
    }
}

/// How a task was routed.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Decision {
    /// The user named the role.
    Manual,
    /// The router classified the task.
    Classified(Classification),
    /// Auto-classification is off; the primary role takes every task.
    Primary,
}

/// The role, and the model that will serve it, for a task.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Route {
    pub role: Role,
    pub model: String,
    pub decision: Decision,
    pub reasoning: String,
}

/// Why a task could not be routed.
#[derive(Debug, PartialEq, thiserror::Error)]
pub enum RouteError {
    #[error(
        "manual routing to {role} is disabled (routing.allow_manual_override: false in {config}); leave out the role to auto-route"
    )]
    ManualOverrideDisabled { role: Role, config: String },
    #[error("the task description is empty; describe what you want done")]
    EmptyTask,
}

/// Routes a task: to `manual` when given (and allowed), else by classification.
pub fn route(config: &Config, task: &str, manual: Option<Role>) -> Result<Route, RouteError> {
    if task.trim().is_empty() {
        return Err(RouteError::EmptyTask);
    }
    let (role, decision, reasoning) = match manual {
        Some(role) if !config.routing.allow_manual_override => {
            return Err(RouteError::ManualOverrideDisabled {
                role,
                config: config.source.to_string(),
            });
        }
        Some(role) => (
            role,
            Decision::Manual,
            format!("{role} was chosen explicitly"),
        ),
        None if !config.routing.auto_classify => {
            let role = config.routing.primary;
            (
                role,
                Decision::Primary,
                format!("auto-classification is off; {role} is the primary role"),
            )
        }
        None => {
            let classification = Router::new(&config.routing.keywords).classify(task);
            let reasoning = classification.reasoning();
            (
                classification.task_type.role(),
                Decision::Classified(classification),
                reasoning,
            )
        }
    };
    Ok(Route {
        role,
        model: config.agents.get(role).model.clone(),
        decision,
        reasoning,
    })
}

/// Which of the cues found (in text order) only qualify the cue right after them.
fn compound_modifiers(found: &[(usize, usize, &CompiledCue)], tokens: &[Token]) -> Vec<bool> {
    (0..found.len())
        .map(|i| {
            let (start, end, cue) = found[i];
            let single_noun =
                end == start + 1 && MODIFIER_NOUNS.contains(&tokens[start].word.as_str());
            single_noun
                && found[i + 1..]
                    .iter()
                    .any(|(next, _, other)| *next == end && other.task_type != cue.task_type)
        })
        .collect()
}

/// When the cue at `verb` is a verb that leaves the decision to its object, the head of
/// that object — its last cue, within a few words and before a preposition or clause — if
/// it is of a task type the verb accepts: it then leads.
fn object_of_generic_verb(
    found: &[(usize, usize, &CompiledCue)],
    tokens: &[Token],
    verb: usize,
) -> Option<usize> {
    let (start, end, cue) = found[verb];
    let producing = end == start + 1 && PRODUCING_VERBS.contains(&tokens[start].word.as_str());
    let finding = FINDING_CUES.contains(&cue.text.as_str());
    let accepts = |task: TaskType| {
        task != cue.task_type && (producing || (finding && task == TaskType::Review))
    };
    if !producing && !finding {
        return None;
    }
    let object_end = (end..tokens.len())
        .find(|&i| OBJECT_ENDS.contains(&tokens[i].word.as_str()) || tokens[i].sentence_start)
        .unwrap_or(tokens.len())
        .min(end + OBJECT_SPAN);
    (verb + 1..found.len())
        .take_while(|&i| found[i].1 <= object_end)
        .last()
        .filter(|&i| accepts(found[i].2.task_type))
}

fn compile(text: &str) -> Vec<Part> {
    let mut parts = Vec::new();
    for word in text.split_whitespace() {
        if word == "..." {
            parts.push(Part::Gap);
            continue;
        }
        if word == "^" {
            parts.push(Part::SentenceStart);
            continue;
        }
        parts.extend(
            tokenize(word)
                .into_iter()
                .filter(|t| !t.is_identifier())
                .map(|t| Part::Stem(t.stem)),
        );
    }
    parts
}

/// The first place `pattern` matches, as a token range.
fn find(pattern: &[Part], tokens: &[Token]) -> Option<(usize, usize)> {
    (0..tokens.len()).find_map(|start| match_at(pattern, tokens, start).map(|end| (start, end)))
}

fn match_at(pattern: &[Part], tokens: &[Token], at: usize) -> Option<usize> {
    match pattern.split_first() {
        None => Some(at),
        Some((Part::Gap, rest)) => (0..=MAX_GAP)
            .take_while(|skip| at + skip <= tokens.len())
            .find_map(|skip| match_at(rest, tokens, at + skip)),
        Some((Part::SentenceStart, rest)) => match tokens.get(at) {
            Some(token) if token.sentence_start => match_at(rest, tokens, at),
            _ => None,
        },
        Some((Part::Stem(stem), rest)) => match tokens.get(at) {
            Some(token) if !token.is_identifier() && token.stem == *stem => {
                match_at(rest, tokens, at + 1)
            }
            _ => None,
        },
    }
}

#[cfg(test)]
mod tests;
