// DeepMeme's few behaviours, vanilla JS: progress polling, likes without reload,
// upload preview, copy-to-clipboard, confirm dialogs and the font-size readout.
"use strict";

function csrfToken(form) {
  const input = (form || document).querySelector("input[name=csrfmiddlewaretoken]");
  return input ? input.value : "";
}

// The step list under the spinner: every step before the current stage is done, the current one is
// highlighted. A stage that isn't a listed step (waiting, opening the photo) marks none.
function showStep(stageText) {
  const steps = Array.from(document.querySelectorAll("#progress-steps li"));
  const current = steps.findIndex((li) => li.dataset.stage === stageText);
  if (current < 0) return;
  steps.forEach((li, i) => {
    li.classList.toggle("done", i < current);
    li.classList.toggle("current", i === current);
    if (i === current) li.setAttribute("aria-current", "step"); else li.removeAttribute("aria-current");
  });
}

function pollProgress(panel) {
  const url = panel.dataset.statusUrl;
  const stage = document.getElementById("stage");
  if (stage) showStep(stage.textContent);
  let delay = 300;
  async function tick() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.ok) {
        const data = await response.json();
        if (stage && data.stage) { stage.textContent = data.stage; showStep(data.stage); }
        if (data.finished) { window.location.reload(); return; }
      }
    } catch (err) { /* network blip: keep polling */ }
    delay = Math.min(delay * 1.2, 2000);  // quick at first, so each stage is seen as it happens
    setTimeout(tick, delay);
  }
  setTimeout(tick, delay);
}

function wireLike(form) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const button = form.querySelector("button");
    button.disabled = true;
    try {
      const response = await fetch(form.action, {
        method: "POST",
        headers: { Accept: "application/json", "X-CSRFToken": csrfToken(form) },
      });
      if (!response.ok) throw new Error(response.statusText);
      const data = await response.json();
      document.getElementById("like-count").textContent = data.like_count;
      button.classList.toggle("liked", data.liked);
      button.setAttribute("aria-pressed", String(data.liked));
    } catch (err) {
      form.submit();
    } finally {
      button.disabled = false;
    }
  });
}

function wireUpload(form) {
  const input = form.querySelector("input[type=file]");
  const preview = document.getElementById("drop-preview");
  const text = document.getElementById("drop-text");
  const drop = form.querySelector(".drop");
  input.addEventListener("change", () => {
    const file = input.files && input.files[0];
    // Refuse a file over the server's limit here, before the upload starts (data-max-bytes).
    const tooLarge = file && input.dataset.maxBytes && file.size > Number(input.dataset.maxBytes);
    input.setCustomValidity(tooLarge ? input.dataset.maxMessage : "");
    if (tooLarge) {
      preview.hidden = true;
      text.innerHTML = '<strong class="form-error" role="alert"></strong>';
      text.querySelector("strong").textContent = input.dataset.maxMessage;
      input.reportValidity();
      return;
    }
    if (!file) return;
    if (file.type.startsWith("image/")) {
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
    }
    text.innerHTML = "<strong></strong>";
    text.querySelector("strong").textContent = file.name;
  });
  ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, () => drop.classList.add("over")));
  ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, () => drop.classList.remove("over")));
  form.addEventListener("submit", (event) => {
    // The form is novalidate (the server words the other errors); only the size stops it here.
    if (input.validity.customError) {
      event.preventDefault();
      input.reportValidity();
      return;
    }
    const button = document.getElementById("upload-submit");
    button.disabled = true;
    button.textContent = "Uploading…";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  const panel = document.getElementById("progress");
  if (panel && panel.dataset.status !== "failed") pollProgress(panel);

  document.querySelectorAll(".like-form").forEach(wireLike);
  const upload = document.getElementById("upload-form");
  if (upload) wireUpload(upload);

  document.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", async () => {
      try { await navigator.clipboard.writeText(button.dataset.copy); button.textContent = "Link copied"; }
      catch (err) { window.prompt("Copy this link:", button.dataset.copy); }
    });
  });
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => { if (!window.confirm(form.dataset.confirm)) event.preventDefault(); });
  });
  const size = document.getElementById("id_font_size");
  const out = document.getElementById("font-size-out");
  if (size && out) size.addEventListener("input", () => { out.textContent = size.value + "%"; });
  const edit = document.getElementById("edit-form");
  if (edit) edit.addEventListener("submit", () => { const b = document.getElementById("save-edit"); b.disabled = true; b.textContent = "Rendering…"; });
  // Slow forms ("Write another" runs the caption model): one press, and say that it is working.
  document.querySelectorAll("form[data-busy-text]").forEach((form) => {
    form.addEventListener("submit", () => {
      const button = form.querySelector("button[type=submit]");
      if (!button) return;
      button.disabled = true;
      button.textContent = form.dataset.busyText;
      form.setAttribute("aria-busy", "true");
    });
  });
});
