//! The Python predicates of the offline pass. `queries/python/security.scm` hands over the
//! places worth a look (calls, assignments, comments, ...); the functions here decide, with
//! two pieces of knowledge the query cannot hold: what the file's imports call things
//! (`ET.fromstring` is `xml.etree.ElementTree.fromstring`) and what a name was assigned
//! earlier in the same function (`q = f"... {x}"` then `cursor.execute(q)`).
//!
//! "Constant" means built only from literals (and ALL_CAPS names, taken to be settings);
//! "from request data" means the text of the expression, or of what a name in it was
//! assigned in the same function, reads a web request's input (`request.args`, ...).

use std::collections::HashMap;
use std::path::Path;
use std::sync::LazyLock;

use regex::Regex;
use streaming_iterator::StreamingIterator;
use tree_sitter::{Node, Query, QueryCursor, Tree};

use super::injection;
use super::rules;

/// Field ids of the Python grammar, looked up once: a lookup by name compares strings
/// against every field of the grammar, on every call.
struct Fields {
    alias: u16,
    argument: u16,
    arguments: u16,
    attribute: u16,
    function: u16,
    key: u16,
    left: u16,
    module_name: u16,
    name: u16,
    object: u16,
    operator: u16,
    right: u16,
    subscript: u16,
    value: u16,
    name_id: std::num::NonZeroU16,
}

static FIELDS: LazyLock<Fields> = LazyLock::new(|| {
    let grammar: tree_sitter::Language = tree_sitter_python::LANGUAGE.into();
    let id = |name: &str| {
        grammar
            .field_id_for_name(name)
            .expect("a field of the Python grammar")
    };
    Fields {
        alias: id("alias").get(),
        argument: id("argument").get(),
        arguments: id("arguments").get(),
        attribute: id("attribute").get(),
        function: id("function").get(),
        key: id("key").get(),
        left: id("left").get(),
        module_name: id("module_name").get(),
        name: id("name").get(),
        object: id("object").get(),
        operator: id("operator").get(),
        right: id("right").get(),
        subscript: id("subscript").get(),
        value: id("value").get(),
        name_id: id("name"),
    }
});

/// What a capture of the security query is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    Scope,
    Import,
    Assignment,
    Call,
    Pair,
    Parameter,
    Assert,
    Comment,
    Docstring,
}

impl Kind {
    /// The capture name in the query file; names starting with `_` are helpers.
    pub(super) fn from_capture(name: &str) -> Option<Kind> {
        Some(match name {
            "scope" => Kind::Scope,
            "import" => Kind::Import,
            "assignment" => Kind::Assignment,
            "call" => Kind::Call,
            "pair" => Kind::Pair,
            "parameter" => Kind::Parameter,
            "assert" => Kind::Assert,
            "comment" => Kind::Comment,
            "docstring" => Kind::Docstring,
            _ => return None,
        })
    }
}

/// A rule matched at a node.
pub(super) struct Hit<'t> {
    pub rule: &'static str,
    pub node: Node<'t>,
    /// More precise than the rule's own message, when the match knows more.
    pub message: Option<String>,
}

/// What the predicates found, and the comments (for suppressions).
pub(super) struct Analysis<'t> {
    pub hits: Vec<Hit<'t>>,
    pub comments: Vec<Node<'t>>,
}

/// Runs the query over the tree and every predicate over its captures.
pub(super) fn analyse<'t>(
    tree: &'t Tree,
    text: &'t str,
    query: &Query,
    kinds: &[Option<Kind>],
    path: Option<&Path>,
) -> Analysis<'t> {
    let src = text.as_bytes();
    let mut captured: Vec<(Kind, Node<'t>)> = Vec::new();
    let mut cursor = QueryCursor::new();
    let mut matches = cursor.matches(query, tree.root_node(), src);
    while let Some(m) = matches.next() {
        for capture in m.captures() {
            if let Some(kind) = kinds.get(capture.index as usize).copied().flatten() {
                captured.push((kind, capture.node));
            }
        }
    }

    let mut module = Module {
        source: text,
        root: tree.root_node().id(),
        scopes: Vec::new(),
        imports: HashMap::new(),
        assignments: HashMap::new(),
        test_file: path.is_some_and(is_test_path),
    };
    // Scopes, then names: every predicate may need what any import or assignment says.
    module.scopes = captured
        .iter()
        .filter(|(kind, _)| *kind == Kind::Scope)
        .map(|(_, node)| (node.start_byte(), node.end_byte(), node.id()))
        .collect();
    module.scopes.sort_unstable();
    for (kind, node) in &captured {
        match kind {
            Kind::Import => module.import(*node),
            Kind::Assignment => module.assignment(*node),
            _ => {}
        }
    }

    let mut analysis = Analysis {
        hits: Vec::new(),
        comments: Vec::new(),
    };
    let hits = &mut analysis.hits;
    for (kind, node) in captured {
        match kind {
            Kind::Scope | Kind::Import => {}
            Kind::Assignment => module.check_assignment(node, hits),
            Kind::Call => module.check_call(node, hits),
            Kind::Pair => module.check_pair(node, hits),
            Kind::Parameter => module.check_parameter(node, hits),
            Kind::Assert => module.check_assert(node, hits),
            Kind::Comment => {
                let comment = module.text(node);
                if injection::addresses_reviewer(comment.trim_start_matches('#')) {
                    hits.push(hit(rules::PROMPT_INJECTION, node));
                }
                analysis.comments.push(node);
            }
            Kind::Docstring => {
                if injection::addresses_reviewer(module.text(node)) {
                    hits.push(hit(rules::PROMPT_INJECTION, node));
                }
            }
        }
    }
    analysis
}

