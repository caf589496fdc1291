"""Ed25519 signatures over canonical JSON results snapshots.

A published snapshot is signed over its *canonical* encoding (keys sorted, no
insignificant whitespace, UTF-8), so a copy that was re-indented or had its keys
reordered by some tool still verifies, while any change of a value does not.
Signatures and keys are plain text files: the signature is base64, keys are PEM.
"""

from __future__ import annotations

import base64
import binascii
import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from saylau.errors import InputError


def canonical_json(obj: Any) -> bytes:
    """The canonical UTF-8 encoding of a JSON value: RFC 8785 (JSON Canonicalization
    Scheme): keys sorted by UTF-16 code units, no insignificant whitespace, numbers
    in ECMAScript's shortest round-trip form (``62.0`` is ``62``, ``1e-7`` stays
    ``1e-7``), so any JCS implementation can recompute the signed bytes.

    Results exports carry percentages as floats; NaN and infinities have no JSON
    form and are refused, naming where they are.
    """
    out: list[str] = []
    _emit(obj, "$", out)
    return "".join(out).encode("utf-8")


def _emit(obj: Any, where: str, out: list[str]) -> None:
    if obj is None or isinstance(obj, bool | str):
        out.append(json.dumps(obj, ensure_ascii=False))
    elif isinstance(obj, int):
        out.append(str(obj))
    elif isinstance(obj, float):
        out.append(_number(obj, where))
    elif isinstance(obj, dict):
        out.append("{")
        keys = sorted(obj, key=lambda k: str(k).encode("utf-16-be"))
        for i, key in enumerate(keys):
            if not isinstance(key, str):
                raise InputError(f"snapshot {where}: key {key!r} is not a string")
            out.append(("," if i else "") + json.dumps(key, ensure_ascii=False) + ":")
            _emit(obj[key], f"{where}.{key}", out)
        out.append("}")
    elif isinstance(obj, list | tuple):
        out.append("[")
        for i, value in enumerate(obj):
            if i:
                out.append(",")
            _emit(value, f"{where}[{i}]", out)
        out.append("]")
    else:
        raise InputError(f"snapshot {where}: {type(obj).__name__} {obj!r} is not JSON")


def _number(x: float, where: str) -> str:
    """ECMAScript Number::toString of a finite double (RFC 8785 section 3.2.2.3)."""
    if x != x or x in (float("inf"), float("-inf")):
        raise InputError(f"snapshot {where}: {x!r} cannot be signed (not a JSON number)")
    if x == 0:
        return "0"
    sign = "-" if x < 0 else ""
    # repr gives the shortest digits that round-trip (as ECMAScript requires).
    mantissa, _, exp = repr(abs(x)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = (whole + frac).lstrip("0")
    point = len(whole) + int(exp or 0)  # position of the decimal point in `digits`
    point -= len(whole + frac) - len((whole + frac).lstrip("0"))
    digits = digits.rstrip("0") or "0"
    k, n = len(digits), point
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        text = (
            digits[0]
            + ("." + digits[1:] if k > 1 else "")
            + "e"
            + ("+" if e > 0 else "-")
            + str(abs(e))
        )
    return sign + text


def generate_key() -> Ed25519PrivateKey:
    """A new random Ed25519 signing key."""
    return Ed25519PrivateKey.generate()


def private_pem(key: Ed25519PrivateKey) -> bytes:
    """PKCS#8 PEM of a private key (unencrypted: protect the file, not the bytes)."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """SubjectPublicKeyInfo PEM of the public half of ``key``."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    """Read an Ed25519 private key from a PEM file."""
    data = _read(path, "private key")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as err:
        raise InputError(f"{path}: not a PEM private key ({err})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(f"{path}: key type {type(key).__name__} is not Ed25519")
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    """Read an Ed25519 public key from a PEM file."""
    data = _read(path, "public key")
    try:
        key = serialization.load_pem_public_key(data)
    except (ValueError, TypeError) as err:
        raise InputError(f"{path}: not a PEM public key ({err})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InputError(f"{path}: key type {type(key).__name__} is not Ed25519")
    return key


def _read(path: str | Path, what: str) -> bytes:
    try:
        return Path(path).read_bytes()
    except OSError as err:
        raise InputError(f"{path}: cannot read {what} ({err.strerror})") from None


def sign(snapshot: Any, key: Ed25519PrivateKey) -> str:
    """The base64 Ed25519 signature of ``snapshot``'s canonical JSON."""
    return base64.b64encode(key.sign(canonical_json(snapshot))).decode("ascii")


def verify(snapshot: Any, signature: str, key: Ed25519PublicKey) -> bool:
    """True when ``signature`` (base64) signs ``snapshot``'s canonical JSON under ``key``."""
    try:
        raw = base64.b64decode(signature.strip(), validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        key.verify(raw, canonical_json(snapshot))
    except (InvalidSignature, InputError):
        return False
    return True


def load_snapshot(path: str | Path) -> Any:
    """Parse a JSON snapshot file (any formatting); one-line error on bad JSON."""
    data = _read(path, "snapshot")
    try:
        return json.loads(data, object_pairs_hook=lambda pairs: _unique(pairs, path))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise InputError(f"{path}: not valid JSON ({err})") from None


def _unique(pairs: list[tuple[str, Any]], path: str | Path) -> dict[str, Any]:
    # A duplicate key is refused, not resolved: a reader keeping the first and the
    # signature keeping the last would vouch for what the reader never saw.
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise InputError(f"{path}: duplicate key {key[:80]!r} in a JSON object (refused)")
        found[key] = value
    return found


def sign_file(snapshot_path: str | Path, key_path: str | Path) -> str:
    """Sign the JSON snapshot file at ``snapshot_path`` with the PEM key at ``key_path``."""
    return sign(load_snapshot(snapshot_path), load_private_key(key_path))


def verify_file(
    snapshot_path: str | Path, signature_path: str | Path, public_key_path: str | Path
) -> bool:
    """Check a downloaded snapshot against its detached signature and the public key."""
    signature = _read(signature_path, "signature").decode("ascii", errors="replace")
    return verify(load_snapshot(snapshot_path), signature, load_public_key(public_key_path))
