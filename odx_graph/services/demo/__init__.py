"""Deterministic demo dataset: invented landlords, contractors, homes, components, repairs,
Energy Performance Certificates and damp and mould cases.

`generate` yields rows in foreign-key order, chunked by homes so memory stays bounded, from
nothing but its arguments: the same arguments always give the same rows. Code values come from
the code lists in the database (`CodeLists`), matched to the roles the generator needs by code
and label, so the generator follows whatever the ontology names them. `load_demo` copies the
rows into an empty database in one transaction.

The modules, each one concept:

- `tables`: the tables filled, their columns, `Batch` and `DemoSummary`;
- `codes`: the code-list records and matching codes to roles;
- `catalogue`: the fixed postcode districts, landlords and contractors;
- `geography`: the country's postcode areas, for the districts a large demo adds;
- `names`, `places`: invented streets, blocks, postcodes and UPRNs;
- `components`, `works`: what homes contain and the kinds of repair;
- `draws`: seeded random draws;
- `plan`, `world`: what is fixed for a run and what carries over between chunks;
- `chunks`, `repairs`: the rows of one chunk of homes and of each home's repairs;
- `certificates`, `damp`: each home's EPCs and damp and mould cases (Awaab's Law);
- `generate`, `load`: the chunked generator and the database load.
"""

from odx_graph.services.demo.codes import Code
from odx_graph.services.demo.codes import CodeLists
from odx_graph.services.demo.codes import ComponentTypeCode
from odx_graph.services.demo.codes import EpcBandCode
from odx_graph.services.demo.codes import HazardLevelCode
from odx_graph.services.demo.codes import PriorityCode
from odx_graph.services.demo.codes import RepairStatusCode
from odx_graph.services.demo.codes import code_lists_from_tables
from odx_graph.services.demo.generate import generate
from odx_graph.services.demo.load import load_demo
from odx_graph.services.demo.tables import COLUMNS
from odx_graph.services.demo.tables import TABLES
from odx_graph.services.demo.tables import Batch
from odx_graph.services.demo.tables import DemoSummary

__all__ = [
    "COLUMNS",
    "TABLES",
    "Batch",
    "Code",
    "CodeLists",
    "ComponentTypeCode",
    "DemoSummary",
    "EpcBandCode",
    "HazardLevelCode",
    "PriorityCode",
    "RepairStatusCode",
    "code_lists_from_tables",
    "generate",
    "load_demo",
]