fn hit<'t>(rule: &'static str, node: Node<'t>) -> Hit<'t> {
    Hit {
        rule,
        node,
        message: None,
    }
}

fn hit_with<'t>(rule: &'static str, node: Node<'t>, message: String) -> Hit<'t> {
    Hit {
        rule,
        node,
        message: Some(message),
    }
}

/// Test code asserts on users and permissions by design. Judged by the file name only:
/// a `tests/` directory also holds fixtures and helpers that are not tests.
fn is_test_path(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.starts_with("test_") || name.ends_with("_test.py") || name == "conftest.py"
}

/// One assignment to a name.
struct Assigned<'t> {
    at: usize,
    value: Node<'t>,
    /// `+=` and friends: the value is added to what the name held.
    augmented: bool,
}

/// How deep names are followed through assignments (`a = b`, `b = request.args[...]`).
const DEPTH: u8 = 3;
/// How many nodes of one expression are searched for names to follow.
const MAX_NODES: usize = 256;

struct Module<'t> {
    source: &'t str,
    root: usize,
    /// Functions as (start byte, end byte, node id), by start: a node's scope is found
    /// by position (`Node::parent` walks down from the root on every call).
    scopes: Vec<(usize, usize, usize)>,
    /// Local name → qualified name, from the imports.
    imports: HashMap<&'t str, String>,
    /// (scope node id, name) → assignments in source order.
    assignments: HashMap<(usize, &'t str), Vec<Assigned<'t>>>,
    test_file: bool,
}

static REQUEST_DATA: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\brequest\.(args|form|values|json|get_json|data|get_data|files|cookies|headers|GET|POST|FILES|COOKIES|META|query_params|path_params|query_string|params|body|match_info|rel_url)\b",
    )
    .expect("static regex")
});

/// Calls that make a file name safe to join under a directory.
static PATH_SANITIZER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(secure_filename|safe_join|basename)\s*\(").expect("static regex")
});

static SQL_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(select|insert|update|delete|replace|merge|drop|create|alter|truncate|where|pragma|union|values)\b")
        .expect("static regex")
});

/// Names of things a predictable value must not be.
static SECRET_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(token|secret|passw|pwd|nonce|salt|otp|csrf|session|api_?key|auth|reset|verif|invite|activation|one_?time|credential)")
        .expect("static regex")
});

static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(x+|\*+|\.+|-+|_+|#+|<[^>]*>|\{\{.*\}\}|\$\{.*\}|\$[a-z_][a-z0-9_]*|%\(.*\)s|\{[a-z_]*\}|change[-_ ]?(me|this|it)|todo|tbd|fixme|none|null|nil|placeholder|example|sample|dummy|fake|test|testing|secret|password|token|your[-_ ].*|replace[-_ ]?(me|this).*|redacted|<redacted.*|xxx.*|\.\.\.|not[-_ ]?set|unset|empty)$")
        .expect("static regex")
});

const SHELL_ALWAYS: &[&str] = &[
    "os.system",
    "os.popen",
    "os.popen2",
    "os.popen3",
    "os.popen4",
    "commands.getoutput",
    "commands.getstatusoutput",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "asyncio.create_subprocess_shell",
];
const SUBPROCESS: &[&str] = &[
    "subprocess.call",
    "subprocess.run",
    "subprocess.Popen",
    "subprocess.check_call",
    "subprocess.check_output",
];
const EVAL: &[&str] = &[
    "eval",
    "exec",
    "compile",
    "builtins.eval",
    "builtins.exec",
    "builtins.compile",
];
const PICKLERS: &[&str] = &[
    "pickle",
    "cPickle",
    "_pickle",
    "dill",
    "cloudpickle",
    "marshal",
];
const SAFE_YAML_LOADERS: &[&str] = &["SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"];
const SQL_METHODS: &[&str] = &[
    "execute",
    "executemany",
    "executescript",
    "raw",
    "read_sql",
    "read_sql_query",
];
const WEAK_HASHES: &[&str] = &["md4", "md5", "sha1", "sha"];
const WEAK_CIPHER_MODULES: &[&str] = &["DES", "DES3", "ARC2", "ARC4", "Blowfish", "CAST", "XOR"];
const WEAK_CIPHER_ALGORITHMS: &[&str] = &["TripleDES", "ARC4", "Blowfish", "IDEA", "CAST5", "SEED"];
const RANDOM_FUNCTIONS: &[&str] = &[
    "random.random",
    "random.randint",
    "random.randrange",
    "random.choice",
    "random.choices",
    "random.sample",
    "random.getrandbits",
    "random.uniform",
    "random.randbytes",
];
const HTTP_LIBRARIES: &[&str] = &["requests", "httpx", "aiohttp", "urllib3"];
const HTTP_VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "options"];
const HTTP_CONSTRUCTORS: &[&str] = &[
    "Session",
    "Client",
    "AsyncClient",
    "ClientSession",
    "PoolManager",
    "request",
    "urlopen",
];
const TEMPFILE: &[&str] = &["tempfile.mktemp", "os.tempnam", "os.tmpnam"];
const FILE_SINKS: &[&str] = &[
    "open",
    "io.open",
    "codecs.open",
    "flask.send_file",
    "send_file",
    "os.remove",
    "os.unlink",
    "shutil.rmtree",
];
const URL_OPENERS: &[&str] = &[
    "urllib.request.urlopen",
    "urllib.request.Request",
    "urllib.urlopen",
    "urllib2.urlopen",
];
const STDLIB_XML: &[&str] = &[
    "xml.etree.ElementTree",
    "xml.etree.cElementTree",
    "xml.dom.minidom",
    "xml.dom.pulldom",
    "xml.sax",
    "xml.dom.expatbuilder",
];
const XML_PARSE: &[&str] = &[
    "parse",
    "fromstring",
    "XML",
    "iterparse",
    "fromstringlist",
    "parseString",
];
const MARK_SAFE: &[&str] = &[
    "django.utils.safestring.mark_safe",
    "django.utils.safestring.SafeString",
    "markupsafe.Markup",
    "flask.Markup",
    "jinja2.Markup",
    "mark_safe",
    "Markup",
];
const BIND_KEYWORDS: &[&str] = &["host", "bind", "address", "listen", "hostname", "ip"];
const SERVER_METHODS: &[&str] = &[
    "run",
    "run_simple",
    "serve",
    "make_server",
    "create_server",
    "listen",
];
/// Words of an assert condition that make it a security check.
const SECURITY_WORDS: &[&str] = &[
    "admin",
    "authenticated",
    "authorized",
    "authorised",
    "auth",
    "permission",
    "permissions",
    "perm",
    "perms",
    "privilege",
    "privileges",
    "staff",
    "superuser",
    "logged",
    "owner",
    "csrf",
    "role",
    "roles",
    "token",
    "credential",
    "credentials",
    "access",
    "allowed",
    "signature",
];

