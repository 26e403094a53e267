#!/usr/bin/env bash
# Run the example apps against a demo server started here: a fresh database on the
# PostgreSQL at $EXAMPLES_PG (default: the server at 127.0.0.1:5432), a small demo, a
# landlord's and a contractor's key from the command line, then the Python and the
# TypeScript resident apps. Used by CI; run it by hand the same way.
set -euo pipefail
[ -n "${EXAMPLES_TRACE:-}" ] && set -x
cd "$(dirname "$0")"
pg="${EXAMPLES_PG:-postgresql://${PGUSER:-postgres}@127.0.0.1:5432/postgres}"
name="odx_examples_$$_$RANDOM"
port="$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
database="${pg%/*}/$name"

python - "$pg" "$name" <<'PY'
import asyncio, sys, asyncpg
async def main(url, name):
    conn = await asyncpg.connect(url)
    await conn.execute(f'CREATE DATABASE "{name}"')
    await conn.close()
asyncio.run(main(*sys.argv[1:]))
PY

cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  python - "$pg" "$name" <<'PY'
import asyncio, sys, asyncpg
async def main(url, name):
    conn = await asyncpg.connect(url)
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await conn.close()
asyncio.run(main(*sys.argv[1:]))
PY
}
trap cleanup EXIT

export ODX_DATABASE_URL="$database" ODX_DEMO=yes ODX_DEMO_HOMES=200 ODX_PORT="$port" \
  ODX_LOG_LEVEL=WARNING ODX_RATE_LIMIT_PER_MINUTE=0
odx-graph serve > "${TMPDIR:-/tmp}/odx-examples-$port.log" 2>&1 &
server=$!
for _ in $(seq 1 240); do
  if python -c "import urllib.request,sys; urllib.request.urlopen('http://127.0.0.1:$port/readyz', timeout=1)" 2>/dev/null; then
    break
  fi
  kill -0 "$server" 2>/dev/null || { cat "${TMPDIR:-/tmp}/odx-examples-$port.log"; exit 1; }
  sleep 0.5
done

organisations="$(odx-graph organisation list)"
landlord_id="$(awk '$2 == "landlord" {print $1; exit}' <<< "$organisations")"
contractor_id="$(awk '$2 == "contractor" {print $1; exit}' <<< "$organisations")"
LANDLORD_KEY="$(odx-graph keys create --tier provider --organisation "$landlord_id" --name examples | tail -1)"
CONTRACTOR_KEY="$(odx-graph keys create --tier contractor --organisation "$contractor_id" --name examples | tail -1)"
export LANDLORD_KEY CONTRACTOR_KEY ODX_URL="http://127.0.0.1:$port"

echo "== example: Python (gql)"
python python/resident_app.py

echo "== example: TypeScript (graphql-codegen types, graphql-ws)"
(cd typescript && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build \
  && npm start --silent)
