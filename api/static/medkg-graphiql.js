// Mounts GraphiQL against this server's /graphql (same origin, so it works behind a prefix).
(function () {
  var url = window.location.pathname;
  var fetcher = GraphiQL.createFetcher({ url: url });
  var example = [
    "# Drugs that target EGFR, with evidence.",
    "# Mutations need an API key: under Headers, add",
    "# {\"Authorization\": \"Bearer <key>\"}",
    "{",
    "  gene(symbol: \"EGFR\") {",
    "    name",
    "    drugs(first: 5) {",
    "      totalCount",
    "      edges {",
    "        node { name }",
    "        action confidence",
    "        evidence(first: 1) { document sentence }",
    "      }",
    "    }",
    "  }",
    "}",
    ""
  ].join("\n");
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(React.createElement(GraphiQL, { fetcher: fetcher, defaultQuery: example }));
})();
