"""Linked Data: RDF derived from the mapping (``rdf``), its formats and content negotiation
(``rdf_formats``), descriptions, dumps, the JSON-LD context and VoID (``dataset``), HTML
pages for people (``html_pages``) and RDF import (``rdf_import``)."""
