#!/usr/bin/env node
// Offline Neo4j (Cypher 5) linter harness built on @neo4j-cypher/language-support.
//
// stdin : JSON array  [{"name": str, "query": str, "parameters": {"p": <sample value>, ...}}]
// stdout: JSON array  [{"name": str, "diagnostics": [{"severity": "error"|"warning",
//                                                      "message": str, "line": int, "column": int}]}]
//         (same order as the input; line and column are 1-based; diagnostics sorted by position)
// exit  : 0 whenever the input was parsed and every query was linted (whatever the diagnostics);
//         2 on bad input (not JSON / wrong shape); 3 if the linter itself throws.
//
// Schema given to lintCypherQuery:
//   * defaultLanguage "CYPHER 5"   -> Neo4j 5 semantics (a query may still say "CYPHER 25 ...").
//   * parameters                   -> the query's own "parameters" map; any key whose value is not
//                                     undefined counts as declared, so JSON null is fine as a sample.
//                                     A `$p` that is not declared is reported as an error.
//   * functions / procedures       -> the Neo4j 5 built-in catalog shipped with the package
//                                     (testData.mockSchema), with APOC/GDS plugin entries removed.
//                                     With no catalog the package does not check function/procedure
//                                     names at all, so unknown ones (e.g. FalkorDB's
//                                     db.idx.fulltext.queryNodes) would pass silently.
//   * labels / relationshipTypes   -> deliberately omitted: the package only warns about unknown
//                                     labels/types when both lists are given, so none are reported.
import { lintCypherQuery, testData } from '@neo4j-cypher/language-support';

const CYPHER_VERSION = 'CYPHER 5';
const PLUGIN_PREFIXES = ['apoc.', 'gds.'];

function builtinCatalog() {
  const mock = testData?.mockSchema ?? {};
  const functions = {};
  const procedures = {};
  for (const [version, registry] of Object.entries(mock.functions ?? {})) {
    functions[version] = Object.fromEntries(
      Object.entries(registry).filter(([, fn]) => fn.isBuiltIn === true),
    );
  }
  for (const [version, registry] of Object.entries(mock.procedures ?? {})) {
    procedures[version] = Object.fromEntries(
      Object.entries(registry).filter(
        ([name]) => !PLUGIN_PREFIXES.some((prefix) => name.startsWith(prefix)),
      ),
    );
  }
  if (!functions[CYPHER_VERSION] || !procedures[CYPHER_VERSION]) {
    throw new Error(
      'built-in function/procedure catalog not found in @neo4j-cypher/language-support (testData.mockSchema)',
    );
  }
  return { functions, procedures };
}

function fail(code, message) {
  process.stderr.write(`lint_cypher: ${message}\n`);
  process.exit(code);
}

async function readStdin() {
  const chunks = [];
  for await (const chunk of process.stdin) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function validate(items) {
  if (!Array.isArray(items)) return 'input must be a JSON array';
  for (const [i, item] of items.entries()) {
    if (item === null || typeof item !== 'object' || Array.isArray(item))
      return `item ${i}: must be an object`;
    if (typeof item.name !== 'string') return `item ${i}: "name" must be a string`;
    if (typeof item.query !== 'string') return `item ${i}: "query" must be a string`;
    const p = item.parameters;
    if (p !== undefined && (p === null || typeof p !== 'object' || Array.isArray(p)))
      return `item ${i}: "parameters" must be an object`;
  }
  return null;
}

function toSeverity(lspSeverity) {
  // LSP: 1 Error, 2 Warning, 3 Information, 4 Hint. Only errors are errors.
  return lspSeverity === 1 ? 'error' : 'warning';
}

async function main() {
  let items;
  try {
    items = JSON.parse(await readStdin());
  } catch (err) {
    fail(2, `stdin is not valid JSON: ${err.message}`);
  }
  const problem = validate(items);
  if (problem) fail(2, problem);

  let catalog;
  try {
    catalog = builtinCatalog();
  } catch (err) {
    fail(3, err.message);
  }

  const results = [];
  for (const item of items) {
    const dbSchema = {
      defaultLanguage: CYPHER_VERSION,
      functions: catalog.functions,
      procedures: catalog.procedures,
      parameters: { ...(item.parameters ?? {}) },
    };
    let diagnostics;
    try {
      ({ diagnostics } = lintCypherQuery(item.query, dbSchema, {
        consoleCommandsEnabled: false,
      }));
    } catch (err) {
      fail(3, `linter failed on "${item.name}": ${err?.stack ?? err}`);
    }
    results.push({
      name: item.name,
      diagnostics: diagnostics.map((d) => ({
        severity: toSeverity(d.severity),
        message: d.message,
        line: d.range.start.line + 1,
        column: d.range.start.character + 1,
      })),
    });
  }
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
}

main().catch((err) => fail(3, err?.stack ?? String(err)));