impl<'t> Module<'t> {
    fn text(&self, node: Node<'_>) -> &'t str {
        // Nodes of a UTF-8 text end on char boundaries: a boundary check, not a validation.
        self.source.get(node.byte_range()).unwrap_or("")
    }

    fn import(&mut self, node: Node<'t>) {
        let mut cursor = node.walk();
        let module = node
            .child_by_field_id(FIELDS.module_name)
            .filter(|m| m.kind() == "dotted_name")
            .map(|m| self.text(m));
        let names: Vec<Node<'t>> = node
            .children_by_field_id(FIELDS.name_id, &mut cursor)
            .collect();
        for name in names {
            let (full, local) = match name.kind() {
                "aliased_import" => {
                    let (Some(full), Some(alias)) = (
                        name.child_by_field_id(FIELDS.name),
                        name.child_by_field_id(FIELDS.alias),
                    ) else {
                        continue;
                    };
                    (self.text(full), self.text(alias))
                }
                // `import a.b` binds `a`, which already is its own qualified name.
                "dotted_name" if module.is_none() => continue,
                "dotted_name" => (self.text(name), self.text(name)),
                _ => continue,
            };
            let qualified = match module {
                Some(module) => format!("{module}.{full}"),
                None => full.to_string(),
            };
            self.imports.insert(local, qualified);
        }
    }

    fn assignment(&mut self, node: Node<'t>) {
        let (Some(left), Some(right)) = (
            node.child_by_field_id(FIELDS.left),
            node.child_by_field_id(FIELDS.right),
        ) else {
            return;
        };
        if left.kind() != "identifier" {
            return;
        }
        let scope = self.scope_of(node);
        self.assignments
            .entry((scope, self.text(left)))
            .or_default()
            .push(Assigned {
                at: node.start_byte(),
                value: right,
                augmented: node.kind() == "augmented_assignment",
            });
    }

    /// What `name` (an identifier) was assigned before it in its function, else anywhere
    /// at module level (module code runs before the functions it defines are called).
    fn values(&self, name: Node<'t>) -> Vec<&Assigned<'t>> {
        let text = self.text(name);
        let scope = self.scope_of(name);
        let local: Vec<&Assigned<'t>> = self
            .assignments
            .get(&(scope, text))
            .map(|all| all.iter().filter(|a| a.at < name.start_byte()).collect())
            .unwrap_or_default();
        if !local.is_empty() || scope == self.root {
            return local;
        }
        self.assignments
            .get(&(self.root, text))
            .map(|all| all.iter().collect())
            .unwrap_or_default()
    }

    /// The id of the innermost function around `node`, else of the module.
    fn scope_of(&self, node: Node<'_>) -> usize {
        let at = node.start_byte();
        let before = self.scopes.partition_point(|s| s.0 < at);
        self.scopes[..before]
            .iter()
            .rev()
            .find(|s| at < s.1)
            .map(|s| s.2)
            .unwrap_or(self.root)
    }

    /// The dotted name a callee or attribute stands for, through the imports.
    fn qualified(&self, node: Node<'_>) -> Option<String> {
        match node.kind() {
            "identifier" => {
                let name = self.text(node);
                Some(
                    self.imports
                        .get(name)
                        .cloned()
                        .unwrap_or_else(|| name.to_string()),
                )
            }
            "attribute" => {
                let object = self.qualified(node.child_by_field_id(FIELDS.object)?)?;
                let attribute = self.text(node.child_by_field_id(FIELDS.attribute)?);
                Some(format!("{object}.{attribute}"))
            }
            _ => None,
        }
    }

    fn is_constant(&self, node: Node<'t>, depth: u8) -> bool {
        match node.kind() {
            "string" => !has_interpolation(node),
            "integer" | "float" | "true" | "false" | "none" | "ellipsis" => true,
            "concatenated_string"
            | "list"
            | "tuple"
            | "set"
            | "parenthesized_expression"
            | "expression_list" => named_children(node)
                .into_iter()
                .filter(|c| c.kind() != "comment")
                .all(|c| self.is_constant(c, depth)),
            "binary_operator" => {
                match (
                    node.child_by_field_id(FIELDS.left),
                    node.child_by_field_id(FIELDS.right),
                ) {
                    (Some(l), Some(r)) => self.is_constant(l, depth) && self.is_constant(r, depth),
                    _ => false,
                }
            }
            "unary_operator" => node
                .child_by_field_id(FIELDS.argument)
                .is_some_and(|a| self.is_constant(a, depth)),
            "identifier" => {
                let values = self.values(node);
                if values.is_empty() {
                    is_all_caps(self.text(node))
                } else {
                    0 < depth && values.iter().all(|a| self.is_constant(a.value, depth - 1))
                }
            }
            _ => false,
        }
    }

    /// Whether the expression reads request data, directly or through names assigned in
    /// the same function; with `sanitizers`, an expression that passes through one of
    /// them counts as clean.
    fn reads_request(&self, node: Node<'t>, depth: u8, sanitizers: Option<&Regex>) -> bool {
        let text = self.text(node);
        if sanitizers.is_some_and(|s| s.is_match(text)) {
            return false;
        }
        if REQUEST_DATA.is_match(text) {
            return true;
        }
        if depth == 0 {
            return false;
        }
        identifiers(node).into_iter().any(|name| {
            self.values(name)
                .iter()
                .any(|a| self.reads_request(a.value, depth - 1, sanitizers))
        })
    }

    /// Whether the expression is SQL built by formatting or concatenation.
    fn is_built_sql(&self, node: Node<'t>, depth: u8) -> bool {
        match node.kind() {
            "string" => has_interpolation(node) && SQL_WORDS.is_match(self.text(node)),
            "concatenated_string" => {
                !self.is_constant(node, depth) && SQL_WORDS.is_match(self.text(node))
            }
            "parenthesized_expression" => named_children(node)
                .first()
                .is_some_and(|inner| self.is_built_sql(*inner, depth)),
            "binary_operator" => {
                let operator = node
                    .child_by_field_id(FIELDS.operator)
                    .map(|o| self.text(o))
                    .unwrap_or("");
                let (Some(left), Some(right)) = (
                    node.child_by_field_id(FIELDS.left),
                    node.child_by_field_id(FIELDS.right),
                ) else {
                    return false;
                };
                match operator {
                    "%" => self.is_sql_text(left, depth) && !self.is_constant(right, depth),
                    "+" => self.has_sql_text(node, depth) && !self.is_constant(node, depth),
                    _ => false,
                }
            }
            "call" => {
                let Some(callee) = node
                    .child_by_field_id(FIELDS.function)
                    .filter(|f| f.kind() == "attribute")
                else {
                    return false;
                };
                let method = callee
                    .child_by_field_id(FIELDS.attribute)
                    .map(|a| self.text(a));
                let on_sql = callee
                    .child_by_field_id(FIELDS.object)
                    .is_some_and(|o| self.is_sql_text(o, depth));
                let arguments = node.child_by_field_id(FIELDS.arguments);
                method == Some("format")
                    && on_sql
                    && arguments.is_some_and(|a| !self.is_constant_arguments(a, depth))
            }
            "identifier" if 0 < depth => {
                let values = self.values(node);
                let built = values.iter().any(|a| self.is_built_sql(a.value, depth - 1));
                let appended = values.iter().any(|a| a.augmented)
                    && values.iter().any(|a| self.is_sql_text(a.value, depth - 1))
                    && values
                        .iter()
                        .any(|a| a.augmented && !self.is_constant(a.value, depth - 1));
                built || appended
            }
            _ => false,
        }
    }

    /// A string literal (or a name holding one) that reads as SQL.
    fn is_sql_text(&self, node: Node<'t>, depth: u8) -> bool {
        match node.kind() {
            "string" | "concatenated_string" => SQL_WORDS.is_match(self.text(node)),
            "parenthesized_expression" => named_children(node)
                .first()
                .is_some_and(|inner| self.is_sql_text(*inner, depth)),
            "identifier" if 0 < depth => self
                .values(node)
                .iter()
                .any(|a| self.is_sql_text(a.value, depth - 1)),
            _ => false,
        }
    }

    /// Whether a string literal inside the expression (or a name in it) reads as SQL.
    fn has_sql_text(&self, node: Node<'t>, depth: u8) -> bool {
        let mut stack = vec![node];
        let mut seen = 0;
        while let Some(n) = stack.pop() {
            seen += 1;
            if MAX_NODES < seen {
                return false;
            }
            match n.kind() {
                "string" | "identifier" if self.is_sql_text(n, depth) => return true,
                "string" | "identifier" => {}
                _ => stack.extend(named_children(n)),
            }
        }
        false
    }

    fn is_constant_arguments(&self, arguments: Node<'t>, depth: u8) -> bool {
        named_children(arguments)
            .into_iter()
            .all(|a| match a.kind() {
                "keyword_argument" => a
                    .child_by_field_id(FIELDS.value)
                    .is_some_and(|v| self.is_constant(v, depth)),
                "comment" => true,
                _ => self.is_constant(a, depth),
            })
    }

    fn check_call(&self, call: Node<'t>, hits: &mut Vec<Hit<'t>>) {
        let Some(callee) = call.child_by_field_id(FIELDS.function) else {
            return;
        };
        let Some(arguments) = call
            .child_by_field_id(FIELDS.arguments)
            .filter(|a| a.kind() == "argument_list")
        else {
            return;
        };
        let args = Arguments::of(self, arguments);
        let name = self.qualified(callee).unwrap_or_default();
        let method = match callee.kind() {
            "attribute" => callee
                .child_by_field_id(FIELDS.attribute)
                .map(|a| self.text(a))
                .unwrap_or(""),
            _ => self.text(callee),
        };
        let name = name.as_str();
        let non_constant =
            |node: Option<Node<'t>>| node.is_some_and(|n| !self.is_constant(n, DEPTH));

        // Command injection.
        if SHELL_ALWAYS.contains(&name) && non_constant(args.positional(0)) {
            hits.push(hit_with(
                rules::SHELL,
                call,
                format!("{name} runs a shell command built from non-constant input"),
            ));
        }
        if SUBPROCESS.contains(&name)
            && args.keyword("shell").is_some_and(is_true)
            && non_constant(args.positional(0).or(args.keyword("args")))
        {
            hits.push(hit_with(
                rules::SHELL,
                call,
                format!("{name} with shell=True runs a command built from non-constant input"),
            ));
        }

        // Code evaluation.
        if EVAL.contains(&name) && non_constant(args.positional(0)) {
            hits.push(hit_with(
                rules::EVAL,
                call,
                format!("{method}() runs non-constant code"),
            ));
        }

        self.check_deserialisation(call, name, &args, hits);

        // SQL built from strings.
        let sql_call = (callee.kind() == "attribute" && SQL_METHODS.contains(&method))
            || matches!(name, "sqlalchemy.text" | "sqlalchemy.sql.text");
        if sql_call
            && args
                .positional(0)
                .or(args.keyword("sql"))
                .or(args.keyword("query"))
                .is_some_and(|q| self.is_built_sql(q, DEPTH))
        {
            hits.push(hit(rules::SQL, call));
        }

        self.check_crypto(call, name, &args, hits);

        // Predictable randomness for secrets.
        if RANDOM_FUNCTIONS.contains(&name) && self.in_secret_context(call) {
            hits.push(hit_with(
                rules::RANDOM,
                call,
                format!("{name} makes a security value; the random module is predictable"),
            ));
        }

        // TLS verification.
        let root = name.split('.').next().unwrap_or("");
        let http_call = HTTP_LIBRARIES.contains(&root)
            || HTTP_VERBS.contains(&method)
            || HTTP_CONSTRUCTORS.contains(&method);
        if http_call && args.keyword("verify").is_some_and(is_false) {
            hits.push(hit_with(
                rules::TLS,
                call,
                "verify=False turns off TLS certificate verification".into(),
            ));
        }
        if name == "ssl._create_unverified_context" {
            hits.push(hit(rules::TLS, call));
        }

        if TEMPFILE.contains(&name) {
            hits.push(hit(rules::TEMPFILE, call));
        }

        // Path traversal.
        if FILE_SINKS.contains(&name)
            && args
                .positional(0)
                .or(args.keyword("file"))
                .or(args.keyword("path_or_file"))
                .is_some_and(|p| self.reads_request(p, DEPTH, Some(&PATH_SANITIZER)))
        {
            hits.push(hit(rules::PATH, call));
        }

        self.check_http(call, callee, name, method, &args, hits);
        self.check_xml(call, name, &args, hits);
        self.check_web(call, name, method, &args, hits);

        for value in args
            .positional
            .iter()
            .chain(args.keywords.iter().map(|(_, v)| v))
        {
            self.check_constant(*value, hits);
        }

        // Credentials passed as literal keyword arguments.
        for (keyword, value) in &args.keywords {
            if is_secret_name(keyword) && self.is_credential_literal(*value, keyword) {
                hits.push(hit(rules::SECRET, *value));
            }
        }
    }

    fn check_deserialisation(
        &self,
        call: Node<'t>,
        name: &str,
        args: &Arguments<'t>,
        hits: &mut Vec<Hit<'t>>,
    ) {
        let non_constant = args
            .positional(0)
            .is_some_and(|n| !self.is_constant(n, DEPTH));
        let (module, function) = name.rsplit_once('.').unwrap_or(("", name));
        let unsafe_call = match (module, function) {
            (m, "loads" | "load" | "Unpickler") if PICKLERS.contains(&m) => non_constant,
            ("shelve", "open")
            | ("jsonpickle", "decode")
            | ("pandas", "read_pickle")
            | ("yaml", "unsafe_load" | "unsafe_load_all") => non_constant,
            ("yaml", "load" | "load_all") => {
                let loader = args.keyword("Loader").or(args.positional(1));
                let safe = loader.is_some_and(|l| {
                    let text = self.text(l);
                    SAFE_YAML_LOADERS
                        .iter()
                        .any(|s| text.rsplit('.').next() == Some(s))
                });
                non_constant && !safe
            }
            ("torch", "load") => !args.keyword("weights_only").is_some_and(is_true),
            ("numpy", "load") => args.keyword("allow_pickle").is_some_and(is_true),
            _ => false,
        };
        if unsafe_call {
            hits.push(hit_with(
                rules::DESERIALIZE,
                call,
                format!("{name} can run code from the data it reads"),
            ));
        }
    }

    fn check_crypto(
        &self,
        call: Node<'t>,
        name: &str,
        args: &Arguments<'t>,
        hits: &mut Vec<Hit<'t>>,
    ) {
        let not_for_security = args.keyword("usedforsecurity").is_some_and(is_false);
        let weak_hash = match name.rsplit_once('.') {
            Some(("hashlib", "new")) => args.positional(0).is_some_and(|n| {
                string_value(self, n)
                    .is_some_and(|v| WEAK_HASHES.contains(&v.to_ascii_lowercase().as_str()))
            }),
            Some(("hashlib", function)) => WEAK_HASHES.contains(&function),
            Some((module, "new")) => {
                module.ends_with("Hash.MD5")
                    || module.ends_with("Hash.MD4")
                    || module.ends_with("Hash.SHA")
                    || module.ends_with("Hash.SHA1")
            }
            Some((module, "MD5" | "SHA1")) => module.ends_with("hashes"),
            _ => false,
        };
        if weak_hash && !not_for_security {
            hits.push(hit_with(
                rules::WEAK_HASH,
                call,
                format!("{name} is a broken hash for security uses"),
            ));
        }

        let weak_cipher = match name.rsplit_once('.') {
            Some((module, "new")) => module.rsplit_once('.').is_some_and(|(package, cipher)| {
                package.ends_with("Cipher") && WEAK_CIPHER_MODULES.contains(&cipher)
            }),
            Some((module, algorithm)) if module.ends_with("algorithms") => {
                WEAK_CIPHER_ALGORITHMS.contains(&algorithm)
            }
            Some((module, "ECB")) => module.ends_with("modes"),
            _ => false,
        };
        if weak_cipher {
            hits.push(hit_with(
                rules::WEAK_CIPHER,
                call,
                format!("{name} is a broken cipher or mode"),
            ));
        }
    }

    fn check_http(
        &self,
        call: Node<'t>,
        callee: Node<'t>,
        name: &str,
        method: &str,
        args: &Arguments<'t>,
        hits: &mut Vec<Hit<'t>>,
    ) {
        let (module, function) = name.rsplit_once('.').unwrap_or(("", name));
        let library_call = matches!(module, "requests" | "httpx")
            && (HTTP_VERBS.contains(&function) || function == "request");
        let session_call = callee.kind() == "attribute"
            && HTTP_VERBS.contains(&method)
            && callee.child_by_field_id(FIELDS.object).is_some_and(|o| {
                let object = self.text(o).to_ascii_lowercase();
                ["session", "client", "http"]
                    .iter()
                    .any(|w| object.contains(w))
            });
        let url = if function == "request" && library_call {
            args.positional(1).or(args.keyword("url"))
        } else if library_call || session_call || URL_OPENERS.contains(&name) {
            args.positional(0).or(args.keyword("url"))
        } else {
            None
        };
        if url.is_some_and(|u| self.reads_request(u, DEPTH, None)) {
            hits.push(hit(rules::SSRF, call));
        }
        if module == "requests"
            && (HTTP_VERBS.contains(&function) || function == "request")
            && args.keyword("timeout").is_none()
            && !args.spread_keywords
        {
            hits.push(hit_with(
                rules::TIMEOUT,
                call,
                format!("{name} without a timeout can hang forever"),
            ));
        }
    }

    fn check_xml(&self, call: Node<'t>, name: &str, args: &Arguments<'t>, hits: &mut Vec<Hit<'t>>) {
        let (module, function) = name.rsplit_once('.').unwrap_or(("", name));
        let untrusted = args
            .positional(0)
            .or(args.keyword("source"))
            .or(args.keyword("text"))
            .is_some_and(|n| !self.is_constant(n, DEPTH));
        let open = if STDLIB_XML.contains(&module) && XML_PARSE.contains(&function) {
            untrusted
        } else if module == "lxml.etree" && XML_PARSE.contains(&function) {
            untrusted && args.keyword("parser").or(args.positional(1)).is_none()
        } else if module == "lxml.etree" && function == "XMLParser" {
            args.keyword("resolve_entities").is_some_and(is_true)
        } else {
            false
        };
        if open {
            hits.push(hit_with(
                rules::XXE,
                call,
                format!("{name} parses XML with entity expansion on"),
            ));
        }
    }

    fn check_web(
        &self,
        call: Node<'t>,
        name: &str,
        method: &str,
        args: &Arguments<'t>,
        hits: &mut Vec<Hit<'t>>,
    ) {
        if SERVER_METHODS.contains(&method) && args.keyword("debug").is_some_and(is_true) {
            hits.push(hit_with(
                rules::DEBUG,
                call,
                format!("{method}(debug=True) serves the debugger to anyone who can connect"),
            ));
        }

        let all_interfaces = |n: Node<'t>| string_value(self, n).as_deref() == Some("0.0.0.0");
        // `host=os.getenv("HOST", "0.0.0.0")` binds all interfaces by default.
        let defaults_to_all = |n: Node<'t>| {
            all_interfaces(n)
                || (n.kind() == "call"
                    && n.child_by_field_id(FIELDS.arguments)
                        .is_some_and(|a| named_children(a).into_iter().any(all_interfaces)))
        };
        let binds_all = args
            .keywords
            .iter()
            .any(|(k, v)| BIND_KEYWORDS.contains(k) && defaults_to_all(*v))
            || (method == "bind"
                && args.positional(0).is_some_and(|address| {
                    all_interfaces(address)
                        || (address.kind() == "tuple"
                            && named_children(address)
                                .first()
                                .is_some_and(|h| all_interfaces(*h)))
                }))
            || (SERVER_METHODS.contains(&method)
                && args.positional.iter().any(|a| all_interfaces(*a)));
        if binds_all {
            hits.push(hit(rules::BIND_ALL, call));
        }

        if matches!(
            name,
            "jinja2.Environment" | "jinja2.environment.Environment"
        ) {
            let autoescape = args.keyword("autoescape");
            if autoescape.is_some_and(is_false) || (autoescape.is_none() && !args.spread_keywords) {
                hits.push(hit(rules::AUTOESCAPE, call));
            }
        }

        if MARK_SAFE.contains(&name)
            && args
                .positional(0)
                .is_some_and(|n| !self.is_constant(n, DEPTH) && !self.text(n).contains("escape("))
        {
            hits.push(hit_with(
                rules::MARK_SAFE,
                call,
                format!("{name} marks non-constant text safe; it will not be escaped"),
            ));
        }
    }

    /// `ssl.CERT_NONE` and `AES.MODE_ECB` passed or assigned: risky wherever they go.
    fn check_constant(&self, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
        let name = match node.kind() {
            "attribute" => node
                .child_by_field_id(FIELDS.attribute)
                .map(|a| self.text(a)),
            "identifier" => Some(self.text(node)),
            _ => None,
        };
        match name {
            Some("CERT_NONE") => hits.push(hit_with(
                rules::TLS,
                node,
                "ssl.CERT_NONE accepts any certificate".into(),
            )),
            Some("MODE_ECB") => hits.push(hit_with(
                rules::WEAK_CIPHER,
                node,
                "ECB mode leaks patterns of the plaintext".into(),
            )),
            _ => {}
        }
    }

    fn check_assignment(&self, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
        let (Some(left), Some(right)) = (
            node.child_by_field_id(FIELDS.left),
            node.child_by_field_id(FIELDS.right),
        ) else {
            return;
        };
        if node.kind() == "augmented_assignment" {
            return;
        }
        self.check_constant(right, hits);
        let target = match left.kind() {
            "identifier" => Some(self.text(left)),
            "attribute" => left
                .child_by_field_id(FIELDS.attribute)
                .map(|a| self.text(a)),
            "subscript" => left
                .child_by_field_id(FIELDS.subscript)
                .and_then(|s| string_literal(self, s)),
            _ => None,
        };
        let Some(target) = target else {
            return;
        };

        let at_module_level = self.scope_of(node) == self.root;
        let debug_on = is_true(right)
            && match left.kind() {
                "identifier" => target == "DEBUG" && at_module_level,
                "attribute" => target == "debug",
                _ => target == "DEBUG",
            };
        if debug_on {
            hits.push(hit(rules::DEBUG, node));
        }
        if target == "ALLOWED_HOSTS"
            && matches!(right.kind(), "list" | "tuple")
            && named_children(right)
                .iter()
                .any(|h| string_value(self, *h).as_deref() == Some("*"))
        {
            hits.push(hit(rules::HOSTS, node));
        }
        if target == "check_hostname" && is_false(right) {
            hits.push(hit_with(
                rules::TLS,
                node,
                "check_hostname = False accepts a certificate for any host".into(),
            ));
        }
        if is_secret_name(target) && self.is_credential_literal(right, target) {
            hits.push(hit(rules::SECRET, node));
        }
    }

    fn check_pair(&self, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
        let (Some(key), Some(value)) = (
            node.child_by_field_id(FIELDS.key),
            node.child_by_field_id(FIELDS.value),
        ) else {
            return;
        };
        if let Some(key) = string_literal(self, key)
            && is_secret_name(key)
            && self.is_credential_literal(value, key)
        {
            hits.push(hit(rules::SECRET, node));
        }
    }

    fn check_parameter(&self, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
        let (Some(name), Some(value)) = (
            node.child_by_field_id(FIELDS.name),
            node.child_by_field_id(FIELDS.value),
        ) else {
            return;
        };
        let name = self.text(name);
        if is_secret_name(name) && self.is_credential_literal(value, name) {
            hits.push(hit(rules::SECRET, node));
        }
    }

    fn check_assert(&self, node: Node<'t>, hits: &mut Vec<Hit<'t>>) {
        if self.test_file || in_test_function(self, node) {
            return;
        }
        let Some(condition) = named_children(node).into_iter().next() else {
            return;
        };
        let security = identifiers(condition).into_iter().any(|id| {
            words(self.text(id))
                .iter()
                .any(|w| SECURITY_WORDS.contains(&w.as_str()))
        }) || attribute_names(self, condition).iter().any(|name| {
            words(name)
                .iter()
                .any(|w| SECURITY_WORDS.contains(&w.as_str()))
        });
        if security {
            hits.push(hit(rules::ASSERT, node));
        }
    }

    /// A string literal that looks like a real credential, not a placeholder.
    fn is_credential_literal(&self, value: Node<'t>, name: &str) -> bool {
        let Some(text) = string_value(self, value) else {
            return false;
        };
        let text = text.trim();
        let squash = |s: &str| {
            s.chars()
                .filter(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase()
        };
        let url_without_credentials =
            (text.starts_with('/') || text.contains("://")) && !text.contains('@');
        !text.is_empty()
            && !PLACEHOLDER.is_match(text)
            && squash(text) != squash(name)
            && !url_without_credentials
            && !text.contains(char::is_whitespace)
    }

    /// Whether the value of a call is a token, password, ...: judged by the name it is
    /// assigned to, passed as, stored under, or returned from.
    fn in_secret_context(&self, call: Node<'t>) -> bool {
        let mut node = call;
        while let Some(parent) = node.parent() {
            let name = match parent.kind() {
                "assignment" => parent.child_by_field_id(FIELDS.left).map(|l| self.text(l)),
                "keyword_argument" => parent.child_by_field_id(FIELDS.name).map(|n| self.text(n)),
                "pair" => parent.child_by_field_id(FIELDS.key).map(|k| self.text(k)),
                "return_statement" => enclosing_function(parent)
                    .and_then(|f| f.child_by_field_id(FIELDS.name))
                    .map(|n| self.text(n)),
                "expression_statement" | "function_definition" | "module" | "block" => {
                    return false;
                }
                _ => {
                    node = parent;
                    continue;
                }
            };
            return name.is_some_and(|n| SECRET_CONTEXT.is_match(n));
        }
        false
    }
}

/// The arguments of a call, split once.
struct Arguments<'t> {
    positional: Vec<Node<'t>>,
    keywords: Vec<(&'t str, Node<'t>)>,
    /// `**kwargs` is present: any keyword may be in it.
    spread_keywords: bool,
}

impl<'t> Arguments<'t> {
    fn of(module: &Module<'t>, arguments: Node<'t>) -> Arguments<'t> {
        let mut args = Arguments {
            positional: Vec::new(),
            keywords: Vec::new(),
            spread_keywords: false,
        };
        for child in named_children(arguments) {
            match child.kind() {
                "keyword_argument" => {
                    if let (Some(name), Some(value)) = (
                        child.child_by_field_id(FIELDS.name),
                        child.child_by_field_id(FIELDS.value),
                    ) {
                        args.keywords.push((module.text(name), value));
                    }
                }
                "dictionary_splat" => args.spread_keywords = true,
                "comment" | "list_splat" => {}
                _ => args.positional.push(child),
            }
        }
        args
    }

