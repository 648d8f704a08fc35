/* Feedback while something is on its way (CSP-safe: a file, no inline script; pages work without it).
 *
 * - HTMX actions: the element that asked gets .htmx-request (htmx) — the CSS shows a spinner and a
 *   thin bar at the top; here its target is marked aria-busy and its buttons are disabled so a
 *   second click does not send twice.
 * - Plain forms: on submit the button is disabled and reads as sending (data-sending), once.
 * - Forms with a file chosen: sent with XMLHttpRequest so a progress bar shows the upload; the
 *   answer replaces the page as a normal submit would. Any failure falls back to a normal submit.
 * - Download links (exports): a note says the file is being prepared.
 */
(function () {
  "use strict";
  var lang = (document.documentElement.lang || "en").toLowerCase();
  var zh = lang.indexOf("zh") === 0;
  var T = {
    sending: zh ? "正在发送…" : "Sending…",
    uploading: zh ? "正在上传附件" : "Uploading the files",
    preparing: zh ? "正在生成文件，完成后浏览器会自动保存。" : "The file is being prepared; your browser will save it when it is ready."
  };

  // After an upload the answer is written into this document and this file runs again; should the
  // browser keep the first run's listeners too, each event is still handled once.
  function once(fn) {
    return function (ev) {
      if (ev.__cluedeskBusy) { return; }
      ev.__cluedeskBusy = true;
      fn(ev);
    };
  }

  function buttons(form) { return form.querySelectorAll("button, input[type=submit]"); }

  function markSending(form, submitter) {
    form.classList.add("is-sending");
    form.setAttribute("aria-busy", "true");
    var b = submitter || form.querySelector("button[type=submit], button:not([type]), input[type=submit]");
    if (b && !b.dataset.label) { b.dataset.label = b.textContent; }
    // disable after the browser has taken the submitter's name/value into the request
    setTimeout(function () { buttons(form).forEach(function (x) { x.disabled = true; }); }, 0);
    // a form whose answer is a download leaves the page as it is: usable again after a while
    setTimeout(function () { reset(form); }, 15000);
  }

  function reset(form) {
    form.classList.remove("is-sending");
    form.removeAttribute("aria-busy");
    buttons(form).forEach(function (x) { x.disabled = false; });
  }

  function hasFiles(form) {
    var inputs = form.querySelectorAll("input[type=file]");
    for (var i = 0; i < inputs.length; i++) { if (inputs[i].files && inputs[i].files.length) { return true; } }
    return false;
  }

  function progressFor(form) {
    var box = document.createElement("div");
    box.className = "upload-progress";
    box.setAttribute("role", "status");
    var label = document.createElement("span");
    label.textContent = T.uploading;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.setAttribute("aria-label", T.uploading);
    box.appendChild(label);
    box.appendChild(bar);
    form.appendChild(box);
    return { box: box, bar: bar, label: label };
  }

  function sendWithProgress(form, submitter) {
    var data;
    try { data = submitter ? new FormData(form, submitter) : new FormData(form); } catch (e) { data = new FormData(form); }
    var ui = progressFor(form);
    var xhr = new XMLHttpRequest();
    xhr.open((form.getAttribute("method") || "post").toUpperCase(), form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var pct = Math.round(100 * e.loaded / e.total);
        ui.bar.value = pct;
        ui.label.textContent = T.uploading + " " + pct + "%";
      }
    });
    xhr.addEventListener("load", function () {
      var type = xhr.getResponseHeader("Content-Type") || "";
      if (type.indexOf("text/html") === -1) { form.submit(); return; }
      if (xhr.responseURL && xhr.responseURL !== location.href) { history.pushState(null, "", xhr.responseURL); }
      document.open();
      document.write(xhr.responseText);
      document.close();
    });
    xhr.addEventListener("error", function () { ui.box.remove(); form.submit(); });
    xhr.send(data);
  }

  document.addEventListener("submit", once(function (ev) {
    var form = ev.target;
    if (!(form instanceof HTMLFormElement) || ev.defaultPrevented) { return; }
    if (form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) { return; }  // htmx's own
    if (form.classList.contains("is-sending")) { ev.preventDefault(); return; }     // a second click
    var submitter = ev.submitter || null;
    markSending(form, submitter);
    if ((form.getAttribute("method") || "").toLowerCase() === "post" && hasFiles(form) && window.FormData) {
      ev.preventDefault();
      sendWithProgress(form, submitter);
    }
  }));

  // Coming back with the browser's Back button: the page may be restored as it was left, busy.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form.is-sending").forEach(reset);
  });

  document.addEventListener("click", once(function (ev) {
    var a = ev.target.closest ? ev.target.closest("a[href]") : null;
    if (!a) { return; }
    var href = a.getAttribute("href") || "";
    if (!/(\/export\/|\.xlsx|\.pdf|\.csv)(\?|$)/.test(href) && !/\/export\//.test(href)) { return; }
    var note = document.getElementById("download-note");
    if (!note) {
      note = document.createElement("div");
      note.id = "download-note";
      note.className = "download-note";
      note.setAttribute("role", "status");
      document.body.appendChild(note);
    }
    note.textContent = T.preparing;
    note.classList.add("shown");
    clearTimeout(note._t);
    note._t = setTimeout(function () { note.classList.remove("shown"); }, 8000);
  }));

  document.addEventListener("htmx:beforeRequest", once(function (ev) {
    var elt = ev.detail && ev.detail.elt;
    var target = ev.detail && ev.detail.target;
    if (target) { target.setAttribute("aria-busy", "true"); }
    if (elt && elt.tagName === "FORM" && elt.hasAttribute("hx-post")) {
      buttons(elt).forEach(function (x) { x.disabled = true; });
    }
  }));
  document.addEventListener("htmx:afterRequest", once(function (ev) {
    var elt = ev.detail && ev.detail.elt;
    var target = ev.detail && ev.detail.target;
    if (target) { target.removeAttribute("aria-busy"); }
    if (elt && elt.tagName === "FORM" && document.body.contains(elt)) {
      buttons(elt).forEach(function (x) { x.disabled = false; });
    }
  }));
})();
