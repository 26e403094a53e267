"""The web application: Starlette routes and lifespan (``app``), API keys on requests
(``auth``), request ids and load shedding (``middleware``), Prometheus metrics, Linked Data
routes (``resources``) and uploads and templates (``uploads``)."""
