//! The word tables of the Python rules: module paths, function names, patterns.

use std::sync::LazyLock;

use regex::Regex;

use super::value::kind;

pub(super) static SQL_WORDS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(select|insert|update|delete|replace|merge|drop|create|alter|truncate|where|pragma|union|values)\b")
        .expect("static regex")
});

/// Names of things a predictable value must not be.
pub(super) static SECRET_CONTEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(token|secret|passw|pwd|nonce|salt|otp|csrf|session|api_?key|auth|reset|verif|invite|activation|one_?time|credential)")
        .expect("static regex")
});

pub(super) static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)^(x+|\*+|\.+|-+|_+|#+|<[^>]*>|\{\{.*\}\}|\$\{.*\}|\$[a-z_][a-z0-9_]*|%\(.*\)s|\{[a-z_]*\}|change[-_ ]?(me|this|it)|todo|tbd|fixme|none|null|nil|placeholder|example|sample|dummy|fake|test|testing|secret|password|token|your[-_ ].*|replace[-_ ]?(me|this).*|redacted|<redacted.*|xxx.*|\.\.\.|not[-_ ]?set|unset|empty)$")
        .expect("static regex")
});

pub(super) const SHELL_ALWAYS: &[&str] = &[
    "os.system",
    "os.popen",
    "os.popen2",
    "os.popen3",
    "os.popen4",
    "commands.getoutput",
    "commands.getstatusoutput",
    "subprocess.getoutput",
    "subprocess.getstatusoutput",
    "asyncio.create_subprocess_shell",
];
pub(super) const SUBPROCESS: &[&str] = &[
    "subprocess.call",
    "subprocess.run",
    "subprocess.Popen",
    "subprocess.check_call",
    "subprocess.check_output",
];
pub(super) const EVAL: &[&str] = &[
    "eval",
    "exec",
    "compile",
    "builtins.eval",
    "builtins.exec",
    "builtins.compile",
];
pub(super) const PICKLERS: &[&str] = &[
    "pickle",
    "cPickle",
    "_pickle",
    "dill",
    "cloudpickle",
    "marshal",
];
pub(super) const SAFE_YAML_LOADERS: &[&str] =
    &["SafeLoader", "CSafeLoader", "BaseLoader", "CBaseLoader"];
pub(super) const SQL_METHODS: &[&str] = &[
    "execute",
    "executemany",
    "executescript",
    "raw",
    "read_sql",
    "read_sql_query",
];
pub(super) const WEAK_HASHES: &[&str] = &["md4", "md5", "sha1", "sha"];
pub(super) const WEAK_CIPHER_MODULES: &[&str] =
    &["DES", "DES3", "ARC2", "ARC4", "Blowfish", "CAST", "XOR"];
pub(super) const WEAK_CIPHER_ALGORITHMS: &[&str] =
    &["TripleDES", "ARC4", "Blowfish", "IDEA", "CAST5", "SEED"];
pub(super) const RANDOM_FUNCTIONS: &[&str] = &[
    "random.random",
    "random.randint",
    "random.randrange",
    "random.choice",
    "random.choices",
    "random.sample",
    "random.getrandbits",
    "random.uniform",
    "random.randbytes",
    "random.normalvariate",
    "random.gauss",
    "random.triangular",
    "random.betavariate",
    "random.expovariate",
    "random.shuffle",
];
pub(super) const HTTP_LIBRARIES: &[&str] = &["requests", "httpx", "aiohttp", "urllib3"];
pub(super) const HTTP_VERBS: &[&str] =
    &["get", "post", "put", "patch", "delete", "head", "options"];
pub(super) const HTTP_CONSTRUCTORS: &[&str] = &[
    "Session",
    "Client",
    "AsyncClient",
    "ClientSession",
    "PoolManager",
    "request",
    "urlopen",
];
pub(super) const TEMPFILE: &[&str] = &["tempfile.mktemp", "os.tempnam", "os.tmpnam"];
pub(super) const FILE_SINKS: &[&str] = &[
    "open",
    "io.open",
    "codecs.open",
    "flask.send_file",
    "send_file",
    "os.remove",
    "os.unlink",
    "shutil.rmtree",
    "os.path.exists",
    "os.path.isfile",
    "os.listdir",
    "os.rename",
    "shutil.copy",
    "shutil.copyfile",
    "shutil.move",
    "tarfile.open",
    "zipfile.ZipFile",
];
pub(super) const URL_OPENERS: &[&str] = &[
    "urllib.request.urlopen",
    "urllib.request.Request",
    "urllib.urlopen",
    "urllib2.urlopen",
];
pub(super) const STDLIB_XML: &[&str] = &[
    "xml.etree.ElementTree",
    "xml.etree.cElementTree",
    "xml.dom.minidom",
    "xml.dom.pulldom",
    "xml.sax",
    "xml.dom.expatbuilder",
];
pub(super) const XML_PARSE: &[&str] = &[
    "parse",
    "fromstring",
    "XML",
    "iterparse",
    "fromstringlist",
    "parseString",
];
pub(super) const MARK_SAFE: &[&str] = &[
    "django.utils.safestring.mark_safe",
    "django.utils.safestring.SafeString",
    "markupsafe.Markup",
    "flask.Markup",
    "jinja2.Markup",
    "mark_safe",
    "Markup",
];
pub(super) const BIND_KEYWORDS: &[&str] = &["host", "bind", "address", "listen", "hostname", "ip"];
pub(super) const SERVER_METHODS: &[&str] = &[
    "run",
    "run_simple",
    "serve",
    "make_server",
    "create_server",
    "listen",
];
/// Words of an assert condition that make it a security check.
pub(super) const SECURITY_WORDS: &[&str] = &[
    "admin",
    "authenticated",
    "authorized",
    "authorised",
    "auth",
    "permission",
    "permissions",
    "perm",
    "perms",
    "privilege",
    "privileges",
    "staff",
    "superuser",
    "logged",
    "owner",
    "csrf",
    "role",
    "roles",
    "token",
    "credential",
    "credentials",
    "access",
    "allowed",
    "signature",
];

