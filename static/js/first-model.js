// While no model is active, the checker page polls /first-model and shows what is happening: the message,
// the stages (done, under way, to come) and the progress. The form takes a comment meanwhile
// (checker.js keeps it as pending); once a model answers, a pending comment is checked at once, and
// otherwise the page reloads to name the model.
document.addEventListener("DOMContentLoaded", () => {
  const [box, message, stages, bar, form] = ["first-model", "first-model-message", "first-model-stages",
    "first-model-progress", "check-form"].map((id) => document.getElementById(id));
  const showStages = (list) => {
    stages.replaceChildren(...list.map((stage) => {
      const item = document.createElement("li");
      item.dataset.state = stage.state;
      if (stage.state === "current") item.setAttribute("aria-current", "step");
      item.textContent = stage.name;
      return item;
    }));
  };
  const ready = () => {
    if (form.dataset.pending !== "1") {
      window.location.reload();
      return;
    }
    form.dataset.noModel = "0";
    form.dataset.modelLoaded = "0";
    form.querySelector("button[type=submit]:not([name])").textContent = "Check comment";
    box.hidden = true;
    form.requestSubmit();
  };
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.url, { credentials: "same-origin" });
      const status = await response.json();
      if (status.ready) {
        ready();
        return;
      }
      box.dataset.state = status.state;
      message.textContent = status.message;
      showStages(status.stages);
      bar.value = status.progress;
    } catch (error) {
      // the server restarting: keep the last message and ask again
    }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
});
