// Starts GraphiQL from the packaged scripts, with one tab of example query per kind of
// user. No inline script: the page's Content-Security-Policy allows scripts from here only.
(function () {
  "use strict";
  var root = document.getElementById("graphiql");
  var tabs = JSON.parse(document.getElementById("graphiql-tabs").textContent);
  var fetcher = GraphiQL.createFetcher({ url: root.getAttribute("data-endpoint") });
  ReactDOM.createRoot(root).render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultTabs: tabs,
      defaultEditorToolsVisibility: true,
      shouldPersistHeaders: false,
    })
  );
})();
