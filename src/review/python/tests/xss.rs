//! Cross-site scripting: responses, templates, markup.

use super::*;
use crate::review::rules::{AUTOESCAPE, MARK_SAFE, XSS};

#[test]
fn request_data_in_html() {
    table(&[
        (
            "from flask import Flask, request\napp = Flask(__name__)\n@app.route('/a')\ndef a():\n    return 'Hi ' + request.args['n']\n",
            &[(5, XSS)],
        ),
        (
            "import html\nfrom flask import Flask, request\napp = Flask(__name__)\n@app.route('/a')\ndef a():\n    return 'Hi ' + html.escape(request.args['n'])\n",
            &[],
        ),
        (
            "from flask import Flask, request\napp = Flask(__name__)\n@app.route('/a')\ndef a():\n    return {'name': request.args['n']}\n",
            &[],
        ),
        (
            "from flask import Flask, request, make_response\napp = Flask(__name__)\n@app.route('/a')\ndef a():\n    return make_response(('ok', {'X-Name': request.args['n']}))\n",
            &[],
        ),
        (
            "from django.http import HttpResponse\ndef view(request):\n    return HttpResponse('<p>%s</p>' % request.GET['q'])\n",
            &[(3, XSS)],
        ),
        (
            "from flask import request, render_template_string\ndef f():\n    return render_template_string(request.args['t'])\n",
            &[(3, XSS)],
        ),
    ]);
}

#[test]
fn markup_and_autoescape() {
    table(&[
        (
            "from markupsafe import Markup\ndef f(x):\n    return Markup(x)\n",
            &[(3, MARK_SAFE)],
        ),
        ("from markupsafe import Markup\nMarkup('<b>hi</b>')\n", &[]),
        (
            "import jinja2\nenv = jinja2.Environment()\n",
            &[(2, AUTOESCAPE)],
        ),
        (
            "import jinja2\nenv = jinja2.Environment(autoescape=True)\n",
            &[],
        ),
    ]);
}
