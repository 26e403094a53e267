// Starts GraphiQL from the packaged scripts, with one tab of example query per kind of
// user (and first, a query given as ?query= in the address, as pages link to it). No
// inline script: the page's Content-Security-Policy allows scripts from here only.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var tabs = JSON.parse(document.getElementById("graphiql-tabs").textContent);
  var asked = new URLSearchParams(window.location.search).get("query");
  if (asked) {
    tabs = [{ query: asked }].concat(tabs);
  }
  var fetcher = GraphiQL.createFetcher({ url: root.getAttribute("data-endpoint") });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: tabs,
      query: asked || undefined,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    })
  );
})();
