// The "thử trả lời" chat of a template preview: the real engine on a throw-away
// answer set held by the server for this page only; closed when the page is left.
(function () {
  const box = document.getElementById("trial");
  if (!box) { return; }
  const csrf = box.dataset.csrf;
  const log = document.getElementById("trial-log");
  const form = document.getElementById("trial-form");
  const input = document.getElementById("trial-text");
  const start = document.getElementById("trial-start");
  let trial = null;

  function post(url, fields) {
    const body = new URLSearchParams(Object.assign({ csrf: csrf }, fields));
    return fetch(url, { method: "POST", body: body, credentials: "same-origin" })
      .then((r) => r.json().then((data) => ({ ok: r.ok, data: data })));
  }

  function line(who, text) {
    const item = document.createElement("li");
    item.className = who;
    item.textContent = text;
    log.appendChild(item);
    return item;
  }

  function show(result) {
    if (!result.ok) { line("error", result.data.error || "Có lỗi, Anh/Chị thử lại."); return; }
    (result.data.messages || []).forEach((m) => {
      const item = line("bot", m.text);
      (m.buttons || []).forEach((row) => {
        const p = document.createElement("p");
        row.forEach((b) => {
          const button = document.createElement("button");
          button.type = "button";
          button.textContent = b.label;
          button.addEventListener("click", () => say({ callback: b.data }, b.label));
          p.appendChild(button);
        });
        item.appendChild(p);
      });
    });
    log.scrollTop = log.scrollHeight;
  }

  function say(fields, shown) {
    if (!trial) { return; }
    line("me", shown);
    post("/admin/templates/trial/" + trial, fields).then(show);
  }

  start.addEventListener("click", () => {
    if (trial) { post("/admin/templates/trial/" + trial + "/close", {}); }
    log.textContent = "";
    const which = box.dataset.draft ? { draft: box.dataset.draft } : { template: box.dataset.template };
    post("/admin/templates/trial", which).then((result) => {
      if (result.ok) { trial = result.data.trial; form.hidden = false; input.focus(); }
      show(result);
    });
  });

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) { return; }
    input.value = "";
    say({ text: text }, text);
  });

  window.addEventListener("pagehide", () => {
    if (trial) {
      navigator.sendBeacon("/admin/templates/trial/" + trial + "/close",
                           new URLSearchParams({ csrf: csrf }));
      trial = null;
    }
  });
})();
