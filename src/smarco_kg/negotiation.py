"""Content negotiation: the ``Accept`` header with q-values, and the ``format=`` override people type in URLs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from smarco_kg import errors


class NotAcceptable(errors.NotAcceptable):
    """Nothing the client accepts can be produced; ``offered`` lists what can."""

    def __init__(self, offered: Sequence[str]) -> None:
        super().__init__(
            f"cannot produce any accepted media type; available: {', '.join(offered)}", offered=list(offered)
        )
        self.args = (list(offered),)
        self.offered = list(offered)


@dataclass(frozen=True)
class _Range:
    type: str
    subtype: str
    q: float
    order: int

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)


def _ranges(accept: str) -> list[_Range]:
    ranges: list[_Range] = []
    for order, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        media, params = fields[0].lower(), fields[1:]
        if not media:
            continue
        if "/" not in media:
            media = f"{media}/*" if media != "*" else "*/*"
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        main, _, sub = media.partition("/")
        ranges.append(_Range(main, sub or "*", q, order))
    return ranges


def negotiate(accept: str | None, offered: Sequence[str]) -> str:
    """The offered media type the client prefers; the first offered one when it says nothing.

    Each offer takes the q of the most specific range matching it (RFC 9110 §12.5.1); ties go to the order
    of ``offered``, which lists the server's preference first."""
    if not accept or not accept.strip():
        return offered[0]
    ranges = _ranges(accept)
    best: tuple[float, int, str] | None = None
    for rank, media_type in enumerate(offered):
        matching = [r for r in ranges if r.matches(media_type)]
        if not matching:
            continue
        chosen = max(matching, key=lambda r: (r.specificity, -r.order))
        if chosen.q <= 0:
            continue
        key = (chosen.q, -rank, media_type)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        raise NotAcceptable(offered)
    return best[2]


def accepts_html(accept: str | None) -> bool:
    """Whether a browser is asking: HTML accepted explicitly, and preferred over the machine formats."""
    if not accept or "html" not in accept.lower():
        return False
    try:
        return negotiate(accept, ["text/html", "application/sparql-results+json", "text/turtle"]) == "text/html"
    except NotAcceptable:
        return False
