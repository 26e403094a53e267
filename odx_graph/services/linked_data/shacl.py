"""Validating a graph against ``ontology/shapes.ttl`` (SHACL, with the ontology as the
ontology graph): every violation once, and in time and memory that grow gently.

Each violation is reported once, however many constraint components of one shape find it
(``sh:datatype`` and ``sh:minInclusive`` on one bad value give one message, not two).

A node shape whose one constraint is an ``sh:xone`` of ``sh:class`` alternatives ("every
record is exactly one kind of thing") is checked here rather than by pyshacl, which
builds a validation result for every alternative a node does not match (19 of the 20 for
every node) and spent three quarters of its time and most of its memory on it. The check
is the same: a target node (an instance of a target class or a subclass of one) must be
an instance of exactly one alternative class, classes read through ``rdfs:subClassOf`` in
the data and the ontology; otherwise the shape's ``sh:message`` is reported for the node,
the node as the value, as pyshacl reports it.
"""

from __future__ import annotations

from collections.abc import Iterable
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache

from rdflib import RDF
from rdflib import RDFS
from rdflib import BNode
from rdflib import Graph
from rdflib import URIRef
from rdflib.collection import Collection
from rdflib.namespace import SH
from rdflib.term import Node


@dataclass(frozen=True, slots=True)
class Violation:
    """One violation: the node, the property path (if any), the value and the message."""

    focus: Node
    path: Node | None
    value: Node | None
    message: str


@dataclass(frozen=True, slots=True)
class _OneOfClasses:
    shape: Node
    targets: tuple[URIRef, ...]
    classes: tuple[URIRef, ...]
    message: str


def _one_of_classes(shapes: Graph) -> list[_OneOfClasses]:
    """The node shapes made only of an ``sh:xone`` of single ``sh:class`` alternatives."""
    found = []
    for shape, head in shapes.subject_objects(SH.xone):
        alternatives = list(Collection(shapes, head))
        classes = [shapes.value(a, SH["class"]) for a in alternatives]
        simple = all(
            isinstance(a, BNode) and set(shapes.predicates(a)) == {SH["class"]}
            for a in alternatives
        )
        constraints = set(shapes.predicates(shape)) - {
            RDF.type, SH.targetClass, SH.message, SH.severity, RDFS.comment, SH.xone,
        }  # fmt: skip
        severity = shapes.value(shape, SH.severity, default=SH.Violation)
        if not simple or constraints or severity != SH.Violation:
            continue
        found.append(
            _OneOfClasses(
                shape,
                tuple(
                    sorted(
                        t for t in shapes.objects(shape, SH.targetClass) if isinstance(t, URIRef)
                    )
                ),
                tuple(c for c in classes if isinstance(c, URIRef)),
                str(shapes.value(shape, SH.message) or "does not conform to ontology/shapes.ttl"),
            )
        )
    return found


@cache
def _split(shapes: Graph) -> tuple[Graph, tuple[_OneOfClasses, ...]]:
    """The shapes pyshacl checks, and those checked here."""
    mine = _one_of_classes(shapes)
    if not mine:
        return shapes, ()
    rest = Graph()
    for prefix, namespace in shapes.namespaces():
        rest.bind(prefix, namespace)
    dropped = {one.shape for one in mine}
    for triple in shapes:
        if triple[0] not in dropped:
            rest.add(triple)
    return rest, tuple(mine)


def _superclasses(graphs: Iterable[Graph]) -> dict[Node, set[Node]]:
    """Every class's superclasses (itself included), by ``rdfs:subClassOf*``."""
    direct: dict[Node, set[Node]] = {}
    for graph in graphs:
        for sub, sup in graph.subject_objects(RDFS.subClassOf):
            direct.setdefault(sub, set()).add(sup)
    closure: dict[Node, set[Node]] = {}

    def up(cls: Node) -> set[Node]:
        if cls not in closure:
            closure[cls] = {cls}
            for sup in direct.get(cls, ()):
                closure[cls] |= up(sup)
        return closure[cls]

    for cls in list(direct):
        up(cls)
    return closure


def _check_one_of_classes(
    data: Graph, ontology: Graph, checks: tuple[_OneOfClasses, ...]
) -> Iterator[Violation]:
    closure = _superclasses((data, ontology))
    for node in set(data.subjects(RDF.type, None)):
        kinds: set[Node] = set()
        for cls in data.objects(node, RDF.type):
            kinds |= closure.get(cls, {cls})
        for check in checks:
            if kinds.isdisjoint(check.targets):
                continue
            if sum(1 for cls in check.classes if cls in kinds) != 1:
                yield Violation(node, None, node, check.message)


def validate(data: Graph, shapes: Graph, ontology: Graph) -> list[Violation]:
    """Every violation of ``data`` (warnings and notes aside), each once, in a stable
    order."""
    from pyshacl import validate as pyshacl_validate

    checked_by_pyshacl, mine = _split(shapes)
    found = list(_check_one_of_classes(data, ontology, mine))
    conforms, results, _ = pyshacl_validate(
        data,
        shacl_graph=checked_by_pyshacl,
        ont_graph=ontology,
        inference="none",
        advanced=True,
        allow_warnings=True,
    )
    if not conforms:
        assert isinstance(results, Graph)
        for result in results.subjects(RDF.type, SH.ValidationResult):
            severity = results.value(result, SH.resultSeverity)
            if severity is not None and severity != SH.Violation:
                continue
            focus = results.value(result, SH.focusNode)
            message = results.value(result, SH.resultMessage)
            found.append(
                Violation(
                    focus if focus is not None else URIRef(""),
                    results.value(result, SH.resultPath),
                    results.value(result, SH.value),
                    str(message or "does not conform to ontology/shapes.ttl"),
                )
            )
    return list(dict.fromkeys(found))
