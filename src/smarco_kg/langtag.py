"""Language tags as RDF stores take them: well-formed BCP 47 (RFC 5646), which pyoxigraph checks on every literal."""

from __future__ import annotations

import re

_ALPHA, _ALNUM = "[A-Za-z]", "[A-Za-z0-9]"
_LANGUAGE = rf"({_ALPHA}{{2,3}}(-{_ALPHA}{{3}}){{0,3}}|{_ALPHA}{{4,8}})"  # with up to three extended subtags
_SCRIPT = rf"(-{_ALPHA}{{4}})?"
_REGION = rf"(-({_ALPHA}{{2}}|[0-9]{{3}}))?"
_VARIANTS = rf"(-({_ALNUM}{{5,8}}|[0-9]{_ALNUM}{{3}}))*"
_EXTENSIONS = rf"(-[0-9A-WYZa-wyz](-{_ALNUM}{{2,8}})+)*"
_PRIVATE = rf"[xX](-{_ALNUM}{{1,8}})+"
LANGUAGE_TAG = re.compile(rf"^({_LANGUAGE}{_SCRIPT}{_REGION}{_VARIANTS}{_EXTENSIONS}(-{_PRIVATE})?|{_PRIVATE})$")
"""A well-formed language tag: ``en``, ``pt-BR``, ``sr-Latn-RS``, ``de-CH-1996``, ``x-private``; not ``e``, ``en-``,
``en-a-b`` (RFC 5646 §2.1; the irregular grandfathered tags are left out)."""
