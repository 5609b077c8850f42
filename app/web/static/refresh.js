// Reload a running run's page every 5 s while the clerk leaves the switch on (WCAG 2.2.1:
// the user can turn the refresh off; the choice is remembered). Without JavaScript the
// page offers a plain "refresh now" link instead.
(function () {
  "use strict";
  var box = document.getElementById("auto-aktualisieren");
  var wrapper = document.getElementById("aktualisieren-schalter");
  if (!box || !wrapper) {
    return;
  }
  var key = "amtsflow-auto-aktualisieren";
  try {
    if (window.localStorage.getItem(key) === "aus") {
      box.checked = false;
    }
  } catch (e) {
    /* storage blocked: keep the default */
  }
  wrapper.hidden = false;
  box.addEventListener("change", function () {
    try {
      window.localStorage.setItem(key, box.checked ? "an" : "aus");
    } catch (e) {
      /* ignore */
    }
  });
  window.setInterval(function () {
    if (box.checked) {
      window.location.reload();
    }
  }, 5000);
})();
