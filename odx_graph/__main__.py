"""``python -m odx_graph``: the same as the ``odx-graph`` command."""

from odx_graph.cli import main

raise SystemExit(main())
