//! Cryptography: hashes, ciphers and modes, key sizes, randomness.

use super::*;
use crate::review::rules::{RANDOM, WEAK_CIPHER, WEAK_HASH, WEAK_KEY};

#[test]
fn hashes_and_ciphers() {
    table(&[
        ("import hashlib\nh = hashlib.md5(b'x')\n", &[(2, WEAK_HASH)]),
        (
            "import hashlib\nh = hashlib.new('sha1')\n",
            &[(2, WEAK_HASH)],
        ),
        ("import hashlib\nh = hashlib.sha256(b'x')\n", &[]),
        (
            "import hashlib\nh = hashlib.md5(b'x', usedforsecurity=False)\n",
            &[],
        ),
        (
            "from Crypto.Cipher import AES\ndef f(k):\n    return AES.new(k, AES.MODE_ECB)\n",
            &[(3, WEAK_CIPHER)],
        ),
        (
            "from Crypto.Cipher import DES\ndef f(k):\n    return DES.new(k)\n",
            &[(3, WEAK_CIPHER)],
        ),
    ]);
}

#[test]
fn key_sizes() {
    table(&[
        (
            "from cryptography.hazmat.primitives.asymmetric import rsa\nk = rsa.generate_private_key(public_exponent=65537, key_size=1024)\n",
            &[(2, WEAK_KEY)],
        ),
        (
            "from cryptography.hazmat.primitives.asymmetric import rsa\nk = rsa.generate_private_key(public_exponent=65537, key_size=2048)\n",
            &[],
        ),
        (
            "from Crypto.PublicKey import RSA\nk = RSA.generate(512)\n",
            &[(2, WEAK_KEY)],
        ),
        (
            "from cryptography.hazmat.primitives.asymmetric import ec\nk = ec.generate_private_key(ec.SECP192R1())\n",
            &[(2, WEAK_KEY)],
        ),
        (
            "from cryptography.hazmat.primitives.asymmetric import ec\nk = ec.generate_private_key(ec.SECP256R1())\n",
            &[],
        ),
    ]);
}

#[test]
fn predictable_values_for_secrets() {
    table(&[
        (
            "import random\ntoken = random.getrandbits(64)\n",
            &[(2, RANDOM)],
        ),
        ("import random\ndelay = random.uniform(0.5, 1.5)\n", &[]),
        (
            "import random\ndef remember(session):\n    value = str(random.random())[2:]\n    session['remember'] = value\n",
            &[(4, RANDOM)],
        ),
        (
            "import random\ndef remember(session):\n    value = str(random.SystemRandom().random())\n    session['remember'] = value\n",
            &[],
        ),
        (
            "import random\ndef login(response):\n    response.set_cookie('sid', str(random.randint(0, 10**9)))\n",
            &[(3, RANDOM)],
        ),
        ("import secrets\ntoken = secrets.token_urlsafe(32)\n", &[]),
    ]);
}
