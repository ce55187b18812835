"""The HTTP interface of smarco-kg (FastAPI)."""
