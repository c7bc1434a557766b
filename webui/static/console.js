// The Cypher console: run a query through POST /api/cypher, show rows as a table or as a graph.
"use strict";
(() => {
  const editor = CodeMirror.fromTextArea(document.getElementById("query"),
                                         {mode: "cypher", lineNumbers: true, viewportMargin: Infinity});
  const error = document.getElementById("error");
  const result = document.getElementById("result");
  const rowsTable = document.getElementById("rows");
  const summary = document.getElementById("summary");
  const writeBox = document.getElementById("write");
  let last = null;

  function cell(value) {
    const td = document.createElement("td");
    if (value && typeof value === "object" && value.labels && value.properties && value.properties.id) {
      const labels = value.labels.filter(l => l !== "Entity").map(l => ":" + l).join("");
      td.append("(" + labels + " ");
      td.append(kg.link(value.properties.id, value.properties.name || value.properties.id));
      td.append(")");
    } else {
      td.textContent = typeof value === "string" ? value : JSON.stringify(value);
      td.className = typeof value === "string" ? "" : "mono";
    }
    return td;
  }

  function showTable(body) {
    rowsTable.replaceChildren();
    const head = document.createElement("tr");
    for (const column of body.columns) {
      const th = document.createElement("th");
      th.textContent = column;
      head.append(th);
    }
    rowsTable.append(head);
    for (const row of body.rows) {
      const tr = document.createElement("tr");
      row.forEach(value => tr.append(cell(value)));
      rowsTable.append(tr);
    }
  }

  function nodesIn(value, found) {
    if (!value || typeof value !== "object") return;
    if (value.labels && value.properties && value.properties.id) {
      found.set(value.properties.id, value.properties.name || value.properties.id);
    }
    for (const inner of Array.isArray(value) ? value : Object.values(value)) nodesIn(inner, found);
  }

  async function showGraph(body) {
    const found = new Map();
    body.rows.forEach(row => row.forEach(value => nodesIn(value, found)));
    const view = document.getElementById("graph-view");
    if (!found.size) {
      view.textContent = "No nodes in these rows.";
      return;
    }
    const edges = await kg.api("POST", "/api/graph/edges", {ids: [...found.keys()]});
    const elements = [...found].map(([id, name]) => kg.nodeElement(id, name));
    if (edges.ok) {
      edges.body.edges.forEach(e => elements.push(kg.edgeElement(e.source, e.relation, e.target, e)));
    }
    view.replaceChildren();
    const cy = kg.graph(view, elements);
    cy.on("tap", "node", event => { window.location = kg.entityUrl(event.target.id()); });
    window.kgResultGraph = cy;  // for the browser tests
  }

  function switchTo(view) {
    document.getElementById("table-view").hidden = view !== "table";
    document.getElementById("graph-view").hidden = view !== "graph";
    if (view === "graph" && last) showGraph(last);
  }

  async function run() {
    error.hidden = true;
    let params;
    try {
      params = JSON.parse(document.getElementById("params").value || "{}");
    } catch (e) {
      error.textContent = "Parameters: not JSON (" + e.message + ")";
      error.hidden = false;
      return;
    }
    const response = await kg.api("POST", "/api/cypher",
                                  {query: editor.getValue(), params, write: !!(writeBox && writeBox.checked)});
    if (!response.ok) {
      const where = response.body.position ? ` (line ${response.body.position.line}, column ${response.body.position.column})` : "";
      error.textContent = `${response.status}: ${response.body.error}${where}`;
      error.hidden = false;
      result.hidden = true;
      if (response.body.position) editor.setCursor(response.body.position.line - 1, response.body.position.column - 1);
      return;
    }
    last = response.body;
    result.hidden = false;
    summary.textContent = `${last.rows.length} row(s) in ${last.elapsed_ms} ms, ${last.mode}` +
      (last.truncated ? ` — cut at the row cap of ${last.row_cap}` : "");
    showTable(last);
    switchTo("table");
  }

  document.getElementById("run").addEventListener("click", run);
  editor.setOption("extraKeys", {"Ctrl-Enter": run, "Cmd-Enter": run});
  document.querySelectorAll("[data-view]").forEach(b => b.addEventListener("click", () => switchTo(b.dataset.view)));
})();
