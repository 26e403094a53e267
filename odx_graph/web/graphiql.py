"""GraphiQL served from the package: the page, its start script's example queries (one
tab for each kind of user) and nothing fetched from anywhere but this server."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response

from odx_graph.web.pages import render


@dataclass(frozen=True, slots=True)
class Example:
    """One example query, opened as a GraphiQL tab."""

    user: str
    query: str


KEY_HINT = '# Send your key in the Headers pane: {{"Authorization": "Bearer {kind}"}}\n'

EXAMPLES = (
    Example(
        "app builder",
        """# Homes in a postcode district with their latest repairs. Press the run button.
query AppBuilderHomes {
  homes(filter: {postcode: "LS9"}, first: 5) {
    totalCount
    nodes {
      iri uprn postcode
      landlord { name }
      repairs(first: 3) {
        nodes { reportedAt completedAt priority { label } status { label } }
      }
    }
  }
}
""",
    ),
    Example(
        "contractor",
        """# Open plumbing jobs in a district, oldest target first, and what such work costs.
query ContractorOpenJobs {
  repairs(filter: {postcode: "M14", open: true, trade: ["PL"]},
          orderBy: TARGET_AT, direction: ASC, first: 20) {
    nodes {
      iri reportedAt targetAt priority { label }
      home { postcodeSector } lines { sorCode quantity }
    }
  }
  contractorMarket(postcode: "M14", trade: ["PL"]) {
    rates { postcodeDistrict sorCode jobs medianWorkingDays medianCost suppressed }
  }
}
""",
    ),
    Example(
        "resident",
        KEY_HINT.format(kind="your resident token")
        + """query ResidentMyHome {
  viewer {
    tier
    home {
      uprn addressLine1 postcode
      repairs(first: 10) {
        nodes {
          reportedAt targetAt completedAt description status { label }
          statusHistory { status { label } occurredAt }
        }
      }
      dampMouldCases(first: 5) { nodes { awareAt investigationStartedAt madeSafeAt } }
    }
  }
}
""",
    ),
    Example(
        "integrator",
        """# One home by UPRN with every organisation's reference for it.
query IntegratorByUprn {
  home(uprn: "38000000026") {
    iri postcode landlord { name }
    references { value allocatedBy { name } }
  }
}
""",
    ),
    Example(
        "landlord, board or regulator",
        """# Each landlord's emergency repairs within target against its peers.
query ProviderComparison {
  providerComparison(measure: WITHIN_TARGET_EMERGENCY_PCT) {
    peerMedian threshold disclosure
    providers { name value robustZ outlier suppressed }
  }
}
""",
    ),
)


def graphiql_page(request: Request) -> Response:
    """The GraphiQL page, with one tab of example query per kind of user."""
    tabs = [{"query": example.query} for example in EXAMPLES]
    return render(
        request,
        "graphiql.html",
        {"tabs": tabs, "users": [example.user for example in EXAMPLES]},
    )
