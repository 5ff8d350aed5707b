/* dafu default theme: the large-print switch (长者模式) and the print button.
   Every page reads fully without this script; the buttons show only when it runs.
   The large-print choice is kept in localStorage (no cookie) and applied before first paint by the
   inline script in <head>; this file keeps the buttons in step with it. */
(function () {
  "use strict";
  var KEY = "dafu-large";
  var root = document.documentElement;

  function save(on) {
    try {
      if (on) {
        localStorage.setItem(KEY, "1");
      } else {
        localStorage.removeItem(KEY);
      }
    } catch (e) {
      /* storage blocked: the choice lasts for this page only */
    }
  }

  function show(on) {
    root.classList.toggle("large", on);
    var buttons = document.querySelectorAll("[data-large-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", on ? "true" : "false");
    }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (!target || !target.closest) {
      return;
    }
    if (target.closest("[data-large-toggle]")) {
      var on = !root.classList.contains("large");
      show(on);
      save(on);
    } else if (target.closest("[data-print]")) {
      window.print();
    }
  });

  /* Another tab switched the mode: follow it. */
  window.addEventListener("storage", function (event) {
    if (event.key === KEY) {
      show(event.newValue === "1");
    }
  });

  show(root.classList.contains("large"));
})();
