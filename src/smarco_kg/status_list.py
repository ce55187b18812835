"""The revocation status list: a W3C Bitstring Status List (https://www.w3.org/TR/vc-bitstring-status-list/).

Every issued credential has an index in one list; revoking it sets that bit. The list is published as a
``BitstringStatusListCredential`` (VC Data Model 2.0) whose ``encodedList`` is the GZIP-compressed bitstring,
base64url without padding, with the multibase prefix ``u``. Index 0 is the left-most (most significant) bit of
the first byte, as the specification says. The bitstring has at least 131,072 bits (16 KB), the specification's
minimum, so that one credential's bit hides among many (its "herd privacy"); it doubles while the register holds
more than half as many credentials as it has bits, so that a random free index is found in a try or two.
"""

from __future__ import annotations

import base64
import datetime as dt
import gzip
from collections.abc import Iterable

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
STATUS = "https://www.w3.org/ns/credentials/status#"
"""The status vocabulary of VC 2.0: BitstringStatusListEntry, statusPurpose, statusListIndex, statusListCredential."""
PURPOSE = "revocation"
MIN_BITS = 16 * 1024 * 8


def size_for(count: int, highest: int = -1) -> int:
    """The list's length in bits for ``count`` credentials, covering index ``highest``: at least ``MIN_BITS``,
    doubled while it would be more than half full."""
    size = MIN_BITS
    while count * 2 > size or highest >= size:
        size *= 2
    return size


def encode(revoked: Iterable[int], size: int) -> str:
    """The ``encodedList`` of a bitstring of ``size`` bits with the ``revoked`` indexes set."""
    bits = bytearray(size // 8)
    for index in revoked:
        if not 0 <= index < size:
            raise ValueError(f"status list index {index} is outside a list of {size} bits")
        bits[index // 8] |= 0x80 >> (index % 8)
    packed = gzip.compress(bytes(bits), mtime=0)  # mtime 0: the same bits give the same text (and ETag)
    return "u" + base64.urlsafe_b64encode(packed).rstrip(b"=").decode("ascii")


def decode(encoded: str) -> bytes:
    """The bitstring of an ``encodedList`` (``u`` + base64url of GZIP); ValueError if it is not one."""
    if not encoded.startswith("u"):
        raise ValueError("an encodedList starts with the multibase prefix 'u' (base64url, no padding)")
    text = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))


def is_set(bits: bytes, index: int) -> bool:
    """Whether bit ``index`` of a decoded bitstring is set (index 0 is the left-most bit)."""
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def entry(list_url: str, index: int) -> dict:
    """The ``credentialStatus`` of a credential at ``index`` in the list published at ``list_url``."""
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": PURPOSE,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def credential(list_url: str, issuer: str, encoded: str, valid_from: dt.datetime) -> dict:
    """The ``BitstringStatusListCredential`` publishing ``encoded`` at ``list_url``, issued by ``issuer``."""
    return {
        "@context": [VC2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encoded,
        },
    }


__all__ = [
    "MIN_BITS",
    "PURPOSE",
    "STATUS",
    "VC2_CONTEXT",
    "credential",
    "decode",
    "encode",
    "entry",
    "is_set",
    "size_for",
]
