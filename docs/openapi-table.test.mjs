// docs/http-api.md's table of routes and docs/openapi.yaml say the same: the same routes, and for
// each the same statuses. The table is prose for people, the document is for tools; neither may
// drift from the other. (OpenApiDocumentIT holds the document to what the server serves.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const here = new URL('.', import.meta.url).pathname;
const document = parse(readFileSync(`${here}openapi.yaml`, 'utf8'));
const prose = readFileSync(`${here}http-api.md`, 'utf8');

/** The routes table's rows: `METHOD /path` → the statuses its other cells name. */
function tableRoutes() {
  const section = prose.slice(prose.indexOf('## Routes'), prose.indexOf('\n## ', prose.indexOf('## Routes') + 1));
  const routes = new Map();
  for (const line of section.split('\n')) {
    const m = /^\| `(GET|POST|DELETE|PUT|PATCH) ([^`]+)` \|(.*)$/.exec(line);
    if (!m) continue;
    // `/dashboard/{file}` in the table is `{asset}` in the code: the name of a path parameter is not part of a route.
    const path = m[2].replace(/\{[^}]+\}/g, '{}').replace(/\/…$/, '/{}');
    const statuses = new Set([...m[3].matchAll(/`([1-5][0-9][0-9])`/g)].map((s) => s[1]));
    routes.set(`${m[1]} ${path}`, statuses);
  }
  return routes;
}

/** The document's operations: `METHOD /path` → the statuses it answers. */
function documentRoutes() {
  const routes = new Map();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!['get', 'post', 'delete', 'put', 'patch'].includes(method)) continue;
      routes.set(
        `${method.toUpperCase()} ${path.replace(/\{[^}]+\}/g, '{}')}`,
        new Set(Object.keys(operation.responses)),
      );
    }
  }
  return routes;
}

test('the table and the document name the same routes', () => {
  assert.deepEqual([...tableRoutes().keys()].sort(), [...documentRoutes().keys()].sort());
});

test('each route has the same statuses in both', () => {
  const table = tableRoutes();
  for (const [route, statuses] of documentRoutes()) {
    assert.deepEqual([...(table.get(route) ?? [])].sort(), [...statuses].sort(), route);
  }
});
