"""Where SECRET_KEY and its rotation fallbacks come from, and when a key is good enough.

Exactly one source: the ``SECRET_KEY`` variable, the file named by ``SECRET_KEY_FILE``, or
``$CREDENTIALS_DIRECTORY/secret_key`` (systemd ``LoadCredential=secret_key:...``). Two sources
are refused, whichever they are: with two, a rotation can change the one that is not live.
Retired keys still accepted for signed cookies come the same way from ``SECRET_KEY_FALLBACKS``
(comma-separated), ``SECRET_KEY_FALLBACKS_FILE`` or ``$CREDENTIALS_DIRECTORY/secret_key_fallbacks``
(one per line).

Nothing here reads ``.env``: in development the ``flask`` command loads it (python-dotenv,
dev extra only) before the app starts; gunicorn never does.
"""

import math
import re
import secrets
import string
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# 32 bytes of entropy: 64 hex characters, 43 base64 characters.
MIN_ENTROPY_BITS = 256
MIN_DISTINCT_CHARS = 8
# Share of distinct 4-character substrings: about 1.0 for random keys, low for repeats such as
# "a1b2c3d4" * 8 or "0123456789abcdef" * 4, whatever their length and alphabet.
NGRAM = 4
MIN_DISTINCT_NGRAM_SHARE = 0.75

# Digits and symbols people use for letters, so "Passw0rd!" is read as "password".
_LEET = str.maketrans("013457@$!", "oieastasi")
MIN_LEET_WORD = 6

# Fragments of the values people paste from examples; no generated key contains them.
_PLACEHOLDER_WORDS = (
    "change",
    "replace",
    "example",
    "placeholder",
    "secret",
    "password",
    "insecure",
    "dummy",
    "default",
    "your",
)

_HEX = frozenset(string.hexdigits)
_BASE64 = frozenset(string.ascii_letters + string.digits + "+/-_=")


class SecretKeyError(RuntimeError):
    """The configured secret key is missing, unreadable or too weak for this environment."""


@dataclass(frozen=True)
class SecretKeys:
    current: str
    fallbacks: tuple[str, ...] = ()


def load_secret_keys(
    environ: Mapping[str, str], policy: str, configured: str | None = None
) -> SecretKeys:
    """Read the current key and the fallbacks, and apply the environment's policy.

    ``policy`` comes from the environment: "strong" (production) refuses missing, short or
    placeholder keys; "present" (development) only needs a key; "ephemeral" (testing) makes
    a random one when none is set. ``configured``, a key the app set itself, is used when the
    environment gives none, under the same policy.
    """
    current = _read_one(environ, "SECRET_KEY", "secret_key") or configured or None
    fallbacks = tuple(_split(_read_one(environ, "SECRET_KEY_FALLBACKS", "secret_key_fallbacks")))

    if current is None:
        if policy == "ephemeral":
            return SecretKeys(secrets.token_hex(32), fallbacks)
        message = (
            "SECRET_KEY is not set. Set SECRET_KEY or SECRET_KEY_FILE, or provide the systemd "
            "credential secret_key; create a key with `flask security gen-secret`"
            + (" and put it in .env (see .env.example)." if policy == "present" else ".")
        )
        raise SecretKeyError(message)

    if policy == "strong":
        check_strength(current, "SECRET_KEY")
        for index, fallback in enumerate(fallbacks, start=1):
            check_strength(fallback, f"SECRET_KEY_FALLBACKS entry {index}")
    return SecretKeys(current, fallbacks)


def check_strength(key: str, label: str = "SECRET_KEY") -> None:
    """Raise SecretKeyError unless ``key`` looks like at least 32 random bytes."""
    lowered = key.lower()
    # Short words turn up in random base64 keys once digits stand for letters: long ones only.
    leet = lowered.translate(_LEET)
    if any(word in lowered for word in _PLACEHOLDER_WORDS) or any(
        word in leet for word in _PLACEHOLDER_WORDS if len(word) >= MIN_LEET_WORD
    ):
        message = f"{label} is a placeholder; create a real key with `flask security gen-secret`."
        raise SecretKeyError(message)
    if estimated_entropy_bits(key) < MIN_ENTROPY_BITS or len(set(key)) < MIN_DISTINCT_CHARS:
        message = (
            f"{label} is too short or too regular: it needs 32 random bytes (64 hex characters); "
            "create one with `flask security gen-secret`."
        )
        raise SecretKeyError(message)
    if distinct_ngram_share(key) < MIN_DISTINCT_NGRAM_SHARE:
        message = (
            f"{label} repeats a pattern, so it is far weaker than its length suggests; "
            "create a random one with `flask security gen-secret`."
        )
        raise SecretKeyError(message)


def distinct_ngram_share(key: str, size: int = NGRAM) -> float:
    """The share of the key's ``size``-character substrings that occur only once or first."""
    grams = [key[index : index + size] for index in range(len(key) - size + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def estimated_entropy_bits(key: str) -> float:
    """Length times the bits per character of the smallest common alphabet the key fits in."""
    chars = set(key)
    if chars <= _HEX:
        alphabet = 16
    elif chars <= _BASE64:
        alphabet = 64
    else:
        alphabet = 95
    return len(key) * math.log2(alphabet)


def _read_one(environ: Mapping[str, str], name: str, credential: str) -> str | None:
    value = environ.get(name, "").strip()
    path = environ.get(f"{name}_FILE", "").strip()
    credentials = environ.get("CREDENTIALS_DIRECTORY", "").strip()
    candidate = Path(credentials) / credential if credentials else None
    sources = [
        label
        for label, present in (
            (name, bool(value)),
            (f"{name}_FILE", bool(path)),
            (f"the systemd credential {credential}", candidate is not None and candidate.is_file()),
        )
        if present
    ]
    if len(sources) > 1:
        # Two sources would leave it unclear which key is live during a rotation.
        message = f"{' and '.join(sources)} are both set: give the key one source, not two."
        raise SecretKeyError(message)
    if value:
        text = value
    elif path:
        text = _read_file(Path(path), f"{name}_FILE")
    elif candidate is not None and candidate.is_file():
        text = _read_file(candidate, f"credential {credential}")
    else:
        return None
    if text is not None and name == "SECRET_KEY" and re.search(r"\s", text):
        # A second line is not a second key: retired keys go in the fallbacks.
        message = (
            f"{sources[0]} holds more than one line or word: the current key is a single line; "
            "retired keys go in SECRET_KEY_FALLBACKS (or the secret_key_fallbacks file)."
        )
        raise SecretKeyError(message)
    return text


def _read_file(path: Path, label: str) -> str | None:
    try:
        text = path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        message = f"{label} ({path}) cannot be read: {exc.strerror or exc}."
        raise SecretKeyError(message) from None
    return text or None


def _split(value: str | None) -> list[str]:
    if not value:
        return []
    return [part.strip() for part in value.replace("\n", ",").split(",") if part.strip()]
