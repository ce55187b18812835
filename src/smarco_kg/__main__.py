"""``python -m smarco_kg`` runs the command line."""

from smarco_kg.cli import app

app()
