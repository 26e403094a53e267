"""odx-graph: an open housing-data graph server."""

__version__ = "0.1.0"
