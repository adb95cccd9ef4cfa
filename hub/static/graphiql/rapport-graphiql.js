// GraphiQL for the Rapport hub, served from the hub itself (no CDN).
// Every call needs a key: put it in the Headers tab as {"Authorization": "Bearer rk_…"}.
// Headers are kept in this browser only if you tick GraphiQL's "persist headers" setting.
(function () {
  var origin = window.location.origin;
  var fetcher = GraphiQL.createFetcher({
    url: origin + "/graphql",
    subscriptionUrl: origin.replace(/^http/, "ws") + "/graphql",
  });
  var params = new URLSearchParams(window.location.search);
  var defaultQuery =
    params.get("query") ||
    "# Put your key in the Headers tab below: {\"Authorization\": \"Bearer rk_…\"}\n" +
      "{\n  profile(identifier: {kind: CRM_ID, value: \"13085\"}) {\n    displayName\n" +
      "    segments { segment { name } reason }\n" +
      "    recommendations(touchpoint: WEB, first: 3) { product { name } reason }\n  }\n}\n";
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: defaultQuery,
      defaultHeaders: '{\n  "Authorization": "Bearer "\n}',
      defaultEditorToolsVisibility: "headers",
      shouldPersistHeaders: false,
    })
  );
})();
