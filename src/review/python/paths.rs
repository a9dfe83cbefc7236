//! Files: paths from request data (CWE-22), temporary names another process can take
//! (CWE-377), and permissions that let everyone write or run (CWE-276).

use super::syntax::KindOf;
use super::value::{Const, kind};
use super::words::{FILE_SINKS, TEMPFILE};
use super::{Call, Ctx, Hit, hit, hit_with, rules};

/// Methods of `pathlib.Path` that touch the file system.
const PATH_METHODS: &[&str] = &[
    "open",
    "read_text",
    "read_bytes",
    "write_text",
    "write_bytes",
    "unlink",
    "rmdir",
    "mkdir",
    "touch",
    "exists",
    "is_file",
    "iterdir",
];

/// Functions that set a file's mode, with the index of the mode argument.
const MODE_SETTERS: &[(&str, usize)] = &[
    ("os.chmod", 1),
    ("os.fchmod", 1),
    ("os.lchmod", 1),
    ("os.mkdir", 1),
    ("os.makedirs", 1),
    ("os.open", 2),
];

pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    let name = call.name.as_str();
    let args = &call.args;
    if TEMPFILE.contains(&name) {
        hits.push(hit(rules::TEMPFILE, call.node));
    }

    let path = if FILE_SINKS.contains(&name) {
        args.positional(0)
            .or(args.keyword("file"))
            .or(args.keyword("path_or_file"))
            .or(args.keyword("path"))
    } else if call.callee.kind_of() == "attribute"
        && PATH_METHODS.contains(&call.method)
        && call
            .receiver()
            .is_some_and(|r| ctx.val(r).tainted(kind::PATH))
    {
        // `(base / name).read_text()`: the path object itself is built from request data.
        call.receiver()
    } else {
        None
    };
    if path.is_some_and(|p| ctx.val(p).tainted(kind::PATH)) {
        hits.push(hit(rules::PATH, call.node));
    }

    if let Some((_, index)) = MODE_SETTERS.iter().find(|(n, _)| *n == name)
        && let Some(mode) = args.positional(*index).or(args.keyword("mode"))
        && let Some(Const::Int(bits)) = ctx.val(mode).konst
        && bits & 0o002 != 0
    {
        hits.push(hit_with(
            rules::PERMISSIONS,
            call.node,
            format!("mode {bits:#o} lets every user write the file"),
        ));
    }
}
