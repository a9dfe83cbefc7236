//! Web: cookies, CSRF, settings, redirects, the session, JWT, SSRF.

use super::*;
use crate::review::rules::{
    BIND_ALL, COOKIE_HTTPONLY, COOKIE_SECURE, CSRF, DEBUG, HOSTS, JWT, REDIRECT, SSRF, TRUST,
};

#[test]
fn cookies_csrf_and_settings() {
    table(&[
        (
            "def f(resp):\n    resp.set_cookie('a', 'b', secure=False)\n",
            &[(2, COOKIE_SECURE)],
        ),
        (
            "def f(resp):\n    resp.set_cookie('a', 'b', secure=True, httponly=False)\n",
            &[(2, COOKIE_HTTPONLY)],
        ),
        (
            "def f(resp):\n    resp.set_cookie('a', 'b', secure=True, httponly=True)\n",
            &[],
        ),
        ("SESSION_COOKIE_SECURE = False\n", &[(1, COOKIE_SECURE)]),
        ("CSRF_COOKIE_HTTPONLY = False\n", &[(1, COOKIE_HTTPONLY)]),
        ("WTF_CSRF_ENABLED = False\n", &[(1, CSRF)]),
        (
            "from flask_wtf.csrf import CSRFProtect\ncsrf = CSRFProtect()\n@csrf.exempt\ndef hook():\n    pass\n",
            &[(3, CSRF)],
        ),
        (
            "DEBUG = True\nALLOWED_HOSTS = ['*']\n",
            &[(1, DEBUG), (2, HOSTS)],
        ),
        (
            "def main(app):\n    app.run(host='0.0.0.0')\n",
            &[(2, BIND_ALL)],
        ),
    ]);
}

#[test]
fn redirects_session_and_tokens() {
    table(&[
        (
            "from flask import request, redirect\ndef f():\n    return redirect(request.args['next'])\n",
            &[(3, REDIRECT)],
        ),
        (
            "from flask import request, redirect, url_for\ndef f():\n    return redirect(url_for('home'))\n",
            &[],
        ),
        (
            "from urllib.parse import urlparse\nfrom flask import request, redirect\ndef f():\n    target = request.args['next']\n    if urlparse(target).netloc not in ('example.com',):\n        return redirect('/')\n    return redirect(target)\n",
            &[],
        ),
        (
            "from flask import request, session\ndef f():\n    session['user'] = request.form['user']\n",
            &[(3, TRUST)],
        ),
        (
            "from flask import session\ndef f(uid):\n    session['user'] = uid\n",
            &[],
        ),
        (
            "import jwt\ndef f(t):\n    return jwt.decode(t, algorithms=['none'])\n",
            &[(3, JWT)],
        ),
        (
            "import jwt\ndef f(t, k):\n    return jwt.decode(t, k, verify=False)\n",
            &[(3, JWT)],
        ),
        (
            "import requests\nfrom flask import request\ndef f():\n    return requests.get(request.args['u'], timeout=5).text\n",
            &[(4, SSRF)],
        ),
    ]);
}

#[test]
fn lambda_events_and_route_parameters_are_request_data() {
    table(&[
        (
            "import os\ndef handler(event, context):\n    os.system('echo ' + event['name'])\n",
            &[(3, crate::review::rules::SHELL)],
        ),
        (
            "import requests\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/fetch')\ndef fetch(url: str):\n    return requests.get(url, timeout=5).text\n",
            &[(6, SSRF)],
        ),
        (
            "import requests\nfrom fastapi import FastAPI\napp = FastAPI()\n@app.get('/item')\ndef item(n: int):\n    return requests.get('https://x.example/' + str(n), timeout=5).text\n",
            &[],
        ),
    ]);
}
