"""smarco-kg: the SMARCO smart-community skills knowledge graph and its API."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("smarco-kg")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0.0.0"
