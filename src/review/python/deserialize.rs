//! Deserialisation with formats that can run code (CWE-502): pickle and its kin, `yaml.load`
//! without a safe loader, `torch.load` without `weights_only`, `numpy.load` with pickles.

use super::syntax::is_true;
use super::value::kind;
use super::words::{PICKLERS, SAFE_YAML_LOADERS};
use super::{Call, Ctx, Hit, hit_with, rules, sure_if};

pub(super) fn check_call<'t>(ctx: &Ctx<'_, 't>, call: &Call<'t>, hits: &mut Vec<Hit<'t>>) {
    let name = call.name.as_str();
    let args = &call.args;
    let data = args.positional(0).map(|n| ctx.val(n));
    let risky = data.as_ref().is_some_and(|v| v.risky(kind::DATA));
    let tainted = data.as_ref().is_some_and(|v| v.tainted(kind::DATA));
    let (module, function) = name.rsplit_once('.').unwrap_or(("", name));
    let unsafe_call = match (module, function) {
        (m, "loads" | "load" | "Unpickler") if PICKLERS.contains(&m) => risky,
        ("shelve", "open")
        | ("jsonpickle", "decode")
        | ("pandas", "read_pickle")
        | ("yaml", "unsafe_load" | "unsafe_load_all") => risky,
        ("yaml", "load" | "load_all") => {
            let loader = args.keyword("Loader").or(args.positional(1));
            let safe = loader.is_some_and(|l| {
                let text = ctx.text(l);
                SAFE_YAML_LOADERS
                    .iter()
                    .any(|s| text.rsplit('.').next() == Some(s))
            });
            risky && !safe
        }
        ("torch", "load") => !args.keyword("weights_only").is_some_and(is_true),
        ("numpy", "load") => args.keyword("allow_pickle").is_some_and(is_true),
        _ => false,
    };
    if unsafe_call {
        hits.push(sure_if(
            tainted,
            hit_with(
                rules::DESERIALIZE,
                call.node,
                format!("{name} can run code from the data it reads"),
            ),
        ));
    }
}
