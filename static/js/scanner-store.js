// What the scanner keeps on the device, in IndexedDB (it survives a reload, a crashed tab and a
// reboot; localStorage would not survive a full disk quietly, and is shared synchronously by tabs):
//   queue      scans not settled yet (no verdict from the server), by nonce
//   attention  scans whose server verdict differs from what the device showed, until acknowledged
//   pack       the event's gate pack (keyed hashes of badge codes, status, name), by event
//   seen       hashes of the codes this device has admitted, by event (amber offline)
// Logging out wipes the pack and the seen list; the queue and the attention list stay (a scan is
// never lost), and are sent and shown at the next sign-in.
(function () {
  "use strict";
  var NAME = "eventops-scanner", VERSION = 1;
  var opening = null;

  function open() {
    if (opening) return opening;
    opening = new Promise(function (resolve, reject) {
      var request = indexedDB.open(NAME, VERSION);
      request.onupgradeneeded = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("queue")) db.createObjectStore("queue", { keyPath: "nonce" }).createIndex("event", "event");
        if (!db.objectStoreNames.contains("attention")) db.createObjectStore("attention", { keyPath: "nonce" }).createIndex("event", "event");
        if (!db.objectStoreNames.contains("pack")) db.createObjectStore("pack", { keyPath: "event" });
        if (!db.objectStoreNames.contains("seen")) db.createObjectStore("seen", { keyPath: "id" }).createIndex("event", "event");
      };
      request.onsuccess = function () {
        var db = request.result;
        db.onversionchange = function () { db.close(); opening = null; };
        resolve(db);
      };
      request.onerror = function () { opening = null; reject(request.error); };
      request.onblocked = function () { /* another tab holds an older version: it closes on versionchange */ };
    });
    return opening;
  }

  // one transaction; resolves with what fn's last request gave, once the transaction has committed
  function tx(stores, mode, fn) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(stores, mode), result;
        var request = fn(t);
        if (request) request.onsuccess = function () { result = request.result; };
        t.oncomplete = function () { resolve(result); };
        t.onerror = function () { reject(t.error); };
        t.onabort = function () { reject(t.error || new Error("aborted")); };
      });
    });
  }

  function byEvent(store, event) {
    return tx([store], "readonly", function (t) { return t.objectStore(store).index("event").getAll(event); })
      .then(function (rows) { return rows || []; });
  }

  function clearEvent(t, store, event) {
    var index = t.objectStore(store).index("event");
    var cursor = index.openKeyCursor(event);
    cursor.onsuccess = function () {
      var c = cursor.result;
      if (c) { t.objectStore(store).delete(c.primaryKey); c.continue(); }
    };
  }

  window.ScannerStore = {
    available: function () { return typeof indexedDB !== "undefined"; },
    queue: {
      all: function (event) {
        return byEvent("queue", event).then(function (rows) {
          return rows.sort(function (a, b) { return a.created - b.created; });
        });
      },
      put: function (item) { return tx(["queue"], "readwrite", function (t) { return t.objectStore("queue").put(item); }); },
      get: function (nonce) { return tx(["queue"], "readonly", function (t) { return t.objectStore("queue").get(nonce); }); },
      remove: function (nonce) { return tx(["queue"], "readwrite", function (t) { return t.objectStore("queue").delete(nonce); }); }
    },
    attention: {
      all: function (event) {
        return byEvent("attention", event).then(function (rows) {
          return rows.sort(function (a, b) { return a.created - b.created; });
        });
      },
      put: function (item) { return tx(["attention"], "readwrite", function (t) { return t.objectStore("attention").put(item); }); },
      remove: function (nonce) { return tx(["attention"], "readwrite", function (t) { return t.objectStore("attention").delete(nonce); }); }
    },
    pack: {
      get: function (event) { return tx(["pack"], "readonly", function (t) { return t.objectStore("pack").get(event); }); },
      put: function (record) { return tx(["pack"], "readwrite", function (t) { return t.objectStore("pack").put(record); }); }
    },
    seen: {
      has: function (event, hash) {
        return tx(["seen"], "readonly", function (t) { return t.objectStore("seen").getKey(event + " " + hash); })
          .then(function (key) { return key !== undefined; });
      },
      add: function (event, hash) {
        return tx(["seen"], "readwrite", function (t) { return t.objectStore("seen").put({ id: event + " " + hash, event: event }); });
      }
    },
    // at logout: what the device knows about people goes; unsent scans stay
    wipe: function () {
      return tx(["pack", "seen"], "readwrite", function (t) {
        t.objectStore("pack").clear();
        t.objectStore("seen").clear();
      });
    },
    wipeEvent: function (event) {
      return tx(["pack", "seen"], "readwrite", function (t) {
        t.objectStore("pack").delete(event);
        clearEvent(t, "seen", event);
      });
    }
  };
})();
