//! Transport: TLS verification, cleartext protocols, timeouts.

use super::*;
use crate::review::rules::{CLEARTEXT, TIMEOUT, TLS};

#[test]
fn tls_verification_off() {
    table(&[
        (
            "import requests\nr = requests.get('https://x.example', verify=False, timeout=5)\n",
            &[(2, TLS)],
        ),
        (
            "import ssl\nctx = ssl._create_unverified_context()\n",
            &[(2, TLS)],
        ),
        (
            "import ssl\nctx = ssl.create_default_context()\nctx.check_hostname = False\nctx.verify_mode = ssl.CERT_NONE\n",
            &[(3, TLS), (4, TLS)],
        ),
    ]);
}

#[test]
fn cleartext_and_timeouts() {
    table(&[
        (
            "import requests\nr = requests.get('http://api.example.com/v1', timeout=5)\n",
            &[(2, CLEARTEXT)],
        ),
        (
            "import requests\nr = requests.get('https://api.example.com/v1')\n",
            &[(2, TIMEOUT)],
        ),
        (
            "import telnetlib\nt = telnetlib.Telnet('router.example.com')\n",
            &[(2, CLEARTEXT)],
        ),
        (
            "import smtplib\ns = smtplib.SMTP('mail.example.com')\n",
            &[(2, CLEARTEXT)],
        ),
        (
            "import smtplib\ns = smtplib.SMTP('mail.example.com')\ns.starttls()\n",
            &[],
        ),
    ]);
}
