// The dashboard's only script: buttons and forms call the JSON API's routes under
// /dashboard/api/... (the same handlers and scope checks as an API key's call) with the
// page's CSRF token, then show the answer. No other script is loaded.
"use strict";
(function () {
  const meta = (name) => document.querySelector(`meta[name="${name}"]`).content;
  const prefix = meta("api-prefix");
  const flash = (text, isError) => {
    const el = document.getElementById("flash");
    el.textContent = text;
    el.className = isError ? "error" : "ok";
    el.hidden = false;
  };

  async function send(method, path, body, reveal) {
    const init = { method, headers: { "X-CSRF-Token": meta("csrf-token") }, credentials: "same-origin" };
    if (body !== null && body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(prefix + path, init);
    } catch (err) {
      flash(`The server could not be reached: ${err}`, true);
      return;
    }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch (_) { data = null; }
    if (!response.ok) {
      const detail = data && (data.detail || data.title);
      let message = detail || `${response.status} ${response.statusText}`;
      if (data && Array.isArray(data.errors)) {
        message += " — " + data.errors.map((e) => `${e.path}: ${e.message}`).join("; ");
      }
      flash(message, true);
      return;
    }
    if (reveal && data && data[reveal]) {
      const box = document.getElementById("reveal");
      document.getElementById("reveal-value").textContent = data[reveal];
      box.hidden = false;
      document.getElementById("reveal-done").onclick = () => window.location.reload();
      return;
    }
    window.location.reload();
  }

  function formBody(form) {
    const body = {};
    for (const input of form.querySelectorAll("[name]")) {
      const kind = input.dataset.kind || "text";
      const name = input.name;
      if (kind === "multi") {
        body[name] = body[name] || [];
        if (input.checked) body[name].push(input.value);
      } else if (kind === "checkbox") {
        body[name] = input.checked;
      } else if (input.value === "") {
        continue;
      } else if (kind === "list") {
        body[name] = input.value.split(",").map((s) => s.trim()).filter(Boolean);
      } else if (kind === "number") {
        body[name] = Number(input.value);
      } else if (kind === "json") {
        try { body[name] = JSON.parse(input.value); } catch (_) { body[name] = input.value; }
      } else {
        body[name] = input.value;
      }
    }
    return body;
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.action");
    if (!button) return;
    if (button.dataset.confirm && !window.confirm(button.dataset.confirm)) return;
    const body = button.dataset.body ? JSON.parse(button.dataset.body) : null;
    send(button.dataset.method, button.dataset.path, body, button.dataset.reveal);
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form.api");
    if (!form) return;
    event.preventDefault();
    if (form.dataset.confirm && !window.confirm(form.dataset.confirm)) return;
    send(form.dataset.method, form.dataset.path, formBody(form), form.dataset.reveal);
  });
})();
