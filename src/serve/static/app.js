// authpack interview: refreshes each field's problems and the reading as the
// user types, through the same check the server runs on every submit. The page
// works without this script (every button submits the form).
"use strict";
(function () {
  const form = document.getElementById("interview");
  const reading = document.getElementById("reading");
  if (!form || !reading) return;
  let timer = null;
  let inFlight = null;
  function refresh() {
    const data = new URLSearchParams(new FormData(form));
    data.delete("op");
    if (inFlight) inFlight.abort();
    inFlight = new AbortController();
    fetch("/live", {
      method: "POST",
      body: data,
      credentials: "same-origin",
      signal: inFlight.signal,
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
    })
      .then((r) => (r.ok ? r.json() : null))
      .then((body) => {
        if (!body) return;
        for (const p of form.querySelectorAll("p.problem")) {
          const html = body.problems[p.id] || "";
          if (p.innerHTML !== html) p.innerHTML = html;
          const input = document.getElementById("f-" + p.id.slice(2));
          if (input) {
            if (body.invalid.includes(input.id)) input.setAttribute("aria-invalid", "true");
            else input.removeAttribute("aria-invalid");
          }
        }
        reading.innerHTML = body.panel;
        document.body.dataset.live = String(Number(document.body.dataset.live || "0") + 1);
      })
      .catch(() => {});
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
})();
