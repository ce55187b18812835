"""Loaders that turn vendored source files into RDF for the knowledge graph."""
