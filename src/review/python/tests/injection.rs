//! Injection: shell commands, code evaluation, SQL, LDAP filters, XPath queries.

use super::*;
use crate::review::rules::{EVAL, LDAP, SHELL, SQL, XPATH};

#[test]
fn shell_commands_built_from_input() {
    table(&[
        ("import os\ndef f(c):\n    os.system(c)\n", &[(3, SHELL)]),
        ("import os\nos.system('ls -l')\n", &[]),
        (
            "import subprocess\ndef f(c):\n    subprocess.run('ls ' + c, shell=True)\n",
            &[(3, SHELL)],
        ),
        (
            "import subprocess\ndef f(c):\n    subprocess.run(['ls', c])\n",
            &[],
        ),
        (
            "import subprocess\ndef f(c):\n    argv = ['sh', '-c']\n    argv.append('echo ' + c)\n    subprocess.run(argv)\n",
            &[(5, SHELL)],
        ),
        (
            "import subprocess, shlex\nfrom flask import request\ndef f():\n    subprocess.run('ls ' + shlex.quote(request.args['d']), shell=True)\n",
            &[],
        ),
    ]);
}

#[test]
fn code_evaluated_from_input() {
    table(&[
        ("def f(x):\n    eval(x)\n", &[(2, EVAL)]),
        ("eval('1 + 2')\n", &[]),
        (
            "def f(x):\n    exec(compile(x, 'f', 'exec'))\n",
            &[(2, EVAL)],
        ),
        (
            "def f(x):\n    if not x.isidentifier():\n        return\n    exec(x)\n",
            &[],
        ),
    ]);
}

#[test]
fn sql_built_from_strings() {
    table(&[
        (
            "def f(cur, name):\n    cur.execute(f\"SELECT * FROM users WHERE name = '{name}'\")\n",
            &[(2, SQL)],
        ),
        (
            "def f(cur, name):\n    cur.execute('SELECT * FROM users WHERE name = %s', (name,))\n",
            &[],
        ),
        (
            "def f(cur, uid):\n    q = 'SELECT * FROM t WHERE id = ' + str(int(uid))\n    cur.execute(q)\n",
            &[],
        ),
        (
            "import sqlalchemy\ndef f(conn, t):\n    conn.execute(sqlalchemy.text('SELECT * FROM ' + t))\n",
            &[(3, SQL)],
        ),
        (
            "def f(users, order):\n    return users.objects.raw('SELECT * FROM app_user ORDER BY %s' % order)\n",
            &[(2, SQL)],
        ),
        (
            "def f(qs, day):\n    return qs.extra(where=[\"created > '%s'\" % day])\n",
            &[(2, SQL)],
        ),
    ]);
}

#[test]
fn ldap_filters_from_request_data() {
    table(&[
        (
            "import ldap3\nfrom flask import request\ndef f(conn):\n    conn.search('dc=x', '(uid=' + request.args['u'] + ')')\n",
            &[(4, LDAP)],
        ),
        (
            "import ldap3\nfrom ldap3.utils.conv import escape_filter_chars\nfrom flask import request\ndef f(conn):\n    conn.search('dc=x', '(uid=' + escape_filter_chars(request.args['u']) + ')')\n",
            &[],
        ),
        (
            "import re\nfrom flask import request\ndef f():\n    return re.search('a', request.args['u'])\n",
            &[],
        ),
    ]);
}

#[test]
fn xpath_queries_from_request_data() {
    table(&[
        (
            "from flask import request\ndef f(root):\n    return root.xpath(\"//u[@id='\" + request.args['id'] + \"']\")\n",
            &[(3, XPATH)],
        ),
        (
            "from flask import request\ndef f(root):\n    return root.xpath('//u[@id=$id]', id=request.args['id'])\n",
            &[],
        ),
        (
            "import elementpath\nfrom flask import request\ndef f(root):\n    q = \"//u[@id='%s']\" % request.args['id'].replace(\"'\", '&apos;')\n    return elementpath.select(root, q)\n",
            &[],
        ),
    ]);
}
