// The study form: how many jobs the choices queue (methods x seeds x values of the varied option) and
// about how long they train, from the mean duration of the finished jobs of each method.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.launch");
  const preview = document.getElementById("study-preview");
  const means = JSON.parse(document.getElementById("study-mean-seconds").textContent);

  const duration = (seconds) => {
    const minutes = Math.round(seconds / 60);
    const hours = Math.floor(minutes / 60);
    if (hours === 0) return `${minutes} min`;
    return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  };

  const update = () => {
    const methods = [...form.querySelectorAll("input[name=methods]:checked")].map((box) => box.value);
    const seeds = Math.max(parseInt(form.elements.seeds.value, 10) || 0, 0);
    const varied = form.elements.vary_option.value
      ? form.elements.vary_values.value.split(",").filter((part) => part.trim()).length
      : 1;
    const jobs = methods.length * seeds * varied;
    const unknown = methods.filter((method) => means[method] == null);
    const seconds = methods.reduce((sum, method) => sum + (means[method] || 0), 0) * seeds * varied;
    let text = `This study queues ${jobs} job${jobs === 1 ? "" : "s"} (${methods.length} method${methods.length === 1 ? "" : "s"} × ${seeds} seed${seeds === 1 ? "" : "s"}${varied > 1 ? ` × ${varied} values` : ""}).`;
    if (jobs && unknown.length < methods.length) {
      text += ` About ${duration(seconds)} of training, one job after another, at the mean of the finished jobs of each method`;
      text += unknown.length ? ` (none of ${unknown.join(", ")} has finished yet: not counted).` : ".";
    } else if (jobs) {
      text += " No job of these methods has finished yet to estimate the time from.";
    }
    preview.textContent = text;
  };
  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
});
