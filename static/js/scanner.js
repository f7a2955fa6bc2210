// The door-staff scanner. Badge codes arrive from a hardware scanner (types + Enter), the camera
// (BarcodeDetector where the browser has it, the vendored jsQR otherwise) or the keyboard.
// Every scan gets a nonce; without a connection scans wait in localStorage and are sent, with
// their nonces, when it returns — the server settles duplicates.
(function () {
  var root = document.getElementById("scanner");
  if (!root) return;
  var api = root.dataset.api, csrf = root.dataset.csrf;
  var queueKey = "eventops-scan-queue:" + root.dataset.event;
  var gateSelect = document.getElementById("gate");
  var codeInput = document.getElementById("code");
  var result = document.getElementById("result");
  var lastCode = null, lastAt = 0;

  var savedGate = localStorage.getItem("eventops-gate:" + root.dataset.event);
  if (savedGate && gateSelect.querySelector('option[value="' + savedGate + '"]')) gateSelect.value = savedGate;
  gateSelect.addEventListener("change", function () {
    localStorage.setItem("eventops-gate:" + root.dataset.event, gateSelect.value);
    refreshCounts();
  });

  function nonce() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var audio = null;
  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = { ok: [[880, 0.12]], warn: [[520, 0.15], [520, 0.15]], bad: [[220, 0.45]] }[kind];
      var t = audio.currentTime;
      tones.forEach(function (tone) {
        var osc = audio.createOscillator(), gain = audio.createGain();
        osc.frequency.value = tone[0]; osc.type = kind === "bad" ? "square" : "sine";
        gain.gain.value = 0.25; osc.connect(gain); gain.connect(audio.destination);
        osc.start(t); osc.stop(t + tone[1]); t += tone[1] + 0.08;
      });
      if (navigator.vibrate) navigator.vibrate(kind === "ok" ? 80 : [200, 100, 200]);
    } catch (e) { /* no sound available */ }
  }

  function show(kind, title, name, detail) {
    result.className = "result " + kind;
    document.getElementById("result-title").textContent = title;
    document.getElementById("result-name").textContent = name || "";
    document.getElementById("result-detail").textContent = detail || "";
  }

  function render(body) {
    var a = body.attendee || {};
    var detail = [a.organisation, a.category_label].filter(Boolean).join(" · ");
    if (body.status === "ok") {
      show(a.vip ? "ok vip" : "ok", body.message + (a.vip ? " · VIP" : ""), a.name, detail);
      beep("ok");
    } else if (body.status === "already_checked_in") {
      var prev = body.previous ? body.previous.at + " · " + body.previous.gate : "";
      show("warn", body.message, a.name, [detail, prev].filter(Boolean).join(" — "));
      beep("warn");
    } else {
      show("bad", body.message, a.name || "", detail);
      beep("bad");
    }
    refreshCounts();
  }

  function queue() { try { return JSON.parse(localStorage.getItem(queueKey) || "[]"); } catch (e) { return []; } }
  function saveQueue(items) {
    localStorage.setItem(queueKey, JSON.stringify(items));
    var el = document.getElementById("queue");
    el.hidden = items.length === 0;
    el.textContent = items.length + " " + root.dataset.msgQueue;
  }

  function post(scan) {
    return fetch(api, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(scan)
    }).then(function (response) {
      return response.json().then(function (body) { return { http: response.status, body: body }; });
    });
  }

  function submit(scan) {
    if (!scan.gate) { show("bad", root.dataset.msgGate, "", ""); beep("bad"); return; }
    post(scan).then(function (answer) {
      if (answer.body && answer.body.status) render(answer.body);
      else { show("bad", answer.body.message || root.dataset.msgError, "", ""); beep("bad"); }
    }).catch(function () {
      var items = queue(); items.push(scan); saveQueue(items);
      show("queued", root.dataset.msgQueued, "", "");
      beep("warn");
    });
  }

  var flushing = false;
  function flush() {
    var items = queue();
    if (flushing || !items.length) return;
    flushing = true;
    post(items[0]).then(function () {
      saveQueue(queue().slice(1));  // answered (whatever the status): the server has settled it
      flushing = false;
      flush();
    }).catch(function () { flushing = false; });
  }
  window.addEventListener("online", flush);
  setInterval(flush, 5000);
  saveQueue(queue());
  flush();

  function scanCode(code) {
    code = (code || "").trim();
    if (!code) return;
    var now = Date.now();
    if (code === lastCode && now - lastAt < 2500) return;  // the camera sees one badge many times
    lastCode = code; lastAt = now;
    submit({ code: code, gate: gateSelect.value, nonce: nonce() });
  }

  document.getElementById("manual").addEventListener("submit", function (event) {
    event.preventDefault();
    var code = codeInput.value;
    codeInput.value = "";
    lastCode = null;
    scanCode(code);
    codeInput.focus();
  });

  // camera
  var video = document.getElementById("video"), canvas = document.getElementById("frame");
  var stream = null, detector = null;
  document.getElementById("camera-toggle").addEventListener("click", function () {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; video.hidden = true; return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s; video.srcObject = s; video.hidden = false; video.play();
      if ("BarcodeDetector" in window) detector = new BarcodeDetector({ formats: ["qr_code"] });
      requestAnimationFrame(tick);
    }).catch(function () { show("bad", root.dataset.msgError, "", ""); });
  });

  function tick() {
    if (!stream) return;
    if (video.readyState === video.HAVE_ENOUGH_DATA) {
      if (detector) {
        detector.detect(video).then(function (codes) { if (codes.length) scanCode(codes[0].rawValue); });
      } else if (window.jsQR) {
        canvas.width = video.videoWidth; canvas.height = video.videoHeight;
        var ctx = canvas.getContext("2d");
        ctx.drawImage(video, 0, 0);
        var found = jsQR(ctx.getImageData(0, 0, canvas.width, canvas.height).data, canvas.width, canvas.height);
        if (found) scanCode(found.data);
      }
    }
    setTimeout(function () { requestAnimationFrame(tick); }, 120);
  }

  // search fallback
  var searchInput = document.getElementById("search"), timer = null;
  searchInput.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      fetch(root.dataset.search + "?q=" + encodeURIComponent(searchInput.value), { credentials: "same-origin" })
        .then(function (r) { return r.json(); }).then(function (data) {
          var list = document.getElementById("search-results");
          while (list.firstChild) list.removeChild(list.firstChild);
          (data.results || []).forEach(function (person) {
            var li = document.createElement("li");
            var text = document.createElement("span");
            text.textContent = person.name + " · " + person.organisation + " · " + person.category_label + " · " + person.status_label +
              (person.checked_in ? " · " + root.dataset.msgChecked : "");
            li.appendChild(text);
            var button = document.createElement("button");
            button.type = "button"; button.className = "small"; button.textContent = root.dataset.msgCheckin;
            button.addEventListener("click", function () {
              submit({ registration_id: person.id, gate: gateSelect.value, nonce: nonce() });
            });
            li.appendChild(button);
            list.appendChild(li);
          });
        });
    }, 250);
  });

  function refreshCounts() {
    fetch(root.dataset.gates, { credentials: "same-origin" }).then(function (r) { return r.json(); }).then(function (data) {
      var gate = (data.gates || []).filter(function (g) { return String(g.id) === gateSelect.value; })[0];
      document.getElementById("gate-count").textContent =
        (gate ? gate.checked_in + " @ " + gate.name + " · " : "") + data.total + " / " + data.expected;
    }).catch(function () {});
  }
  refreshCounts();
})();
