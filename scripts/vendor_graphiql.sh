#!/usr/bin/env bash
# Vendor GraphiQL and React (UMD builds) into api/static/ so GET /graphql works
# offline (no CDN). Re-run to upgrade; commit the result.
#
#   scripts/vendor_graphiql.sh            # versions below
#   GRAPHIQL_VERSION=4.1.2 REACT_VERSION=18.3.1 scripts/vendor_graphiql.sh
#
# GraphiQL 4.x is the last line with a UMD bundle (5.x is ESM + Monaco workers);
# its UMD build expects React 18 globals, and React 19 ships no UMD builds.
# To keep the files small: minified builds only, no source maps, and the
# base64 web fonts are dropped from the CSS (~350 KB; the system fonts are used).
set -euo pipefail

GRAPHIQL_VERSION="${GRAPHIQL_VERSION:-4.1.2}"
REACT_VERSION="${REACT_VERSION:-18.3.1}"
root="$(cd "$(dirname "$0")/.." && pwd)"
dest="$root/api/static"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

cd "$tmp"
npm pack --silent "graphiql@$GRAPHIQL_VERSION" "react@$REACT_VERSION" "react-dom@$REACT_VERSION" >/dev/null
for spec in "graphiql-$GRAPHIQL_VERSION" "react-$REACT_VERSION" "react-dom-$REACT_VERSION"; do
  pkg="${spec%-*}"
  mkdir "$pkg"
  tar -xzf "$spec.tgz" -C "$pkg" --strip-components=1
done

mkdir -p "$dest"
# Drop the trailing sourceMappingURL comment: the maps are not shipped.
sed '/^\/\/# sourceMappingURL=/d' graphiql/dist/index.umd.js >"$dest/graphiql.min.js"
sed '/^\/\/# sourceMappingURL=/d' react/umd/react.production.min.js >"$dest/react.production.min.js"
sed '/^\/\/# sourceMappingURL=/d' react-dom/umd/react-dom.production.min.js >"$dest/react-dom.production.min.js"
node -e '
  const fs = require("fs");
  const css = fs.readFileSync(process.argv[1], "utf8");
  const out = css.replace(/@font-face\s*\{[^}]*?url\(data:[^}]*\}/g, "").replace(/\/\*# sourceMappingURL=[^*]*\*\//g, "");
  fs.writeFileSync(process.argv[2], out);
' graphiql/graphiql.min.css "$dest/graphiql.min.css"

# Licences travel with the code (all MIT).
cp graphiql/LICENSE "$dest/LICENSE.graphiql"
cp react/LICENSE "$dest/LICENSE.react"
cp react-dom/LICENSE "$dest/LICENSE.react-dom"

{
  echo "graphiql $GRAPHIQL_VERSION (dist/index.umd.js, graphiql.min.css without embedded fonts)"
  echo "react $REACT_VERSION (umd/react.production.min.js)"
  echo "react-dom $REACT_VERSION (umd/react-dom.production.min.js)"
  echo
  (cd "$dest" && sha256sum graphiql.min.js graphiql.min.css react.production.min.js react-dom.production.min.js)
} >"$dest/VENDORED.txt"
echo "vendored into $dest:"
ls -l "$dest"
