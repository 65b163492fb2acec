// The job page: draw the loss history that the server rendered into the page, then extend it with
// the events of /ws/jobs/<id>/ (reconnecting while the job is active). Every point is keyed by its
// step, so a snapshot that overlaps what is drawn adds nothing twice. The chart has one series for
// the total loss and one for each key of the points' `components`: a new loss term needs no change here.
"use strict";

const ACTIVE = new Set(["waiting", "queued", "running"]);

function formatSeconds(value) {
  if (value === null || value === undefined) return "";
  const total = Math.max(0, Math.round(value));
  const hours = Math.floor(total / 3600), minutes = Math.floor((total % 3600) / 60), seconds = total % 60;
  const pad = (n) => String(n).padStart(2, "0");
  if (hours) return `${hours} h ${pad(minutes)} min`;
  if (minutes) return `${minutes} min ${pad(seconds)} s`;
  return `${seconds} s`;
}

function readJson(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

class LossChart {
  constructor(canvas, points, terms, jobId) {
    this.canvas = canvas;
    this.color = runColour(jobId);  // the run's colour on every page; terms differ by dash (run-colours.js)
    this.terms = terms;
    this.series = new Map();  // "loss" or a term -> its Chart.js dataset, created when its first value comes
    this.lastStep = 0;
    this.count = 0;
    this.chart = new Chart(canvas, {
      type: "line",
      data: { datasets: [] },
      options: {
        animation: false, parsing: false, normalized: true, maintainAspectRatio: false,
        interaction: { mode: "nearest", axis: "x", intersect: false },
        scales: { x: { type: "linear", title: { display: true, text: "step" } },
                  y: { title: { display: true, text: "loss" } } },
      },
    });
    this.add(points);
  }

  dataset(key) {
    if (!this.series.has(key)) {
      const total = key === "loss";
      const dataset = { label: termLabel(key, this.terms), data: [], borderColor: this.color,
                        backgroundColor: this.color, borderDash: termDash(key, this.terms),
                        borderWidth: total ? 2.5 : 1.5, pointRadius: 0 };
      this.series.set(key, dataset);
      this.chart.data.datasets.push(dataset);
    }
    return this.series.get(key).data;
  }

  add(points) {
    const fresh = points.filter((p) => p.step > this.lastStep).sort((a, b) => a.step - b.step);
    if (!fresh.length) return;
    for (const point of fresh) {
      this.dataset("loss").push({ x: point.step, y: point.loss });
      const components = point.components || {};
      for (const term of orderTerms(Object.keys(components), this.terms)) {
        if (components[term] !== null && components[term] !== undefined) {
          this.dataset(term).push({ x: point.step, y: components[term] });
        }
      }
    }
    this.lastStep = fresh[fresh.length - 1].step;
    this.count += fresh.length;
    this.chart.update("none");
    this.canvas.dataset.points = String(this.count);
    document.dispatchEvent(new CustomEvent("job:points", { detail: { steps: fresh.map((p) => p.step) } }));
  }
}

class JobPage {
  constructor(root) {
    this.root = root;
    this.jobId = root.dataset.jobId;
    this.status = root.dataset.status;
    this.chart = new LossChart(document.getElementById("loss-chart"), readJson("points-data"), readJson("loss-terms"), this.jobId);
    this.evaluations = readJson("evaluations-data");
    this.logIds = new Set(readJson("log-ids"));
    this.retryDelay = 500;
    this.renderEvaluations();
    const duration = document.getElementById("job-duration");
    this.started = duration.dataset.started ? new Date(duration.dataset.started) : null;
    this.ticker = setInterval(() => this.tick(), 1000);
    if (ACTIVE.has(this.status)) this.connect();
  }

  // The duration of a running job counts up live from its start.
  tick() {
    if (this.status !== "running" || !this.started) return;
    document.getElementById("job-duration").textContent = formatSeconds((Date.now() - this.started) / 1000);
  }

  connect() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}/ws/jobs/${this.jobId}/?after=${this.chart.lastStep}`);
    this.setLive("connecting…");
    socket.onopen = () => { this.retryDelay = 500; this.setLive("live"); };
    socket.onmessage = (message) => this.apply(JSON.parse(message.data));
    socket.onclose = () => {
      if (!ACTIVE.has(this.status)) { this.setLive(""); return; }
      this.setLive("reconnecting…");
      setTimeout(() => this.connect(), this.retryDelay);
      this.retryDelay = Math.min(this.retryDelay * 2, 10000);
    };
    this.socket = socket;
  }

  setLive(text) {
    document.getElementById("live-state").textContent = text;
  }

  apply(data) {
    if (data.points) this.chart.add(data.points);
    if (data.evaluations && data.evaluations.length) {
      this.evaluations = data.snapshot ? data.evaluations : this.evaluations.concat(data.evaluations);
      this.renderEvaluations();
    }
    if (data.log) data.log.forEach((entry) => this.addLog(entry));
    if (data.job) this.updateJob(data.job);
  }

  updateJob(job) {
    const was = this.status;
    if (job.status) {
      this.status = job.status;
      const badge = document.getElementById("job-status");
      badge.textContent = job.status + (job.cancel_requested && job.status === "running" ? " (stopping)" : "");
      badge.className = `badge ${job.status}`;
      if (was !== job.status) document.querySelectorAll("ul.messages").forEach((flash) => flash.remove());  // stale now
    }
    if (job.started) {
      this.started = new Date(job.started);
      document.getElementById("job-started").textContent = job.started.slice(0, 19).replace("T", " ");
    }
    if (job.progress !== undefined) document.getElementById("job-progress").value = job.progress;
    if (job.step !== undefined) document.getElementById("job-step").textContent = `${job.step}/${job.total_steps ?? "?"}`;
    if (job.eta_s !== undefined) document.getElementById("job-eta").textContent = this.status === "running" ? formatSeconds(job.eta_s) : "";
    const position = this.status === "queued" ? job.queue_position : null;
    if (position !== undefined) document.getElementById("job-position").textContent = position ?? "";
    for (const key of ["worker", "device", "attempts"]) {
      if (job[key] !== undefined) document.getElementById(`job-${key}`).textContent = job[key];
    }
    if (job.error !== undefined) {
      const error = document.getElementById("job-error");
      error.textContent = job.error;
      error.hidden = !job.error;
    }
    for (const action of ["cancel", "retry", "promote"]) {
      if (job[`can_${action}`] !== undefined) {
        const form = this.root.querySelector(`form[data-action=${action}]`);  // absent: not permitted
        if (form) form.hidden = !job[`can_${action}`];
      }
    }
    if (ACTIVE.has(was) && !ACTIVE.has(this.status)) {
      this.socket?.close();
      setTimeout(() => location.reload(), 1500);  // the final metrics are drawn by the server
    }
  }

  addLog(entry) {
    if (this.logIds.has(entry.id)) return;
    this.logIds.add(entry.id);
    const item = document.createElement("li");
    item.className = entry.level;
    item.dataset.id = entry.id;
    const time = document.createElement("time");
    time.textContent = entry.time.slice(0, 19).replace("T", " ");
    item.append(time, document.createTextNode(entry.message));
    document.getElementById("job-log").append(item);
  }

  renderEvaluations() {
    const body = document.querySelector("#evaluations tbody");
    const fmt = (v) => (v === null || v === undefined ? "—" : Number(v).toFixed(4));
    if (!this.evaluations.length) {
      body.innerHTML = '<tr><td colspan="8" class="muted">none yet: the model is evaluated after each epoch</td></tr>';
      return;
    }
    body.replaceChildren(...this.evaluations.map((e) => {
      const row = document.createElement("tr");
      const cells = [e.final ? `${e.split} (final)` : e.split, e.step, Number(e.epoch).toFixed(2), fmt(e.metrics.accuracy),
                     fmt(e.metrics.precision), fmt(e.metrics.recall), fmt(e.metrics.f1), fmt(e.metrics.roc_auc)];
      cells.forEach((value, i) => {
        const cell = document.createElement("td");
        if (i > 0) cell.className = "num";
        cell.textContent = value;
        row.append(cell);
      });
      return row;
    }));
  }
}

document.addEventListener("DOMContentLoaded", () => {
  const root = document.getElementById("job");
  if (root) new JobPage(root);
});

// Cancel asks first. Without JS the POST answers a confirmation page; with JS the same page's form opens
// in a dialog instead. (Promote leads to the model's page, which shows the gate's comparison first.)
document.addEventListener("submit", async (event) => {
  const form = event.target;
  if (!form.matches("form[data-action=cancel]")) return;
  event.preventDefault();
  const response = await fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin" });
  const page = new DOMParser().parseFromString(await response.text(), "text/html");
  const question = page.getElementById("confirm-form");
  if (!question) { form.submit(); return; }  // not a confirmation: let the server's page answer
  const dialog = document.getElementById("confirm-dialog");
  dialog.replaceChildren(page.querySelector("h1"), question);
  dialog.querySelector("a").addEventListener("click", (click) => { click.preventDefault(); dialog.close(); });
  dialog.showModal();
});
