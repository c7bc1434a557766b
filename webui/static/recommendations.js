// Each recommended item's explanation paths as a small graph; click a node to open its entity page.
"use strict";
document.querySelectorAll(".path-graph").forEach(container => {
  const elements = [];
  const seen = new Set();
  for (const path of JSON.parse(container.dataset.paths)) {
    path.nodes.forEach((node, i) => {
      if (!seen.has(node.id)) {
        seen.add(node.id);
        const end = i === 0 || i === path.nodes.length - 1;
        elements.push(kg.nodeElement(node.id, i === 0 ? "you" : node.name, end ? "focus" : ""));
      }
    });
    path.relations.forEach((relation, i) => {
      const [a, b] = [path.nodes[i].id, path.nodes[i + 1].id];
      const [source, target] = path.forward[i] ? [a, b] : [b, a];
      const edge = kg.edgeElement(source, relation, target);
      if (!seen.has(edge.data.id)) {
        seen.add(edge.data.id);
        elements.push(edge);
      }
    });
  }
  const cy = kg.graph(container, elements, {name: "breadthfirst", directed: false, spacingFactor: 0.9});
  cy.on("tap", "node", event => { window.location = kg.entityUrl(event.target.id()); });
});
