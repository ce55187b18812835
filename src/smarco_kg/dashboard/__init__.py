"""The coordinator's dashboard: the partnership's figures for a year, each from a named query in ``queries/``
(``figures``), drawn as server-side SVG charts (``charts``) and downloadable as CSV and XLSX (``downloads``)."""

from smarco_kg.dashboard.figures import (
    DIMENSIONS,
    MEASURES,
    Figures,
    PledgeTarget,
    compute,
    parse_year,
)

__all__ = ["DIMENSIONS", "MEASURES", "Figures", "PledgeTarget", "compute", "parse_year"]
