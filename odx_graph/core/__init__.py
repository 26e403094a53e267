"""The core: settings, error codes, identifiers, postcodes, the caller, the ontology's
namespaces and logging. No I/O and no frameworks; core modules import only each other."""