    fn positional(&self, index: usize) -> Option<Node<'t>> {
        self.positional.get(index).copied()
    }

    fn keyword(&self, name: &str) -> Option<Node<'t>> {
        self.keywords
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    }
}

fn named_children(node: Node<'_>) -> Vec<Node<'_>> {
    let mut cursor = node.walk();
    node.named_children(&mut cursor).collect()
}

/// The names an expression reads (not attribute names or keyword names).
fn identifiers(node: Node<'_>) -> Vec<Node<'_>> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    let mut seen = 0;
    while let Some(n) = stack.pop() {
        seen += 1;
        if MAX_NODES < seen {
            break;
        }
        match n.kind() {
            "identifier" => found.push(n),
            "attribute" => stack.extend(n.child_by_field_id(FIELDS.object)),
            "keyword_argument" => stack.extend(n.child_by_field_id(FIELDS.value)),
            _ => stack.extend(named_children(n)),
        }
    }
    found
}

/// The attribute names read in an expression (`user.is_admin` → `is_admin`).
fn attribute_names<'t>(module: &Module<'t>, node: Node<'t>) -> Vec<&'t str> {
    let mut found = Vec::new();
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        if found.len() > MAX_NODES {
            break;
        }
        if n.kind() == "attribute"
            && let Some(a) = n.child_by_field_id(FIELDS.attribute)
        {
            found.push(module.text(a));
        }
        stack.extend(named_children(n));
    }
    found
}

