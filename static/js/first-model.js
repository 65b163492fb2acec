// While no model is active, the checker page polls /first-model and shows what is happening; once a
// model answers it reloads, which enables the form (disabled until then) and names the model.
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("first-model");
  const message = document.getElementById("first-model-message");
  const bar = document.getElementById("first-model-progress");
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.url, { credentials: "same-origin" });
      const status = await response.json();
      if (status.ready) {
        window.location.reload();
        return;
      }
      box.dataset.state = status.state;
      message.textContent = status.message;
      bar.value = status.progress;
    } catch (error) {
      // the server restarting: keep the last message and ask again
    }
    setTimeout(poll, 2000);
  };
  setTimeout(poll, 2000);
});
