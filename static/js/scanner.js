// The door-staff scanner. Badge codes arrive from a hardware scanner (types + Enter), the camera
// (BarcodeDetector where the browser has it, the vendored jsQR otherwise) or the keyboard.
//
// Every scan gets a nonce and the moment it was scanned, and is written to the queue in IndexedDB
// (scanner-store.js) before it is sent. It leaves the queue only when the server gives a verdict
// (ok, already_checked_in, invalid, ...: the statuses of eventops/checkin/statuses.py); a network
// error, 401, 403, 408, 413, 429 or 5xx keeps it, and it is sent again with backoff, with the same
// nonce (the server settles duplicates). A 401 asks to sign in again; the queue survives the login.
//
// Without a verdict the scan gets a provisional one from the gate pack (keyed hashes of the event's
// badge codes with status and name, refreshed every minute): green, amber for a code this device
// already admitted, red for replaced, cancelled, unconfirmed or unknown badges, marked as offline.
// When the server's verdict arrives and differs, the scan goes to "needs attention" until someone
// acknowledges it. The service worker (scanner-sw.js) keeps this page for a reload without network.
(function () {
  "use strict";
  var root = document.getElementById("scanner");
  if (!root) return;
  var D = root.dataset, EVENT = D.event, store = window.ScannerStore;
  var MESSAGES = JSON.parse(D.messages || "{}");
  var VERDICTS = { ok: 1, already_checked_in: 1, invalid: 1, revoked: 1, cancelled: 1, not_approved: 1,
                   wrong_event: 1, nonce_conflict: 1, not_open: 1 };
  var KIND = { ok: "ok", already_checked_in: "warn", not_open: "warn" };  // everything else is red
  // i: checked in when the pack was read (here or at another gate): amber, as the server would say
  var PACK_STATUS = { a: "ok", i: "already_checked_in", p: "not_approved", c: "cancelled", r: "revoked" };
  var TIMEOUT = 8000, PACK_EVERY = 60000;
  var gateSelect = document.getElementById("gate"), codeInput = document.getElementById("code");
  var result = document.getElementById("result");
  var csrf = D.csrf, signedOut = false, lastCode = null, lastAt = 0;
  var inflight = {}, pack = null, packKey = null;

  // --- small helpers --------------------------------------------------------------------------

  function nonce() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID().replace(/-/g, "");
    var a = new Uint8Array(16); crypto.getRandomValues(a);
    return Array.prototype.map.call(a, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  var scannerId = localStorage.getItem("eventops-scanner-id");
  if (!scannerId) { scannerId = "s" + nonce().slice(0, 20); localStorage.setItem("eventops-scanner-id", scannerId); }

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, name) { return values[name]; });
  }

  // a moment in the event's time zone (as the server writes them): "09:41", or "11-26 09:41" another day
  var zoned = null;
  try {
    zoned = new Intl.DateTimeFormat("en-CA", { timeZone: D.tz || undefined, year: "numeric", month: "2-digit", day: "2-digit",
                                               hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
  } catch (e) { zoned = null; }
  function parts(ms) {
    if (!zoned) { var d = new Date(ms); return { day: d.toDateString(), md: (d.getMonth() + 1) + "-" + d.getDate(), hm: d.toTimeString().slice(0, 5) }; }
    var p = {};
    zoned.formatToParts(new Date(ms)).forEach(function (x) { p[x.type] = x.value; });
    return { day: p.year + p.month + p.day, md: p.month + "-" + p.day, hm: p.hour + ":" + p.minute };
  }
  function clock(ms) {
    var when = parts(ms);
    return when.day === parts(Date.now()).day ? when.hm : when.md + " " + when.hm;
  }

  function focusCode() { codeInput.focus(); }

  var savedGate = localStorage.getItem("eventops-gate:" + EVENT);
  if (savedGate && gateSelect.querySelector('option[value="' + savedGate + '"]')) gateSelect.value = savedGate;
  gateSelect.addEventListener("change", function () {
    localStorage.setItem("eventops-gate:" + EVENT, gateSelect.value);
    refreshCounts();
    focusCode();
  });

  // --- the code, as the server parses it (eventops/badges/codes.py), and its keyed hash --------

  var ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ", LENGTH = 26, PREFIX = "EO1:";
  function parseCode(raw) {
    if (typeof raw !== "string" || raw.length > 200) return null;
    var text = raw.trim();
    if (text.toUpperCase().indexOf(PREFIX) === 0) text = text.slice(PREFIX.length);
    else if (text.indexOf(":") >= 0) return null;
    text = text.replace(/[ -]/g, "").toUpperCase();
    if (text.length !== LENGTH) return null;
    for (var i = 0; i < text.length; i++) if (ALPHABET.indexOf(text[i]) < 0) return null;
    return text;
  }

  function b64url(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }
  function unb64url(text) {
    var s = atob(text.replace(/-/g, "+").replace(/_/g, "/") + "===".slice((text.length + 3) % 4));
    var out = new Uint8Array(s.length);
    for (var i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  function hashOf(code) {
    var parsed = parseCode(code);
    if (!parsed || !packKey || !window.crypto || !crypto.subtle) return Promise.resolve(null);
    return crypto.subtle.sign("HMAC", packKey, new TextEncoder().encode(parsed)).then(function (sig) {
      return b64url(new Uint8Array(sig).slice(0, pack.hash_bytes || 12));
    }).catch(function () { return null; });
  }

  // --- showing an answer ----------------------------------------------------------------------

  var audio = null;
  function beep(kind) {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var tones = { ok: [[880, 0.12]], warn: [[520, 0.15], [520, 0.15]], bad: [[220, 0.45]] }[kind];
      if (!tones) return;
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

  var shownNonce = null;  // the scan whose answer is on screen
  function show(kind, title, name, detail, flag, forNonce) {
    shownNonce = forNonce || null;
    result.className = "result " + kind;
    document.getElementById("result-flag").textContent = flag || "";
    document.getElementById("result-title").textContent = title;
    document.getElementById("result-name").textContent = name || "";
    document.getElementById("result-detail").textContent = detail || "";
  }

  function kindOf(status) { return KIND[status] || "bad"; }

  // a tap on the answer dismisses it (ready for the next badge), and the code field takes the keys again
  result.addEventListener("click", function () {
    if (result.classList.contains("checking")) return;
    show("idle", D.msgReady, "", "");
    focusCode();
  });

  function renderVerdict(body, forNonce, quiet) {
    var a = body.attendee || {};
    var detail = [a.organisation, a.category_label].filter(Boolean).join(" · ");
    var kind = kindOf(body.status);
    if (body.status === "ok" && a.vip) kind = "ok vip";
    if (body.status === "already_checked_in" && body.previous) {
      detail = [detail, body.previous.at + " · " + body.previous.gate].filter(Boolean).join(" — ");
    }
    show(kind, body.message + (body.status === "ok" && a.vip ? " · VIP" : ""), a.name, detail,
         body.test ? D.msgTest : "", forNonce);
    if (!quiet) beep(kind.split(" ")[0]);  // a late answer changes the screen without a sound
  }

  function renderProvisional(verdict, forNonce) {
    if (!verdict.status) {
      show("queued", D.msgQueued, "", D.msgNoPack, D.msgProvisional, forNonce);
      beep("warn");
      return;
    }
    var title = verdict.status === "already_checked_in" && verdict.here ? D.msgSeen : MESSAGES[verdict.status];
    var kind = kindOf(verdict.status);
    show(kind + " offline", title, verdict.name || "", D.msgQueued, D.msgProvisional, forNonce);
    beep(kind);
  }

  // --- the gate pack --------------------------------------------------------------------------

  function usePack(record) {
    pack = record || null;
    packKey = null;
    renderPackStatus();
    if (!pack || !window.crypto || !crypto.subtle) return Promise.resolve();
    return crypto.subtle.importKey("raw", unb64url(pack.key), { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      .then(function (key) { packKey = key; }).catch(function () { packKey = null; });
  }

  function renderPackStatus() {
    var el = document.getElementById("pack-status");
    el.textContent = pack ? format(D.msgPack, { n: Object.keys(pack.entries).length, at: clock(Date.parse(pack.as_of)) })
                          : D.msgPackNone;
  }

  function refreshPack() {
    var since = pack && pack.as_of ? "?since=" + encodeURIComponent(pack.as_of) : "";
    return fetch(D.pack + since, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) { needSignIn(); return null; }
        if (response.status === 403) { return store.wipeEvent(EVENT).then(function () { return usePack(null); }).then(function () { return null; }); }
        if (!response.ok) return null;
        return response.json();
      }).then(function (body) {
        if (!body || !body.entries) return null;
        if (!body.full && (!pack || pack.key_id !== body.key_id)) {
          return usePack(null).then(refreshPack);  // a delta of another key: fetch the whole pack
        }
        var record = body.full ? { event: EVENT, key: body.key, key_id: body.key_id, hash_bytes: body.hash_bytes, entries: {} } : pack;
        body.entries.forEach(function (e) { record.entries[e[0]] = [e[1], e[2]]; });
        record.as_of = body.as_of;
        record.window = body.window || null;
        return store.pack.put(record).then(function () { return usePack(record); });
      }).catch(function () { /* offline: keep the copy we have */ });
  }

  // the provisional verdict for a scan from the pack (or from what the search showed)
  function provisional(item) {
    if (item.person) {
      var p = item.person;
      var status = p.checked_in ? "already_checked_in" : p.status === "approved" ? "ok"
        : p.status === "cancelled" ? "cancelled" : "not_approved";
      return Promise.resolve({ status: status, name: p.name });
    }
    if (!parseCode(item.body.code)) return Promise.resolve({ status: "invalid" });
    if (!pack || !packKey) return Promise.resolve({ status: null });
    return hashOf(item.body.code).then(function (hash) {
      if (!hash) return { status: null };
      var entry = pack.entries[hash];
      if (!entry) return { status: "invalid" };
      var status = PACK_STATUS[entry[0]] || "invalid";
      var at = Date.parse(item.body.scanned_at);
      if (status === "ok" && pack.window && (at < Date.parse(pack.window[0]) || at >= Date.parse(pack.window[1]))) {
        status = "not_open";
      }
      if (status !== "ok") return { status: status, name: entry[1] };
      return store.seen.has(EVENT, hash).then(function (seen) {
        if (seen) return { status: "already_checked_in", name: entry[1], here: true };
        return store.seen.add(EVENT, hash).then(function () { return { status: "ok", name: entry[1], hash: hash }; });
      });
    });
  }

  function agrees(shown, verdict) {
    if (!shown || !shown.status) return verdict === "ok";   // nothing was shown: only a welcome needs no look
    if (shown.status === verdict) return true;
    return shown.status === "invalid" && verdict === "wrong_event";  // the pack holds only this event's badges
  }

  // --- sending ----------------------------------------------------------------------------------

  function post(item) {
    var body = {};
    Object.keys(item.body).forEach(function (k) { body[k] = item.body[k]; });
    body.sent_at = new Date().toISOString();
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, TIMEOUT) : null;
    return fetch(D.api, {
      method: "POST", credentials: "same-origin", cache: "no-store", signal: controller ? controller.signal : undefined,
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": csrf, "X-Scanner-Id": scannerId },
      body: JSON.stringify(body)
    }).then(function (response) {
      return response.text().then(function (text) {
        var data = null;
        try { data = JSON.parse(text); } catch (e) { data = null; }
        return { http: response.status, body: data, retryAfter: +response.headers.get("Retry-After") || 0 };
      });
    }).finally(function () { if (timer) clearTimeout(timer); });
  }

  // a fresh CSRF token (the page may come from the offline cache, or from before a new sign-in)
  function freshCsrf() {
    return fetch(D.session, { credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (response.status === 401) { needSignIn(); return false; }
        if (!response.ok) throw new Error(String(response.status));
        return response.json().then(function (body) { csrf = body.csrf; signedIn(); return true; });
      }).catch(function () {
        if (signedOut) needSignIn();  // no answer: ask again later
        return false;
      });
  }

  // one attempt; resolves "verdict", "signin", or "retry" (the item is kept, with its next try set)
  function attempt(item, live) {
    inflight[item.nonce] = true;
    return post(item).then(function (answer) {
      if (answer.body && VERDICTS[answer.body.status]) return settle(item, answer.body, live).then(function () { return "verdict"; });
      if (answer.http === 401) { needSignIn(); return keep(item, live, D.msgWhySignin, 0).then(function () { return "signin"; }); }
      if (answer.body && answer.body.error === "csrf" && !item.csrfRetried) {
        item.csrfRetried = true;
        return freshCsrf().then(function (ok) { return ok ? attempt(item, live) : keep(item, live, D.msgWhySignin, 0); });
      }
      var why = answer.http === 429 ? D.msgWhyBusy : D.msgWhyError;
      return keep(item, live, why, answer.retryAfter).then(function () { return "retry"; });
    }, function () {
      return keep(item, live, D.msgWhyOffline, 0).then(function () { return "retry"; });
    }).finally(function () { delete inflight[item.nonce]; });
  }

  function keep(item, live, why, retryAfter) {
    item.attempts = (item.attempts || 0) + 1;
    var backoff = Math.min(30000, 1000 * Math.pow(2, item.attempts - 1)) * (0.8 + Math.random() * 0.4);
    item.next_at = Date.now() + Math.max(backoff, retryAfter * 1000);
    item.why = why;
    var shown = item.shown ? Promise.resolve(item.shown) : provisional(item).then(function (verdict) {
      item.shown = verdict;
      if (live && shownNonce === item.nonce) renderProvisional(verdict, item.nonce);
      return verdict;
    });
    return shown.then(function () { return store.queue.put(stripForStore(item)); })
      .then(renderQueue).then(function () { schedule(item.next_at - Date.now()); });
  }

  function stripForStore(item) {
    var copy = {};
    Object.keys(item).forEach(function (k) { if (k !== "csrfRetried") copy[k] = item[k]; });
    return copy;
  }

  function settle(item, body, live) {
    // the answer replaces the provisional one still on screen (sent late too: it says what counts)
    if (shownNonce === item.nonce) renderVerdict(body, item.nonce, !live);
    var steps = [];
    if (!live && !agrees(item.shown, body.status)) {
      steps.push(store.attention.put({
        nonce: item.nonce, event: EVENT, created: item.created, scanned_at: item.body.scanned_at,
        shown: item.shown || null, status: body.status, message: body.message,
        name: (body.attendee && body.attendee.name) || (item.shown && item.shown.name) || (item.person && item.person.name) || "",
        previous: body.previous || null
      }));
    }
    if ((body.status === "ok" || body.status === "already_checked_in") && item.body.code) {
      steps.push(hashOf(item.body.code).then(function (hash) { return hash ? store.seen.add(EVENT, hash) : null; }));
    }
    return Promise.all(steps).then(function () { return store.queue.remove(item.nonce); }).then(function () {
      renderQueue();
      renderAttention();
      refreshCounts();
      if (searchInput.value.trim().length >= 2) refreshSearch();
    });
  }

  // --- the queue ----------------------------------------------------------------------------------

  var flushing = false, timer = null;
  function schedule(ms) {
    clearTimeout(timer);
    timer = setTimeout(flush, Math.max(200, ms || 0));
  }

  function withLock(fn) {
    if (navigator.locks && navigator.locks.request) return navigator.locks.request("eventops-scan-queue:" + EVENT, fn);
    return fn();
  }

  function flush() {
    if (flushing || signedOut) return Promise.resolve();
    flushing = true;
    return withLock(function () {
      return store.queue.all(EVENT).then(function (items) {
        var now = Date.now(), next = Infinity;
        function one(index) {
          if (index >= items.length) return null;
          var item = items[index];
          if (inflight[item.nonce]) return one(index + 1);
          if (item.next_at && item.next_at > now) { next = Math.min(next, item.next_at); return one(index + 1); }
          return attempt(item, false).then(function (outcome) {
            if (outcome === "verdict") return one(index + 1);
            if (outcome === "retry") next = Math.min(next, item.next_at);
            return null;  // no connection, or signed out: the rest waits too
          });
        }
        return one(0).then(function () { if (next < Infinity) schedule(next - Date.now()); });
      });
    }).catch(function () {}).finally(function () { flushing = false; renderQueue(); });
  }

  function renderQueue() {
    return store.queue.all(EVENT).then(function (items) {
      var el = document.getElementById("queue");
      root.dataset.queued = String(items.length);
      // a scan on its first trip (the "checking" one) is not "waiting" yet
      items = items.filter(function (item) { return item.attempts > 0 || !inflight[item.nonce]; });
      el.hidden = items.length === 0;
      if (!items.length) { el.textContent = ""; return; }
      var why = items[0].why ? " · " + items[0].why : "";
      el.textContent = items.length + " " + D.msgQueue + " · " + D.msgSince + " " + clock(items[0].created) + why;
    }).catch(function () {});
  }

  function renderAttention() {
    return store.attention.all(EVENT).then(function (items) {
      var box = document.getElementById("attention"), list = document.getElementById("attention-list");
      box.hidden = items.length === 0;
      while (list.firstChild) list.removeChild(list.firstChild);
      items.forEach(function (item) {
        var li = document.createElement("li");
        li.className = "attention-" + kindOf(item.status);
        var text = document.createElement("span");
        var shown = item.shown && item.shown.status ? MESSAGES[item.shown.status] : D.msgNoPack;
        var server = item.message + (item.previous ? " (" + item.previous.at + " · " + item.previous.gate + ")" : "");
        text.textContent = clock(Date.parse(item.scanned_at) || item.created) + " · " + (item.name || "—") + " · " +
          D.msgShown + ": " + shown + " → " + D.msgServer + ": " + server;
        li.appendChild(text);
        var button = document.createElement("button");
        button.type = "button"; button.className = "small"; button.textContent = D.msgAck;
        button.addEventListener("click", function () {
          store.attention.remove(item.nonce).then(renderAttention).then(focusCode);
        });
        li.appendChild(button);
        list.appendChild(li);
      });
    }).catch(function () {});
  }

  // --- signing in again -------------------------------------------------------------------------

  var sessionTimer = null, sessionChecks = 0;
  function needSignIn() {
    if (!signedOut) {
      signedOut = true;
      sessionChecks = 0;
      document.getElementById("signin").hidden = false;
    }
    // signed in again elsewhere (another tab), or was the 401 not ours? ask again, less and less often
    clearTimeout(sessionTimer);
    sessionTimer = setTimeout(function () { freshCsrf(); }, Math.min(30000, 3000 * Math.pow(2, sessionChecks++)));
  }
  function signedIn() {
    clearTimeout(sessionTimer);
    if (!signedOut) return;
    signedOut = false;
    document.getElementById("signin").hidden = true;
    schedule(0);
  }

  // --- scanning -----------------------------------------------------------------------------------

  function submit(body, person) {
    if (!body.gate) { show("bad", D.msgGate, "", ""); beep("bad"); return; }
    body.scanned_at = new Date().toISOString();
    var item = { nonce: body.nonce, event: EVENT, body: body, created: Date.now(), attempts: 0, person: person || null };
    show("checking", D.msgChecking, person ? person.name : "", "", "", item.nonce);
    store.queue.put(item).catch(function () {}).then(function () {
      renderQueue();
      return attempt(item, true);
    }).then(function (outcome) {
      if (outcome === "verdict") schedule(0);  // the connection works: send what waits
    }).catch(function () { show("bad", D.msgError, "", ""); beep("bad"); });
  }

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
    focusCode();
  });

  // A hardware scanner types wherever the focus is. Keys typed outside a text field go to the code
  // field, so that a focused button (after a tap on "check in") is never pressed by the next scan.
  document.addEventListener("keydown", function (event) {
    var el = document.activeElement, tag = el ? el.tagName : "";
    if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key && event.key.length === 1) {
      event.preventDefault();
      codeInput.focus();
      codeInput.value += event.key;
    } else if (event.key === "Enter" && codeInput.value) {
      event.preventDefault();
      document.getElementById("manual").requestSubmit();
    }
  }, true);

  // --- camera -------------------------------------------------------------------------------------

  var video = document.getElementById("video"), canvas = document.getElementById("frame");
  var stream = null, detector = null;
  document.getElementById("camera-toggle").addEventListener("click", function () {
    focusCode();
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; video.hidden = true; return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } }).then(function (s) {
      stream = s; video.srcObject = s; video.hidden = false; video.play();
      if ("BarcodeDetector" in window) detector = new BarcodeDetector({ formats: ["qr_code"] });
      requestAnimationFrame(tick);
    }).catch(function () { show("bad", D.msgError, "", ""); });
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

  // --- search fallback ----------------------------------------------------------------------------

  var searchInput = document.getElementById("search"), searchTimer = null;
  function refreshSearch() {
    var q = searchInput.value;
    var list = document.getElementById("search-results");
    if (q.trim().length < 2) { while (list.firstChild) list.removeChild(list.firstChild); return; }
    fetch(D.search + "?q=" + encodeURIComponent(q), { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { if (r.status === 401) needSignIn(); return r.json(); }).then(function (data) {
        while (list.firstChild) list.removeChild(list.firstChild);
        (data.results || []).forEach(function (person) {
          var li = document.createElement("li");
          var text = document.createElement("span");
          text.textContent = person.name + " · " + person.organisation + " · " + person.category_label + " · " + person.status_label +
            (person.checked_in ? " · " + D.msgChecked : "");
          li.appendChild(text);
          var button = document.createElement("button");
          button.type = "button"; button.className = "small"; button.textContent = D.msgCheckin;
          button.addEventListener("click", function () {
            submit({ registration_id: person.id, gate: gateSelect.value, nonce: nonce() }, person);
            focusCode();
          });
          li.appendChild(button);
          list.appendChild(li);
        });
      }).catch(function () {
        while (list.firstChild) list.removeChild(list.firstChild);
        var li = document.createElement("li");
        li.textContent = D.msgSearchOffline;
        list.appendChild(li);
      });
  }
  searchInput.addEventListener("input", function () {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(refreshSearch, 250);
  });

  var countsTimer = null;
  function refreshCounts() {  // at most one request in half a second (a queue settles many scans at once)
    clearTimeout(countsTimer);
    countsTimer = setTimeout(loadCounts, 500);
  }
  function loadCounts() {
    fetch(D.gates, { credentials: "same-origin", cache: "no-store" }).then(function (r) { return r.json(); }).then(function (data) {
      var gate = (data.gates || []).filter(function (g) { return String(g.id) === gateSelect.value; })[0];
      document.getElementById("gate-count").textContent =
        (gate ? gate.checked_in + " @ " + gate.name + " · " : "") + data.total + " / " + data.expected;
    }).catch(function () {});
  }

  // --- signing out: what the device knows about people goes, unsent scans stay ----------------------

  Array.prototype.forEach.call(document.querySelectorAll('form[action$="/logout"]'), function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      event.stopImmediatePropagation();
      var waiting = +(root.dataset.queued || 0);
      if (waiting && !window.confirm(format(D.msgLogout, { n: waiting }))) return;
      var caches_ = window.caches ? caches.keys().then(function (keys) {
        return Promise.all(keys.filter(function (k) { return k.indexOf("eventops-scanner-") === 0; })
          .map(function (k) { return caches.delete(k); }));
      }) : Promise.resolve();
      Promise.all([store.wipe(), caches_]).catch(function () {}).then(function () { form.submit(); });
    });
  });

  // --- start ----------------------------------------------------------------------------------------

  if ("serviceWorker" in navigator && D.sw) {
    navigator.serviceWorker.register(D.sw, { scope: D.page }).catch(function () { /* no offline reload */ });
  }
  window.addEventListener("online", function () {
    if (signedOut) freshCsrf(); else schedule(0);
    refreshPack();
    refreshCounts();
  });
  setInterval(function () { schedule(0); }, 15000);
  setInterval(refreshPack, PACK_EVERY);
  store.pack.get(EVENT).then(usePack).catch(function () {}).then(function () {
    renderQueue();
    renderAttention();
    refreshPack();
    schedule(0);
  });
  loadCounts();
  window.eventopsScanner = { flush: flush, refreshPack: refreshPack };  // for tests and the curious
})();
