//! Deserialisation that can run code.

use super::*;
use crate::review::rules::DESERIALIZE;

#[test]
fn formats_that_run_code() {
    table(&[
        (
            "import pickle\ndef f(b):\n    return pickle.loads(b)\n",
            &[(3, DESERIALIZE)],
        ),
        (
            "import yaml\ndef f(s):\n    return yaml.load(s, Loader=yaml.Loader)\n",
            &[(3, DESERIALIZE)],
        ),
        (
            "import yaml\ndef f(s):\n    return yaml.load(s, Loader=yaml.SafeLoader)\n",
            &[],
        ),
        (
            "import yaml\ndef f(s):\n    return yaml.safe_load(s)\n",
            &[],
        ),
        (
            "import pickle, base64\ndef f():\n    data = 'gASV'\n    return pickle.loads(base64.b64decode(data))\n",
            &[],
        ),
        (
            "import torch\nm = torch.load('m.pt')\n",
            &[(2, DESERIALIZE)],
        ),
        (
            "import torch\nm = torch.load('m.pt', weights_only=True)\n",
            &[],
        ),
    ]);
}
