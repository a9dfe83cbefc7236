//! Value flow inside a function, by abstract interpretation of its statements in order:
//! assignments overwrite, branches whose condition folds to a constant are the only ones
//! taken, branches that meet join their values, a guard that checks a value and returns
//! clears it, collections remember which element holds what, and a call to a function of
//! the same file goes through a summary of that function. The result is a table from
//! expression node to `Val` that the rule families read.
//!
//! Recursion is bounded: statements nest at most `MAX_BLOCK_DEPTH` deep and expressions
//! `MAX_EXPR_DEPTH` deep; deeper code is not followed (`Flow::capped` says so) and the
//! rules fall back to what the syntax alone says.

// Seeded per process, so names chosen to collide cannot slow a review down.
use foldhash::{HashMap, HashMapExt};

use tree_sitter::Node;

use super::semantic::Module;
use super::syntax::{FIELDS, KindOf, first_identifiers, named_children};
use super::value::{Const, Val};

/// Deepest nesting of statements followed.
pub(super) const MAX_BLOCK_DEPTH: usize = 48;
/// Deepest nesting of expressions followed.
pub(super) const MAX_EXPR_DEPTH: usize = 96;
/// Helpers summarised inside the summary of a helper, at most this deep.
const MAX_SUMMARY_DEPTH: u8 = 3;
/// Parameters summarised one by one; a helper with more is taken to pass all through.
const MAX_SUMMARY_PARAMS: usize = 6;

/// What a collection held in a variable has, element by element.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Items {
    List(Vec<Val>),
    /// Keys as folded constants (`"section\0key"` for a config parser).
    Map(Vec<(String, Val)>),
    /// A text builder (`io.StringIO`): all that was written to it.
    Builder(Val),
}

impl Items {
    /// The value of the whole collection: every element's.
    pub fn all(&self) -> Val {
        let mut val = Val::default();
        match self {
            Items::List(items) => {
                for item in items {
                    val = val.combine(item);
                }
                val.shell_argv = runs_shell(items);
            }
            Items::Map(items) => {
                for (_, item) in items {
                    val = val.combine(item);
                }
            }
            Items::Builder(text) => val = text.clone(),
        }
        val.konst = None;
        val
    }

    fn join(&self, other: &Items) -> Option<Items> {
        match (self, other) {
            (Items::List(a), Items::List(b)) if a.len() == b.len() => Some(Items::List(
                a.iter().zip(b).map(|(x, y)| x.join(y)).collect(),
            )),
            (Items::Map(a), Items::Map(b)) => {
                let mut joined: Vec<(String, Val)> = Vec::new();
                for (key, val) in a {
                    match b.iter().find(|(k, _)| k == key) {
                        Some((_, other)) => joined.push((key.clone(), val.join(other))),
                        None => joined.push((key.clone(), val.join(&Val::default()))),
                    }
                }
                for (key, val) in b {
                    if !a.iter().any(|(k, _)| k == key) {
                        joined.push((key.clone(), val.clone()));
                    }
                }
                Some(Items::Map(joined))
            }
            (Items::Builder(a), Items::Builder(b)) => Some(Items::Builder(a.join(b))),
            _ => None,
        }
    }
}

/// An argument vector whose program is a shell given a command (`sh -c`, `cmd /c`) that is
/// not constant.
pub(super) fn runs_shell(items: &[Val]) -> bool {
    let flag = items.iter().position(
        |v| matches!(&v.konst, Some(Const::Str(s)) if matches!(s.as_str(), "-c" | "/c" | "/C")),
    );
    flag.is_some_and(|at| items[at + 1..].iter().any(|v| !v.is_constant()))
}

/// What a name holds at one point.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Slot<'t> {
    pub val: Val,
    pub items: Option<Items>,
    /// Names the value was computed from (`url = urlparse(target)`): a guard on `url`
    /// checks `target` too.
    pub from: Vec<&'t str>,
}

pub(super) type Env<'t> = HashMap<&'t str, Slot<'t>>;

