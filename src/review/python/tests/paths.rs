//! Files: paths from request data, temporary names, permissions.

use super::*;
use crate::review::rules::{PATH, PERMISSIONS, TEMPFILE};

#[test]
fn paths_from_request_data() {
    table(&[
        (
            "from flask import request\ndef f():\n    return open('/srv/' + request.args['f']).read()\n",
            &[(3, PATH)],
        ),
        (
            "import os\nfrom flask import request\ndef f():\n    return open(os.path.join('/srv', os.path.basename(request.args['f']))).read()\n",
            &[],
        ),
        (
            "import pathlib\nfrom flask import request\ndef f():\n    p = pathlib.Path('/srv') / request.args['f']\n    return p.read_text()\n",
            &[(5, PATH)],
        ),
        (
            "from flask import request\ndef f():\n    name = request.args['f']\n    if '..' in name:\n        return 'no'\n    return open('/srv/' + name).read()\n",
            &[],
        ),
        ("def f(name):\n    return open(name).read()\n", &[]),
    ]);
}

#[test]
fn temporary_names_and_permissions() {
    table(&[
        (
            "import tempfile\nname = tempfile.mktemp()\n",
            &[(2, TEMPFILE)],
        ),
        (
            "import os\ndef f(p):\n    os.chmod(p, 0o777)\n",
            &[(3, PERMISSIONS)],
        ),
        ("import os\ndef f(p):\n    os.chmod(p, 0o600)\n", &[]),
        (
            "import os\nMODE = 0o666\nos.makedirs('d', mode=MODE)\n",
            &[(3, PERMISSIONS)],
        ),
    ]);
}
