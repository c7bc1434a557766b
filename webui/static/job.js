// A job's page: poll GET /api/jobs/<id> until the job ends; progress bar, metrics, and a chart of
// the loss and validation MRR per epoch (uPlot).
"use strict";
(() => {
  const box = document.getElementById("job");
  const id = box.dataset.job;
  const FINAL = ["succeeded", "failed", "cancelled"];
  const epochs = new Map();  // epoch -> {loss, valid_mrr}
  let chart = null;

  function remember(metrics) {
    if (metrics && metrics.epoch) {
      const seen = epochs.get(metrics.epoch) || {};
      epochs.set(metrics.epoch, {...seen, ...metrics});
    }
  }

  function draw() {
    const rows = [...epochs.entries()].sort((a, b) => a[0] - b[0]);
    if (!rows.length) return;
    const data = [rows.map(r => r[0]), rows.map(r => r[1].loss ?? null), rows.map(r => r[1].valid_mrr ?? null)];
    if (!chart) {
      chart = new uPlot({width: Math.min(900, box.clientWidth), height: 260,
                         scales: {x: {time: false}},
                         series: [{label: "epoch"}, {label: "loss", stroke: "#2458c6", scale: "loss"},
                                  {label: "valid MRR", stroke: "#b8560b", scale: "mrr"}],
                         axes: [{}, {scale: "loss"}, {scale: "mrr", side: 1}]},
                        data, document.getElementById("chart"));
    } else {
      chart.setData(data);
    }
  }

  function show(job) {
    const status = document.getElementById("job-status");
    status.textContent = job.status;
    status.className = job.status;
    document.getElementById("job-stage").textContent = job.progress.stage;
    document.getElementById("job-percent").textContent = job.progress.percent;
    document.getElementById("job-bar").style.width = job.progress.percent + "%";
    const metrics = job.status === "succeeded" ? job.metrics : job.progress.metrics;
    document.getElementById("job-metrics").textContent = Object.entries(metrics || {})
      .filter(([, v]) => typeof v === "number").map(([k, v]) => `${k} ${Number(v).toFixed(4)}`).join("  ");
    const error = document.getElementById("job-error");
    error.hidden = !job.error;
    error.textContent = job.error || "";
    remember(job.progress.metrics);
    draw();
    const cancel = document.getElementById("cancel-job");
    if (cancel) cancel.hidden = FINAL.includes(job.status);
    box.dataset.status = job.status;
  }

  async function history() {
    const response = await kg.api("GET", `/api/jobs/${encodeURIComponent(id)}/history`);
    if (response.ok) response.body.history.forEach(remember);
    draw();
  }

  async function poll() {
    const response = await kg.api("GET", `/api/jobs/${encodeURIComponent(id)}`);
    if (response.ok) show(response.body);
    if (!response.ok || !FINAL.includes(response.body.status)) {
      setTimeout(poll, 1000);
    } else {
      await history();  // every epoch, also those that ended between two polls
      box.dataset.charted = "yes";
    }
  }

  const cancel = document.getElementById("cancel-job");
  if (cancel) {
    cancel.addEventListener("click", async () => {
      const response = await kg.api("POST", `/api/jobs/${encodeURIComponent(id)}/cancel`);
      if (response.ok) show(response.body);
    });
  }
  poll();
})();