fn enclosing_function(node: Node<'_>) -> Option<Node<'_>> {
    let mut current = node;
    while let Some(parent) = current.parent() {
        if parent.kind() == "function_definition" {
            return Some(parent);
        }
        current = parent;
    }
    None
}

fn in_test_function(module: &Module<'_>, node: Node<'_>) -> bool {
    let mut current = node;
    while let Some(function) = enclosing_function(current) {
        if function
            .child_by_field_id(FIELDS.name)
            .is_some_and(|n| module.text(n).starts_with("test"))
        {
            return true;
        }
        current = function;
    }
    false
}

fn has_interpolation(node: Node<'_>) -> bool {
    let mut cursor = node.walk();
    node.children(&mut cursor)
        .any(|c| c.kind() == "interpolation")
}

fn is_true(node: Node<'_>) -> bool {
    node.kind() == "true"
}

fn is_false(node: Node<'_>) -> bool {
    node.kind() == "false"
}

fn is_all_caps(name: &str) -> bool {
    name.chars().any(|c| c.is_ascii_uppercase())
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The value of a plain string literal (no interpolation), escapes left as written.
fn string_value(module: &Module<'_>, node: Node<'_>) -> Option<String> {
    if node.kind() != "string" || has_interpolation(node) {
        return None;
    }
    let mut cursor = node.walk();
    Some(
        node.children(&mut cursor)
            .filter(|c| matches!(c.kind(), "string_content" | "escape_sequence"))
            .map(|c| module.text(c))
            .collect(),
    )
}

/// The text of a string literal that holds no escapes (a dictionary key, a setting name).
fn string_literal<'t>(module: &Module<'t>, node: Node<'t>) -> Option<&'t str> {
    if node.kind() != "string" || has_interpolation(node) {
        return None;
    }
    let mut cursor = node.walk();
    let contents: Vec<Node<'t>> = node
        .children(&mut cursor)
        .filter(|c| matches!(c.kind(), "string_content" | "escape_sequence"))
        .collect();
    match contents.as_slice() {
        [only] if only.kind() == "string_content" => Some(module.text(*only)),
        _ => None,
    }
}

/// Lowercase words of an identifier, split at `_`, `-`, `.` and camelCase humps.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            previous_lower = false;
            continue;
        }
        if c.is_uppercase() && previous_lower && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = c.is_lowercase() || c.is_ascii_digit();
        current.extend(c.to_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// A name that holds a credential: judged by its last word (`db_password`, `SECRET_KEY`,
/// `apiToken`), so `password_hash`, `TOKEN_URL` and `token_type` are not.
fn is_secret_name(name: &str) -> bool {
    let words = words(name);
    let Some(last) = words.last() else {
        return false;
    };
    match last.as_str() {
        "password" | "passwd" | "pwd" | "passphrase" | "secret" | "token" | "apikey"
        | "credential" | "credentials" => true,
        "key" => {
            words.len() >= 2
                && matches!(
                    words[words.len() - 2].as_str(),
                    "api"
                        | "secret"
                        | "private"
                        | "access"
                        | "signing"
                        | "encryption"
                        | "auth"
                        | "master"
                        | "client"
                )
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