/// Functions whose result is a number or a boolean made from their input.
pub(super) const CONVERSIONS: &[&str] = &[
    "int",
    "float",
    "bool",
    "len",
    "abs",
    "round",
    "ord",
    "hash",
    "uuid.UUID",
    "decimal.Decimal",
    "ipaddress.ip_address",
    "datetime.date.fromisoformat",
];

/// Functions that give back their input, re-typed or re-arranged.
pub(super) const PURE: &[&str] = &[
    "str",
    "repr",
    "format",
    "bytes",
    "list",
    "tuple",
    "set",
    "sorted",
    "reversed",
    "min",
    "max",
    "os.path.join",
    "posixpath.join",
    "os.path.normpath",
    "os.path.abspath",
    "os.path.realpath",
    "urllib.parse.unquote",
    "urllib.parse.unquote_plus",
    "base64.b64encode",
    "base64.b64decode",
    "base64.urlsafe_b64encode",
    "base64.urlsafe_b64decode",
    "codecs.decode",
    "codecs.encode",
    "pathlib.Path",
    "json.dumps",
    "textwrap.dedent",
];

/// Methods of `str` (and `bytes`) that build text from the receiver and arguments.
pub(super) const TEXT_METHODS: &[&str] = &[
    "format",
    "join",
    "replace",
    "strip",
    "lstrip",
    "rstrip",
    "lower",
    "upper",
    "title",
    "capitalize",
    "casefold",
    "encode",
    "decode",
    "split",
    "rsplit",
    "splitlines",
    "partition",
    "rpartition",
    "removeprefix",
    "removesuffix",
    "center",
    "ljust",
    "rjust",
    "zfill",
    "expandtabs",
    "format_map",
    "translate",
    "swapcase",
    "startswith",
    "endswith",
];

/// Template renderers: what they are given is escaped by the template engine.
pub(super) const RENDERERS: &[&str] = &[
    "render_template",
    "render",
    "render_to_string",
    "render_to_response",
    "TemplateResponse",
];

/// Constructors of key/value stores the flow follows (`get(section, key)`).
pub(super) const CONFIG_PARSERS: &[&str] = &[
    "configparser.ConfigParser",
    "configparser.RawConfigParser",
    "configparser.SafeConfigParser",
    "ConfigParser.ConfigParser",
    "ConfigParser",
];

/// Constructors of text builders (`write`, then `getvalue`).
pub(super) const TEXT_BUILDERS: &[&str] =
    &["io.StringIO", "StringIO.StringIO", "StringIO", "io.BytesIO"];

/// Method and function names that check a value's content.
pub(super) const CONTENT_CHECKS: &[&str] = &[
    "startswith",
    "endswith",
    "isdigit",
    "isalnum",
    "isalpha",
    "isnumeric",
    "isdecimal",
    "isidentifier",
    "isascii",
    "match",
    "fullmatch",
    "search",
    "is_relative_to",
    "isabs",
    "url_has_allowed_host_and_scheme",
    "is_safe_url",
];

/// Secure sources of randomness (prefixes of qualified names).
pub(super) const SECURE_RANDOM: &[&str] = &[
    "secrets.",
    "random.SystemRandom",
    "os.urandom",
    "uuid.uuid4",
];

/// The injection kinds a sanitiser defuses, by qualified name or last name component.
pub(super) fn sanitiser(qualified: &str, last: &str) -> Option<u16> {
    let lower = last.to_ascii_lowercase();
    Some(match qualified {
        "shlex.quote" | "pipes.quote" | "shlex.join" => kind::SHELL,
        "os.path.basename"
        | "posixpath.basename"
        | "werkzeug.utils.secure_filename"
        | "werkzeug.security.safe_join"
        | "flask.safe_join"
        | "werkzeug.utils.safe_join" => kind::PATH,
        "re.escape" => return None,
        _ if lower == "secure_filename" || lower == "safe_join" => kind::PATH,
        _ if lower.contains("escape") && (lower.contains("filter") || lower.contains("dn")) => {
            kind::LDAP
        }
        _ if lower == "escape"
            || lower == "conditional_escape"
            || lower == "format_html"
            || (lower.contains("escape") && lower.contains("html"))
            || qualified == "bleach.clean" =>
        {
            kind::HTML
        }
        _ => return None,
    })
}
