// Helpers the pages share: JSON calls with the CSRF token, entity links, and the graph view.
"use strict";
const kg = (() => {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;

  async function api(method, path, body) {
    const init = {method, headers: {"Accept": "application/json", "X-CSRF-Token": csrf}, credentials: "same-origin"};
    if (body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const payload = await response.json().catch(() => ({error: `HTTP ${response.status}`}));
    return {ok: response.ok, status: response.status, body: payload};
  }

  function entityUrl(id) {
    return "/entity/" + encodeURIComponent(id);
  }

  function link(id, text) {
    const a = document.createElement("a");
    a.href = entityUrl(id);
    a.textContent = text || id;
    return a;
  }

  const STYLE = [
    {selector: "node", style: {"label": "data(label)", "font-size": 10, "background-color": "#2458c6",
                               "color": "#1d2330", "text-valign": "bottom", "text-margin-y": 3, "width": 18,
                               "height": 18}},
    {selector: "node.focus", style: {"background-color": "#b8560b", "width": 26, "height": 26}},
    {selector: "node.more", style: {"shape": "round-rectangle", "background-color": "#9aa5b4", "width": 34}},
    {selector: "edge", style: {"label": "data(label)", "font-size": 8, "curve-style": "bezier", "width": 1.5,
                               "target-arrow-shape": "triangle", "line-color": "#9aa5b4",
                               "target-arrow-color": "#9aa5b4", "text-rotation": "autorotate", "color": "#5f6b7a"}},
    {selector: "edge.predicted", style: {"line-style": "dashed", "line-color": "#b8560b",
                                         "target-arrow-color": "#b8560b", "color": "#b8560b"}},
    {selector: ":selected", style: {"border-width": 3, "border-color": "#1d2330"}},
  ];

  // A cytoscape graph in `container`; `elements` as cytoscape wants them.
  function graph(container, elements, layout) {
    return cytoscape({container, elements, style: STYLE, wheelSensitivity: 0.3, maxZoom: 2.5, minZoom: 0.1,
                      layout: layout || {name: "cose", animate: false, nodeDimensionsIncludeLabels: true}});
  }

  function nodeElement(id, name, classes) {
    return {group: "nodes", data: {id, label: name || id}, classes: classes || ""};
  }

  function edgeElement(source, relation, target, extra) {
    const predicted = extra && extra.predicted;
    const label = predicted ? `${relation} ${extra.score.toFixed(2)}` : relation;
    return {group: "edges", data: {id: `${source}|${relation}|${target}|${predicted ? "p" : "f"}`, source, target,
                                   label}, classes: predicted ? "predicted" : ""};
  }

  return {api, entityUrl, link, graph, nodeElement, edgeElement};
})();
