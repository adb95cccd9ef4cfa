// Shared-screen safety: after a spell without a touch, ask "Still there?", then start over.
// Nothing personal is kept in the browser: the visit lives on the kiosk server.
(function () {
  "use strict";
  var body = document.body;
  var idleMs = (parseInt(body.dataset.idleSeconds, 10) || 60) * 1000;
  var promptSeconds = parseInt(body.dataset.promptSeconds, 10) || 15;
  var inVisit = body.dataset.visit === "on";
  var dialog = document.getElementById("still-there");
  var countEl = document.getElementById("still-there-count");
  var idleTimer = null;
  var countdown = null;
  var lastPing = Date.now();

  function resetKiosk() {
    try { sessionStorage.clear(); localStorage.clear(); } catch (e) { /* storage may be off */ }
    window.location.replace("/reset");
  }

  function closePrompt() {
    if (countdown) { clearInterval(countdown); countdown = null; }
    if (dialog && dialog.open) { dialog.close(); }
  }

  function showPrompt() {
    if (!inVisit) {
      // The attract screen has nothing personal: just clear what was typed.
      var input = document.getElementById("identify-input");
      if (input) { input.value = ""; }
      arm();
      return;
    }
    var left = promptSeconds;
    countEl.textContent = String(left);
    if (dialog.showModal) { dialog.showModal(); } else { dialog.setAttribute("open", ""); }
    countdown = setInterval(function () {
      left -= 1;
      countEl.textContent = String(Math.max(left, 0));
      if (left <= 0) { closePrompt(); resetKiosk(); }
    }, 1000);
  }

  function arm() {
    if (idleTimer) { clearTimeout(idleTimer); }
    idleTimer = setTimeout(showPrompt, idleMs);
  }

  function ping() {
    // Keep the server side of the visit as alive as the screen is.
    if (!inVisit || Date.now() - lastPing < 20000) { return; }
    lastPing = Date.now();
    fetch("/still-here", { method: "POST", credentials: "same-origin" }).then(function (r) {
      if (r.status === 410) { resetKiosk(); }
    }).catch(function () {});
  }

  function activity() {
    if (countdown) { return; }  // only the dialog's own buttons answer "Still there?"
    arm();
    ping();
  }

  ["pointerdown", "keydown", "touchstart", "wheel", "input"].forEach(function (name) {
    document.addEventListener(name, activity, { passive: true, capture: true });
  });
  var stillHere = document.getElementById("still-here");
  if (stillHere) {
    stillHere.addEventListener("click", function () {
      closePrompt();
      lastPing = 0;
      ping();
      arm();
    });
  }
  if (dialog) {
    // Escape would close the dialog without answering; treat it as "still here".
    dialog.addEventListener("cancel", function () { closePrompt(); arm(); });
  }

  // The server ends a visit it has not heard from: the page follows.
  body.addEventListener("htmx:sseOpen", function (evt) {
    evt.detail.source.addEventListener("visit-ended", resetKiosk);
    // The kiosk server now follows this profile at the hub: changes from anywhere show here.
    evt.detail.source.addEventListener("live", function () { body.dataset.live = "on"; });
  });

  // A page restored from the back/forward cache after a reset must not show the old visit.
  window.addEventListener("pageshow", function (evt) {
    if (evt.persisted && inVisit) { window.location.reload(); }
  });

  arm();
})();
