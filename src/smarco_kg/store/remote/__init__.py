"""A GraphStore over any SPARQL 1.1 store (Virtuoso, Fuseki, GraphDB…): the Query, Update and Graph Store protocols.

``transport`` sends the requests (reads retried, writes once), ``results`` reads the answers, ``dataset`` says
which graphs a query or update sees, ``writes`` shapes the data sent, ``datatypes`` keeps what a store cannot, and
``store`` is the ``RemoteStore`` built on them.
"""

from smarco_kg.store.remote.dataset import OWN_GRAPHS
from smarco_kg.store.remote.store import RemoteStore
from smarco_kg.store.remote.transport import ResultCapError

__all__ = ["OWN_GRAPHS", "RemoteStore", "ResultCapError"]
