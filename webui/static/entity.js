// An entity's neighbourhood graph: facts solid, predictions dashed with their score; click a node to
// expand it (a page of its neighbours), the "+N" node to show a hub's next page, double-click to open.
"use strict";
(() => {
  const container = document.getElementById("graph");
  const status = document.getElementById("graph-status");
  const filter = document.getElementById("relation-filter");
  const focus = container.dataset.entity;
  const PAGE = 25;
  let cy = null;
  const pages = new Map();  // entity id -> neighbours shown so far

  function add(elements) {
    const fresh = elements.filter(e => cy.getElementById(e.data.id).empty());
    cy.add(fresh);
    return fresh.length;
  }

  async function expand(id) {
    const skip = pages.get(id) || 0;
    const relation = filter.value;
    const query = new URLSearchParams({limit: PAGE, skip});
    if (relation) query.set("relation", relation);
    const response = await kg.api("GET", `/api/entities/${encodeURIComponent(id)}/neighbourhood?${query}`);
    if (!response.ok) {
      status.textContent = response.body.error;
      return;
    }
    const body = response.body;
    const elements = body.nodes.map(n => kg.nodeElement(n.id, n.name));
    body.edges.forEach(e => elements.push(kg.edgeElement(e.source, e.relation, e.target, e)));
    cy.remove(cy.getElementById(`more:${id}`));
    const shown = skip + body.edges.filter(e => !e.predicted).length;
    pages.set(id, shown);
    if (body.more) {
      elements.push({group: "nodes", data: {id: `more:${id}`, label: `+${body.more} more`, of: id}, classes: "more"});
      elements.push({group: "edges", data: {id: `more-edge:${id}`, source: id, target: `more:${id}`, label: ""}});
    }
    const added = add(elements);
    cy.layout({name: "cose", animate: false, nodeDimensionsIncludeLabels: true, fit: true}).run();
    status.textContent = `${cy.nodes().not(".more").length} nodes shown; ${body.entity.name || id} has ` +
      `${body.degree} facts (${added} elements added)`;
    container.dataset.expanded = (Number(container.dataset.expanded || 0) + 1).toString();
  }

  function start() {
    if (cy) cy.destroy();
    pages.clear();
    cy = kg.graph(container, [kg.nodeElement(focus, document.getElementById("entity-name").firstChild.textContent.trim(),
                                             "focus")]);
    cy.on("tap", "node", event => {
      const node = event.target;
      expand(node.hasClass("more") ? node.data("of") : node.id());
    });
    cy.on("dbltap", "node", event => {
      if (!event.target.hasClass("more")) window.location = kg.entityUrl(event.target.id());
    });
    window.kgGraph = cy;  // for the browser tests
    expand(focus);
  }

  filter.addEventListener("change", start);
  start();
})();