pub(super) fn join_env<'t>(a: &Env<'t>, b: &Env<'t>) -> Env<'t> {
    let mut joined = a.clone();
    for (name, slot) in b {
        match joined.get_mut(name) {
            Some(mine) => {
                mine.val = mine.val.join(&slot.val);
                mine.items = match (&mine.items, &slot.items) {
                    (Some(x), Some(y)) => x.join(y),
                    _ => None,
                };
                for f in &slot.from {
                    if !mine.from.contains(f) {
                        mine.from.push(f);
                    }
                }
            }
            None => {
                // Assigned on one path only: before it, the name held nothing known.
                let mut slot = slot.clone();
                slot.val = slot.val.join(&Val::default());
                joined.insert(name, slot);
            }
        }
    }
    for (name, slot) in joined.iter_mut() {
        if !b.contains_key(name) {
            slot.val = slot.val.join(&Val::default());
        }
    }
    joined
}

/// A function seen from a call site: what each parameter's injection kinds become in the
/// return value, and what it returns of its own.
#[derive(Clone, Debug)]
pub(super) struct Summary {
    /// Kinds of parameter `i` that reach the return value.
    pub passes: Vec<u16>,
    /// The return value when the parameters carry nothing.
    pub own: Val,
}

/// How a function's parameters are seeded.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Entry {
    /// A web route or view: its parameters are request data.
    Route,
    /// An ordinary function: parameters are unknown.
    Plain,
}

/// What the value flow found in a file.
#[derive(Default)]
pub(super) struct Flow<'t> {
    pub values: HashMap<usize, Val>,
    /// Byte ranges of branches that can never run.
    pub dead: Vec<(usize, usize)>,
    /// `return` statements of route functions, with their value's node.
    pub route_returns: Vec<Node<'t>>,
    /// The depth analysis stopped at, when code was nested deeper.
    pub capped: Option<usize>,
}

impl Flow<'_> {
    /// The value of an expression, if the flow reached it.
    pub fn value(&self, node: Node<'_>) -> Option<&Val> {
        self.values.get(&node.id())
    }

    /// Whether a node lies in a branch that can never run.
    pub fn is_dead(&self, node: Node<'_>) -> bool {
        let at = node.start_byte();
        self.dead.iter().any(|(s, e)| *s <= at && at < *e)
    }
}

pub(super) struct Analyser<'m, 't> {
    pub module: &'m Module<'t>,
    pub flow: Flow<'t>,
    /// The module's names after its top level ran.
    pub globals: Env<'t>,
    /// Record values and dead branches (off while summarising a helper).
    pub record: bool,
    pub summaries: HashMap<usize, Option<Summary>>,
    pub summary_depth: u8,
    /// The return value of the function being run.
    pub returned: Option<Val>,
    pub in_route: bool,
    /// The route's paths have no variable parts: `request.path` is fixed by them.
    pub fixed_path: bool,
}

/// Runs the value flow over the module and every function in it.
pub(super) fn analyse<'t>(module: &Module<'t>, root: Node<'t>) -> Flow<'t> {
    let mut analyser = Analyser {
        module,
        flow: Flow::default(),
        globals: Env::new(),
        record: true,
        summaries: HashMap::new(),
        summary_depth: 0,
        returned: None,
        in_route: false,
        fixed_path: false,
    };
    let mut env = Env::new();
    analyser.block(&mut env, root, 0);
    analyser.globals = env;
    for scope in &module.scopes {
        let function = scope.node;
        let entry = entry_of(module, function);
        analyser.in_route = entry == Entry::Route;
        analyser.fixed_path = entry == Entry::Route && fixed_routes(module, function);
        analyser.run_function(function, None);
    }
    analyser.flow
}

/// Whether a function is a web route (decorated `@app.route(...)`, `@router.get(...)`,
/// `@view_config`, ...), a view taking a `request`, or an AWS Lambda handler.
fn entry_of(module: &Module<'_>, function: Node<'_>) -> Entry {
    if let Some(parent) = function.parent()
        && parent.kind_of() == "decorated_definition"
    {
        for decorator in named_children(parent) {
            if decorator.kind_of() != "decorator" {
                continue;
            }
            let Some(mut expression) = named_children(decorator)
                .into_iter()
                .find(|c| c.kind_of() != "comment")
            else {
                continue;
            };
            if expression.kind_of() == "call"
                && let Some(function) = expression.child_by_field_id(FIELDS.function)
            {
                expression = function;
            }
            let text = module.text(expression);
            let name = text.rsplit('.').next().unwrap_or("");
            if matches!(
                name,
                "route"
                    | "get"
                    | "post"
                    | "put"
                    | "patch"
                    | "delete"
                    | "api_route"
                    | "websocket"
                    | "view_config"
                    | "api_view"
            ) {
                return Entry::Route;
            }
        }
    }
    let params = parameter_names(module, function);
    if params.first() == Some(&"event") && params.get(1) == Some(&"context") {
        return Entry::Route;
    }
    Entry::Plain
}

