"""Sealing credentials as the official signed Europass samples are sealed: JWS JSON serialization (RFC 7515)
with an unencoded payload (RFC 7797, ``b64: false``), RS256, and the issuer's certificate chain in ``x5c``.

The key and a self-signed certificate naming the issuer (organisation name, ``organizationIdentifier`` = the
eIDAS legal identifier, country) are generated per deployment (``smarco-kg issuer keygen``) into a directory
outside the repository. A real qualified eIDAS seal would replace this certificate with one issued by a
qualified trust service provider on a QSCD, and add the JAdES timestamp (``adoTst``) from a TSA; the envelope
and the verification here stay the same.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from smarco_kg.errors import ServiceUnavailable

KEY_FILE, CERT_FILE = "issuer-key.pem", "issuer-cert.pem"


class SealError(ServiceUnavailable, ValueError):
    """A seal that cannot be made or checked, with what is wrong (to the server: issuing is not configured)."""

    title = "issuing is not configured"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass(frozen=True)
class IssuerKey:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    @property
    def thumbprint(self) -> str:
        """``x5t#S256``: the SHA-256 of the certificate (DER), also used as the key id."""
        return _b64url(hashlib.sha256(self.certificate.public_bytes(serialization.Encoding.DER)).digest())

    def jwk(self) -> dict:
        numbers = self.key.public_key().public_numbers()
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        return {
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": self.thumbprint,
            "n": _b64url(numbers.n.to_bytes((numbers.n.bit_length() + 7) // 8, "big")),
            "e": _b64url(numbers.e.to_bytes((numbers.e.bit_length() + 7) // 8, "big")),
            "x5c": [base64.b64encode(der).decode("ascii")],
            "x5t#S256": self.thumbprint,
        }


def generate(directory: Path, *, name: str, legal_identifier: str, country: str, days: int = 3 * 365) -> IssuerKey:
    """A new RSA-2048 key and a self-signed certificate for the issuer, written to ``directory`` (key 0600)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, country[:2].upper()),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, name),
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, legal_identifier),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{name} credential seal"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=days))
        .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    key_path = directory / KEY_FILE
    key_path.touch(mode=0o600, exist_ok=True)
    key_path.chmod(0o600)
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    (directory / CERT_FILE).write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return IssuerKey(key, certificate)


def load(directory: Path) -> IssuerKey:
    try:
        key = serialization.load_pem_private_key((directory / KEY_FILE).read_bytes(), password=None)
        certificate = x509.load_pem_x509_certificate((directory / CERT_FILE).read_bytes())
    except FileNotFoundError as error:
        raise SealError(f"no issuer key in {directory}: run `smarco-kg issuer keygen`") from error
    if not isinstance(key, rsa.RSAPrivateKey):
        raise SealError(f"the issuer key in {directory} is not an RSA key")
    return IssuerKey(key, certificate)


def seal(payload: dict, issuer: IssuerKey, *, signed_at: dt.datetime | None = None) -> dict:
    """The JWS JSON envelope of ``payload`` (its JSON text, unencoded, as in the official samples)."""
    text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    header = {
        "alg": "RS256",
        "typ": "jose+json",
        "cty": "json",
        "kid": issuer.thumbprint,
        "x5t#S256": issuer.thumbprint,
        "x5c": issuer.jwk()["x5c"],
        "b64": False,
        "sigT": (signed_at or dt.datetime.now(dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "crit": ["b64", "sigT"],
    }
    protected = _b64url(json.dumps(header, separators=(",", ":")).encode("utf-8"))
    signature = issuer.key.sign(f"{protected}.{text}".encode(), padding.PKCS1v15(), hashes.SHA256())
    return {"payload": text, "signatures": [{"protected": protected, "signature": _b64url(signature)}]}


@dataclass(frozen=True)
class Opened:
    payload: dict
    header: dict
    certificate: x509.Certificate


def open_envelope(envelope: object, trusted: list[IssuerKey]) -> Opened:
    """The payload of a sealed envelope after checking its form, its signature, and that the certificate that
    signed it is one of ``trusted``; ``SealError`` saying which check failed."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("payload"), str):
        raise SealError("not a JWS JSON envelope: expected an object with a 'payload' string and 'signatures'")
    signatures = envelope.get("signatures")
    if not isinstance(signatures, list) or len(signatures) != 1 or not isinstance(signatures[0], dict):
        raise SealError("the envelope must carry exactly one signature")
    entry = signatures[0]
    try:
        header = json.loads(_b64url_decode(str(entry.get("protected", ""))))
        signature = _b64url_decode(str(entry.get("signature", "")))
    except ValueError as error:
        raise SealError(f"the protected header or signature is not base64url JSON: {error}") from error
    if header.get("alg") != "RS256" or header.get("b64") is not False or "b64" not in header.get("crit", []):
        raise SealError("unsupported header: expected alg RS256 with an unencoded payload (b64: false, critical)")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(header["x5c"][0]))
    except (KeyError, IndexError, ValueError) as error:
        raise SealError("the header carries no readable x5c certificate") from error
    der = certificate.public_bytes(serialization.Encoding.DER)
    if not any(t.certificate.public_bytes(serialization.Encoding.DER) == der for t in trusted):
        raise SealError("the certificate in x5c is not one of this issuer's published keys")
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SealError("the certificate in x5c does not hold an RSA key, which RS256 needs")
    signed = f"{entry['protected']}.{envelope['payload']}".encode()
    try:
        key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature as error:
        raise SealError("the signature does not match the payload: the document was changed after sealing") from error
    try:
        payload = json.loads(envelope["payload"])
    except ValueError as error:
        raise SealError(f"the payload is not JSON: {error}") from error
    return Opened(payload, header, certificate)


def legal_identifier(certificate: x509.Certificate) -> str | None:
    values = certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)
    return str(values[0].value) if values else None
