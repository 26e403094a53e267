"""Readable HTML for people: one page per resource, and the ontology's reference page."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from html import escape

from rdflib import OWL
from rdflib import RDF
from rdflib import RDFS
from rdflib import Graph
from rdflib import Literal
from rdflib import URIRef
from rdflib.namespace import SKOS
from rdflib.term import Node

from odx_graph.services.linked_data.rdf_formats import compact

_STYLE = """body{font:16px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;
padding:.3rem .5rem;border-bottom:1px solid #ddd}th{width:30%;font-weight:600}
code{background:#f3f3f3;padding:0 .2em}.muted{color:#666}"""


def page(title: str, body: str, alternates: dict[str, str] | None = None) -> str:
    """A complete HTML document."""
    links = "".join(
        f'<link rel="alternate" type="{escape(t)}" href="{escape(h)}">'
        for t, h in (alternates or {}).items()
    )
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}'
        f'</title><meta name="viewport" content="width=device-width, initial-scale=1">'
        f"{links}<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


class Labeller:
    """Labels of ontology terms and code concepts, and local links for this server's IRIs."""

    def __init__(self, ontology: Graph, base: str) -> None:
        self.ontology = ontology
        self.base = base

    def label(self, node: Node) -> str:
        """The term's label, or its compact IRI."""
        value = self.ontology.value(node, SKOS.prefLabel) or self.ontology.value(node, RDFS.label)
        return str(value) if value is not None else compact(str(node))

    def link(self, node: Node) -> str:
        """HTML for an object: a link for IRIs (local ones relative), text for literals."""
        if isinstance(node, Literal):
            return escape(str(node))
        iri = str(node)
        href = iri[len(self.base) :] if iri.startswith(self.base + "/") else iri
        known = (node, None, None) in self.ontology
        text = self.label(node) if known else (href if href != iri else compact(iri))
        return f'<a href="{escape(href)}">{escape(text)}</a>'


def resource_page(
    graph: Graph,
    subject: URIRef,
    labeller: Labeller,
    alternates: dict[str, str],
    see_also: Sequence[tuple[str, str]] = (),
    lists: Sequence[tuple[URIRef, str, Sequence[str]]] = (),
) -> str:
    """A table of the subject's properties, then the things described with it, then
    ``lists``: ``(relation, href of all, first members)`` of the lists others' rows state
    (a home's repairs), then ``see_also``: ``(text, href)`` of pages about it."""
    types = ", ".join(labeller.link(t) for t in graph.objects(subject, RDF.type))
    rows: dict[Node, list[Node]] = defaultdict(list)
    for predicate, obj in graph.predicate_objects(subject):
        if predicate != RDF.type:
            rows[predicate].append(obj)
    body = [f"<h1>{types or 'Resource'}</h1><p><code>{escape(str(subject))}</code></p>", "<table>"]
    for predicate in sorted(rows, key=labeller.label):
        values = "<br>".join(labeller.link(o) for o in sorted(rows[predicate], key=str))
        body.append(f"<tr><th>{labeller.link(predicate)}</th><td>{values}</td></tr>")
    body.append("</table>")
    others = sorted({s for s in graph.subjects() if s != subject}, key=str)
    if others:
        body.append("<h2>Described with it</h2><ul>")
        body += [f"<li>{labeller.link(s)}</li>" for s in others]
        body.append("</ul>")
    for relation, href, members in lists:
        label = escape(labeller.label(relation))
        body.append(f'<h2>{label}</h2><p><a href="{escape(href)}">All, as a fragment</a></p>')
        if members:
            body.append("<ul>")
            body += [f"<li>{labeller.link(URIRef(m))}</li>" for m in members]
            body.append("</ul>")
    if see_also:
        body.append("<h2>See also</h2><ul>")
        body += [f'<li><a href="{escape(h)}">{escape(t)}</a></li>' for t, h in see_also]
        body.append("</ul>")
    formats = " · ".join(f'<a href="{escape(h)}">{escape(t)}</a>' for t, h in alternates.items())
    body.append(
        f'<p class="muted">Also as {formats}. Open data: no free text, no personal data.</p>'
    )
    return page(str(subject), "".join(body), alternates)


def _terms(ontology: Graph, kind: URIRef) -> list[URIRef]:
    return sorted((s for s in ontology.subjects(RDF.type, kind) if isinstance(s, URIRef)), key=str)


def ontology_page(ontology: Graph, ontology_iri: URIRef, alternates: dict[str, str]) -> str:
    """The ontology's reference: classes, properties, code lists and alignments."""
    labeller = Labeller(ontology, "")
    title = str(
        ontology.value(ontology_iri, URIRef("http://purl.org/dc/terms/title")) or "Ontology"
    )
    version = ontology.value(ontology_iri, OWL.versionIRI)
    body = [
        f"<h1>{escape(title)}</h1><p>Namespace <code>{escape(str(ontology_iri))}#</code>"
        f"{f', version <code>{escape(str(version))}</code>' if version else ''}.</p>"
    ]
    description = ontology.value(ontology_iri, URIRef("http://purl.org/dc/terms/description"))
    if description:
        body.append(f"<p>{escape(str(description))}</p>")
    sections = (
        ("Classes", OWL.Class),
        ("Object properties", OWL.ObjectProperty),
        ("Datatype properties", OWL.DatatypeProperty),
    )
    aligned = (
        RDFS.subClassOf,
        RDFS.subPropertyOf,
        OWL.equivalentClass,
        SKOS.closeMatch,
        RDFS.domain,
        RDFS.range,
        OWL.inverseOf,
    )
    for heading, kind in sections:
        body.append(f"<h2>{heading}</h2><table>")
        for term in _terms(ontology, kind):
            details = [escape(str(ontology.value(term, SKOS.definition) or ""))]
            for predicate in aligned:
                objects = sorted(ontology.objects(term, predicate), key=str)
                if objects:
                    details.append(
                        f'<span class="muted">{escape(compact(str(predicate)))}'
                        f"</span> " + ", ".join(labeller.link(o) for o in objects)
                    )
            body.append(
                f'<tr id="{escape(compact(str(term)))}"><th>{escape(labeller.label(term))}'
                f"<br><code>{escape(compact(str(term)))}</code></th>"
                f"<td>{'<br>'.join(details)}</td></tr>"
            )
        body.append("</table>")
    body.append("<h2>Code lists</h2>")
    for scheme in _terms(ontology, SKOS.ConceptScheme):
        concepts = sorted(
            ontology.subjects(SKOS.inScheme, scheme),
            key=lambda c: str(ontology.value(c, SKOS.notation) or c),
        )
        body.append(
            f'<h3 id="{escape(str(scheme))}">{escape(labeller.label(scheme))}</h3>'
            f"<p><code>{escape(str(scheme))}</code></p><table>"
        )
        body += [
            f"<tr><th><code>{escape(str(ontology.value(c, SKOS.notation) or ''))}</code> "
            f"{escape(labeller.label(c))}</th>"
            f"<td>{escape(str(ontology.value(c, SKOS.definition) or ''))}</td></tr>"
            for c in concepts
        ]
        body.append("</table>")
    return page(title, "".join(body), alternates)
