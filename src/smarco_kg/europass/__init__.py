"""Europass: the catalogue in ELM v3 as the official application profiles (LOQ for QDR, EDC for credentials)
expect it, checked against the vendored official shapes."""
