#!/usr/bin/env bash
# Refreshes the vendored Swagger UI under public/swagger/ from the npm package swagger-ui-dist.
# The app serves these files itself (/api/docs), so the docs work without any CDN. Run by hand
# when upgrading; commit the result. Usage: scripts/vendor-swagger-ui.sh [version]
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-5.35.0}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "swagger-ui-dist@$version" >/dev/null && tar xzf swagger-ui-dist-*.tgz)
for f in swagger-ui-bundle.js swagger-ui.css LICENSE NOTICE; do
  cp "$tmp/package/$f" public/swagger/
done
echo "swagger-ui-dist $version (npm), vendored by scripts/vendor-swagger-ui.sh" > public/swagger/VERSION
echo "public/swagger/ now holds swagger-ui-dist $version"