/// Whether every route decorator of a function names a path without variable parts
/// (`@app.route("/about")`, not `"/user/<name>"`).
fn fixed_routes(module: &Module<'_>, function: Node<'_>) -> bool {
    let Some(parent) = function
        .parent()
        .filter(|p| p.kind_of() == "decorated_definition")
    else {
        return false;
    };
    let mut routes = 0;
    for decorator in named_children(parent) {
        let Some(call) = named_children(decorator)
            .into_iter()
            .find(|c| c.kind_of() == "call")
        else {
            continue;
        };
        let path = call
            .child_by_field_id(FIELDS.arguments)
            .and_then(|a| named_children(a).into_iter().next())
            .and_then(|p| super::syntax::string_value(module, p));
        match path {
            Some(path) if !path.contains('<') && !path.contains('{') => routes += 1,
            _ => return false,
        }
    }
    0 < routes
}

/// The names of a function's parameters, in order.
pub(super) fn parameter_names<'t>(module: &Module<'t>, function: Node<'t>) -> Vec<&'t str> {
    parameters(function)
        .into_iter()
        .filter_map(|p| parameter_name(module, p))
        .collect()
}

fn parameters(function: Node<'_>) -> Vec<Node<'_>> {
    function
        .child_by_field_id(FIELDS.parameters)
        .map(named_children)
        .unwrap_or_default()
}

fn parameter_name<'t>(module: &Module<'t>, parameter: Node<'t>) -> Option<&'t str> {
    match parameter.kind_of() {
        "identifier" => Some(module.text(parameter)),
        "typed_parameter" => named_children(parameter)
            .into_iter()
            .find(|c| c.kind_of() == "identifier")
            .map(|c| module.text(c)),
        "default_parameter" | "typed_default_parameter" => parameter
            .child_by_field_id(FIELDS.name)
            .map(|n| module.text(n)),
        _ => None,
    }
}

/// A parameter annotated with a number type: a framework converts and rejects the rest.
fn numeric_parameter(module: &Module<'_>, parameter: Node<'_>) -> bool {
    parameter.child_by_field_id(FIELDS.type_).is_some_and(|t| {
        matches!(
            module.text(t),
            "int" | "float" | "bool" | "UUID" | "uuid.UUID"
        )
    })
}

impl<'t> Analyser<'_, 't> {
    /// Runs a function: with `args`, to summarise it (nothing recorded); else as an entry
    /// point, its parameters seeded by how it is reached.
    pub fn run_function(&mut self, function: Node<'t>, args: Option<&[Val]>) -> Val {
        let module = self.module;
        let mut env = Env::new();
        let params = parameters(function);
        let route = self.in_route;
        for (index, parameter) in params.iter().enumerate() {
            let Some(name) = parameter_name(module, *parameter) else {
                continue;
            };
            let val = match args {
                Some(args) => args.get(index).cloned().unwrap_or_default(),
                None if name == "self" || name == "cls" => Val::default(),
                None if matches!(name, "request" | "req") => Val::request(),
                None if route && numeric_parameter(module, *parameter) => Val::checked(),
                None if route => Val::request(),
                None => Val::unknown(),
            };
            env.insert(
                name,
                Slot {
                    val,
                    items: None,
                    from: Vec::new(),
                },
            );
        }
        let saved = self.returned.take();
        if let Some(body) = function.child_by_field_id(FIELDS.body) {
            self.block(&mut env, body, 1);
        }
        std::mem::replace(&mut self.returned, saved).unwrap_or_default()
    }

    /// The summary of a function of this file, computed once.
    pub fn summary(&mut self, function: Node<'t>) -> Option<Summary> {
        if let Some(known) = self.summaries.get(&function.id()) {
            return known.clone();
        }
        if MAX_SUMMARY_DEPTH <= self.summary_depth {
            return None;
        }
        // In progress: a recursive call is not summarised.
        self.summaries.insert(function.id(), None);
        let count = parameters(function).len();
        let (record, route) = (self.record, self.in_route);
        self.record = false;
        self.in_route = false;
        self.summary_depth += 1;
        let summary = (count <= MAX_SUMMARY_PARAMS).then(|| {
            let neutral = vec![Val::default(); count];
            let own = self.run_function(function, Some(&neutral));
            let passes = (0..count)
                .map(|i| {
                    let mut args = neutral.clone();
                    args[i] = Val::request();
                    self.run_function(function, Some(&args)).taint
                })
                .collect();
            Summary { passes, own }
        });
        self.summary_depth -= 1;
        self.record = record;
        self.in_route = route;
        self.summaries.insert(function.id(), summary.clone());
        summary
    }

    pub fn capped(&mut self, depth: usize) {
        self.flow.capped = Some(self.flow.capped.map_or(depth, |d| d.min(depth)));
    }

    pub(super) fn mark_dead(&mut self, node: Node<'_>) {
        if self.record {
            self.flow.dead.push((node.start_byte(), node.end_byte()));
        }
    }

    /// Runs the statements of a block; true when every path through it leaves (return,
    /// raise, break, continue).
    pub fn block(&mut self, env: &mut Env<'t>, block: Node<'t>, depth: usize) -> bool {
        if MAX_BLOCK_DEPTH < depth {
            self.capped(MAX_BLOCK_DEPTH);
            return false;
        }
        let statements = named_children(block);
        for (index, statement) in statements.iter().enumerate() {
            if self.statement(env, *statement, depth) {
                // What follows a statement that always leaves never runs.
                if let (Some(next), Some(last)) = (statements.get(index + 1), statements.last())
                    && self.record
                {
                    self.flow.dead.push((next.start_byte(), last.end_byte()));
                }
                return true;
            }
        }
        false
    }

    /// Runs one statement; true when it always leaves the block.
    fn statement(&mut self, env: &mut Env<'t>, node: Node<'t>, depth: usize) -> bool {
        match node.kind_of() {
            "expression_statement" => {
                for child in named_children(node) {
                    self.expression_statement(env, child, 0);
                }
                false
            }
            "return_statement" => {
                let val = named_children(node)
                    .first()
                    .map(|v| self.eval(env, *v, 0))
                    .unwrap_or_default();
                if self.record
                    && self.in_route
                    && let Some(value) = named_children(node).first()
                {
                    self.flow.route_returns.push(*value);
                }
                self.returned = Some(match &self.returned {
                    Some(before) => before.join(&val),
                    None => val,
                });
                true
            }
            "raise_statement" => {
                for child in named_children(node) {
                    self.eval(env, child, 0);
                }
                true
            }
            // The loop goes on with what the branch holds: not a way out of the function.
            "break_statement" | "continue_statement" => false,
            "if_statement" => self.if_statement(env, node, depth),
            "for_statement" | "while_statement" => {
                self.loop_statement(env, node, depth);
                false
            }
            "try_statement" => self.try_statement(env, node, depth),
            "with_statement" => {
                for child in named_children(node) {
                    if child.kind_of() == "with_clause" {
                        for item in named_children(child) {
                            self.with_item(env, item);
                        }
                    }
                }
                node.child_by_field_id(FIELDS.body)
                    .is_some_and(|body| self.block(env, body, depth + 1))
            }
            "match_statement" => self.match_statement(env, node, depth),
            "class_definition" => {
                if let Some(body) = node.child_by_field_id(FIELDS.body) {
                    self.block(env, body, depth + 1);
                }
                false
            }
            "decorated_definition" => {
                for child in named_children(node) {
                    if child.kind_of() == "decorator" {
                        for expression in named_children(child) {
                            self.eval(env, expression, 0);
                        }
                    } else {
                        self.statement(env, child, depth);
                    }
                }
                false
            }
            // Analysed on their own; imports are in the semantic model.
            "function_definition"
            | "import_statement"
            | "import_from_statement"
            | "future_import_statement"
            | "pass_statement"
            | "global_statement"
            | "nonlocal_statement"
            | "comment" => false,
            _ => {
                for child in named_children(node) {
                    if child.kind_of() == "block" {
                        self.block(env, child, depth + 1);
                    } else {
                        self.eval(env, child, 0);
                    }
                }
                false
            }
        }
    }

    fn expression_statement(&mut self, env: &mut Env<'t>, node: Node<'t>, chain: usize) {
        match node.kind_of() {
            "assignment" | "augmented_assignment" if chain < MAX_EXPR_DEPTH => {
                let Some(right) = node.child_by_field_id(FIELDS.right) else {
                    return;
                };
                let Some(left) = node.child_by_field_id(FIELDS.left) else {
                    return;
                };
                // `a = b = value`: the inner assignment first.
                let val = if right.kind_of() == "assignment" {
                    self.expression_statement(env, right, chain + 1);
                    right
                        .child_by_field_id(FIELDS.left)
                        .map(|l| self.eval(env, l, 0))
                        .unwrap_or_default()
                } else {
                    self.eval(env, right, 0)
                };
                let items = self.items_of(env, right);
                if node.kind_of() == "augmented_assignment" {
                    let before = self.eval(env, left, 0);
                    let mut val = before.combine(&val);
                    val.konst = super::eval::fold_binary(
                        &before.konst,
                        node.child_by_field_id(FIELDS.operator)
                            .map(|o| self.module.text(o).trim_end_matches('='))
                            .unwrap_or(""),
                        &self.eval(env, right, 0).konst,
                    );
                    if val.taint | val.free != 0 || before.text {
                        val.text |= before.text || right.kind_of() == "string";
                    }
                    self.assign(env, left, val, None, right);
                } else {
                    self.assign(env, left, val, items, right);
                }
            }
            _ => {
                self.eval(env, node, 0);
            }
        }
    }

    /// Binds an assignment target.
    pub fn assign(
        &mut self,
        env: &mut Env<'t>,
        target: Node<'t>,
        val: Val,
        items: Option<Items>,
        source: Node<'t>,
    ) {
        let module = self.module;
        if self.record {
            self.record_value(target, &val);
        }
        match target.kind_of() {
            "identifier" | "attribute" => {
                let from = first_identifiers(source, 8)
                    .into_iter()
                    .map(|n| module.text(n))
                    .collect();
                env.insert(module.text(target), Slot { val, items, from });
            }
            "subscript" => {
                let (Some(object), Some(key)) = (
                    target.child_by_field_id(FIELDS.value),
                    target.child_by_field_id(FIELDS.subscript),
                ) else {
                    return;
                };
                let key_val = self.eval(env, key, 0);
                let name = module.text(object);
                if let Some(slot) = env.get_mut(name) {
                    match (&mut slot.items, &key_val.konst) {
                        (Some(Items::Map(entries)), Some(k)) => {
                            let k = const_key(k);
                            entries.retain(|(existing, _)| *existing != k);
                            entries.push((k, val));
                        }
                        (Some(Items::List(entries)), Some(Const::Int(i))) => {
                            let len = entries.len() as i64;
                            let at = if *i < 0 { len + i } else { *i };
                            if (0..len).contains(&at) {
                                entries[at as usize] = val;
                            }
                        }
                        (Some(items), _) => {
                            let all = items.all().combine(&val);
                            *items = Items::Builder(all);
                        }
                        (None, _) => slot.val = slot.val.combine(&val),
                    }
                } else {
                    self.eval(env, object, 0);
                }
            }
            "pattern_list" | "tuple_pattern" | "list_pattern" | "tuple" | "list" => {
                let element = items.as_ref().map(Items::all).unwrap_or(val);
                for part in named_children(target) {
                    self.assign(env, part, element.clone(), None, source);
                }
            }
            _ => {}
        }
    }

    pub fn record_value(&mut self, node: Node<'_>, val: &Val) {
        if !self.record {
            return;
        }
        self.flow
            .values
            .entry(node.id())
            .and_modify(|v| *v = v.join(val))
            .or_insert_with(|| val.clone());
    }
}

/// A map key as text.
pub(super) fn const_key(konst: &Const) -> String {
    match konst {
        Const::Int(i) => i.to_string(),
        Const::Str(s) => s.clone(),
        Const::Bool(b) => b.to_string(),
        Const::None => "None".into(),
    }
}
