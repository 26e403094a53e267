"""Bringing data in: format readers, shared validation, the writer and the import service.

Every format (CSV templates, HACT JSON, the EPC export, Turtle and JSON-LD) is read into
the typed records of :mod:`odx_graph.services.importing.records`; :mod:`~.validate` checks them the
same way; :mod:`~.writer` matches and upserts them; :mod:`~.service` runs it all in one
transaction and reports every problem.
"""
