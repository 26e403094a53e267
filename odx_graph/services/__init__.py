"""Services that combine the store's statements: writes, API keys, code lists, start-up,
the demo dataset, imports, insight and Linked Data."""
