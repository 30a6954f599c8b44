// Web chat client: plain DOM; message text is set with textContent only.
(function () {
  "use strict";

  var STORAGE_KEY = "baocao.session";
  var list = document.getElementById("messages");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var sendButton = document.getElementById("send");
  var statusLine = document.getElementById("status");
  var newSession = document.getElementById("new-session");
  var busy = false;
  var queue = [];

  function randomHex(bytes) {
    var buf = new Uint8Array(bytes);
    window.crypto.getRandomValues(buf);
    var out = "";
    for (var i = 0; i < buf.length; i++) {
      out += (buf[i] < 16 ? "0" : "") + buf[i].toString(16);
    }
    return out;
  }

  function storedSession() {
    try {
      var value = window.localStorage.getItem(STORAGE_KEY);
      return value && /^[A-Za-z0-9_-]{16,64}$/.test(value) ? value : null;
    } catch (e) {
      return null;
    }
  }

  function createSession() {
    var value = randomHex(16); // 128 bits
    try { window.localStorage.setItem(STORAGE_KEY, value); } catch (e) { /* private mode */ }
    return value;
  }

  var session = storedSession();
  var returning = session !== null;
  if (!session) { session = createSession(); }

  function scrollToEnd() {
    var main = list.parentElement;
    main.scrollTop = main.scrollHeight;
  }

  function addBubble(kind, text) {
    var item = document.createElement("li");
    item.className = "msg " + kind;
    var bubble = document.createElement("div");
    bubble.className = "bubble";
    bubble.textContent = text;
    item.appendChild(bubble);
    list.appendChild(item);
    scrollToEnd();
    return item;
  }

  function disableOldButtons() {
    var old = list.querySelectorAll(".buttons button");
    for (var i = 0; i < old.length; i++) { old[i].disabled = true; }
  }

  function renderMessage(message) {
    var item = addBubble("bot", message.text || "");
    var rows = message.buttons || [];
    if (rows.length) {
      var group = document.createElement("div");
      group.className = "buttons";
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", "Lựa chọn");
      rows.forEach(function (row) {
        var rowEl = document.createElement("div");
        rowEl.className = "row";
        row.forEach(function (button) {
          var el = document.createElement("button");
          el.type = "button";
          el.textContent = button.label;
          el.setAttribute("data-callback", button.data);
          el.addEventListener("click", function () {
            if (el.disabled) { return; }
            send({ callback: button.data }, button.label);
          });
          rowEl.appendChild(el);
        });
        group.appendChild(rowEl);
      });
      item.appendChild(group);
    }
    if (message.document) {
      var doc = document.createElement("div");
      doc.className = "document";
      var link = document.createElement("a");
      link.href = message.document.url;
      link.setAttribute("download", message.document.filename || "");
      link.textContent = "Tải báo cáo (DOCX)";
      link.title = message.document.filename || "";
      doc.appendChild(link);
      if (message.document.pdf_url) {
        var pdf = document.createElement("a");
        pdf.href = message.document.pdf_url;
        pdf.setAttribute("download", "");
        pdf.textContent = "Tải PDF để ký số";
        pdf.title = "PDF có sẵn ô chữ ký số; ký xong gửi lại bằng nút \"Gửi bản đã ký số\"";
        doc.appendChild(document.createTextNode(" · "));
        doc.appendChild(pdf);
      }
      item.appendChild(doc);
    }
    scrollToEnd();
  }

  function setBusy(value) {
    busy = value;
    sendButton.disabled = value;
    statusLine.textContent = value ? "Đang gửi…" : "";
  }

  function send(payload, echo) {
    queue.push({ payload: payload, echo: echo });
    if (!busy) { drain(); }
  }

  function drain() {
    var next = queue.shift();
    if (!next) { return; }
    if (next.echo) { addBubble("user", next.echo); }
    var body = { session: session, message_id: randomHex(12) };
    if (next.payload.callback) { body.callback = next.payload.callback; }
    else { body.text = next.payload.text; }
    setBusy(true);
    fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (data) {
        if (!response.ok) {
          throw new Error(data.error || "Không gửi được tin nhắn (mã " + response.status + ").");
        }
        return data;
      });
    }).then(function (data) {
      var messages = data.messages || [];
      if (messages.length) { disableOldButtons(); }
      messages.forEach(renderMessage);
    }).catch(function (error) {
      var text = error && error.message && !/fetch|network/i.test(error.message)
        ? error.message
        : "Mất kết nối tới máy chủ. Anh/Chị vui lòng thử lại.";
      addBubble("error", text);
    }).then(function () {
      setBusy(false);
      if (queue.length) { drain(); } else { input.focus(); }
    });
  }

  // A signed report PDF goes back as the request body; the bot answers as in the chat.
  var signedInput = document.getElementById("signed-file");
  signedInput.addEventListener("change", function () {
    var file = signedInput.files && signedInput.files[0];
    signedInput.value = "";
    if (!file) { return; }
    addBubble("user", "Gửi tệp: " + file.name);
    setBusy(true);
    fetch("/api/chat/signed-pdf?session=" + encodeURIComponent(session), {
      method: "POST",
      headers: { "Content-Type": "application/pdf" },
      body: file,
      credentials: "same-origin"
    }).then(function (response) {
      return response.json().catch(function () { return {}; });
    }).then(function (data) {
      var messages = data.messages || [];
      if (!messages.length && data.error) { messages = [{ text: data.error }]; }
      messages.forEach(renderMessage);
    }).catch(function () {
      addBubble("error", "Mất kết nối tới máy chủ. Anh/Chị vui lòng thử lại.");
    }).then(function () { setBusy(false); });
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = input.value;
    if (!text.trim()) { return; }
    input.value = "";
    autosize();
    send({ text: text }, text);
  });

  input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });

  function autosize() {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 160) + "px";
  }
  input.addEventListener("input", autosize);

  newSession.addEventListener("click", function () {
    if (!window.confirm("Bắt đầu phiên mới? Anh/Chị sẽ cần nhập lại mã mời.")) { return; }
    session = createSession();
    list.textContent = "";
    send({ text: "/start" }, null);
  });

  // A returning session (this tab reloaded, or another tab of the same browser)
  // is shown the question it was at; a new one gets the greeting and is asked
  // for an invite code.
  // A printed invitation links to /chat?start=<code>: the code is sent with /start
  // (then removed from the address bar so a reload does not send it again).
  var invite = new URLSearchParams(window.location.search).get("start");
  if (invite) { window.history.replaceState(null, "", window.location.pathname); }
  if (invite && /^[A-Za-z0-9-]{4,64}$/.test(invite)) {
    send({ text: "/start " + invite }, null);
  } else {
    send(returning ? { callback: "cmd:continue" } : { text: "/start" }, null);
  }
  input.focus();

  // Reminders and notices for this session wait on the server until asked for.
  function pollInbox() {
    if (busy || document.hidden) { return; }
    fetch("/api/chat/inbox", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ session: session }),
      credentials: "same-origin"
    }).then(function (response) {
      return response.ok ? response.json() : { messages: [] };
    }).then(function (data) {
      var messages = data.messages || [];
      if (messages.length) { disableOldButtons(); }
      messages.forEach(renderMessage);
    }).catch(function () { /* offline: try again at the next tick */ });
  }
  window.setInterval(pollInbox, 30000);
  document.addEventListener("visibilitychange", pollInbox);
})();
