//! The value flow the rules rely on: constant conditions, overwritten names, collections,
//! sanitisers, propagation, helpers of the same file, and the depth cap.

use super::*;
use crate::review::rules::{EVAL, SHELL};

const HEAD: &str =
    "import os\nfrom flask import request\ndef f():\n    param = request.args['p']\n";

/// `HEAD` plus `body`, with the sink `os.system(bar)` last; expects SHELL on it or nothing.
#[track_caller]
fn flows(body: &str, reaches: bool) {
    let code = format!("{HEAD}{body}    os.system(bar)\n");
    let line = code.lines().count() as u32;
    let expect: &[(u32, &str)] = if reaches { &[(line, SHELL)] } else { &[] };
    check(&code, expect);
}

#[test]
fn constant_conditions_pick_one_branch() {
    flows(
        "    num = 106\n    bar = 'safe' if 7 * 18 + num > 200 else param\n",
        false,
    );
    flows(
        "    num = 106\n    bar = 'safe' if 7 * 18 - num > 200 else param\n",
        true,
    );
    flows(
        "    t = 'This should never happen'\n    if 'should' not in t:\n        bar = 'x'\n    else:\n        bar = param\n",
        true,
    );
    flows(
        "    guess = 'ABC'[1]\n    match guess:\n        case 'A':\n            bar = param\n        case 'B':\n            bar = 'bob'\n        case _:\n            bar = param\n",
        false,
    );
}

#[test]
fn overwritten_names_hold_the_last_value() {
    flows("    bar = param\n    bar = 'constant'\n", false);
    flows("    bar = 'constant'\n    bar = param\n", true);
}

#[test]
fn collections_hand_back_the_element_asked_for() {
    flows(
        "    lst = ['safe', param, 'moresafe']\n    lst.pop(0)\n    bar = lst[1]\n",
        false,
    );
    flows(
        "    lst = []\n    lst.append('safe')\n    lst.append(param)\n    lst.pop(0)\n    bar = lst[0]\n",
        true,
    );
    flows(
        "    m = {}\n    m['a'] = 'x'\n    m['b'] = param\n    bar = m.get('a')\n",
        false,
    );
    flows(
        "    import configparser\n    c = configparser.ConfigParser()\n    c.add_section('s')\n    c.set('s', 'a', 'x')\n    c.set('s', 'b', param)\n    bar = c.get('s', 'b')\n",
        true,
    );
}

#[test]
fn sanitisers_and_conversions_clear_the_value() {
    flows("    import shlex\n    bar = shlex.quote(param)\n", false);
    flows("    bar = str(int(param))\n", false);
    flows("    import html\n    bar = html.escape(param)\n", true);
}

#[test]
fn taint_passes_through_formatting_joins_and_slices() {
    flows("    bar = 'echo %s' % param\n", true);
    flows("    bar = ' '.join(['echo', param])\n", true);
    flows(
        "    bar = ('x' + param + 'y')[1:-1].replace('a', 'b')\n",
        true,
    );
    flows("    bar = '{}'.format(param.split(' ')[0])\n", true);
}

#[test]
fn helpers_of_the_same_file_are_summarised() {
    let passes = "import os\nfrom flask import request\ndef wrap(v):\n    return 'echo ' + v\ndef f():\n    os.system(wrap(request.args['p']))\n";
    check(passes, &[(6, SHELL)]);
    let drops = "import os\nfrom flask import request\ndef first(v):\n    return 'echo hi'\ndef f():\n    os.system(first(request.args['p']))\n";
    check(drops, &[]);
}

#[test]
fn a_check_that_returns_clears_only_what_it_checked() {
    flows(
        "    if '../' in param:\n        return\n    bar = param\n",
        false,
    );
    flows("    if not param:\n        return\n    bar = param\n", true);
    flows(
        "    at = param.find('=')\n    if at == -1:\n        return\n    bar = param[at:]\n",
        true,
    );
}

#[test]
fn code_after_a_return_never_runs() {
    check("def f(x):\n    return 1\n    eval(x)\n", &[]);
    check(
        "def f(x):\n    if x:\n        return 1\n    eval(x)\n",
        &[(4, EVAL)],
    );
}

#[test]
fn deep_nesting_is_analysed_to_a_depth_and_says_so() {
    let deep = format!("x = {}1\n", "-".repeat(100_000));
    let review = review_source(Some(Path::new("a.py")), None, &deep).unwrap();
    assert!(review.depth_capped.is_some());
    let brackets = format!(
        "x = {}1{}\neval(y)\n",
        "(".repeat(50_000),
        ")".repeat(50_000)
    );
    let review = review_source(Some(Path::new("a.py")), None, &brackets).unwrap();
    assert_eq!(review.findings.len(), 1);
}
