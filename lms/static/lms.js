// Progressive touches; every page works without this file.
(function () {
  "use strict";
  // Registration: preselect the browser's own time zone while the field still shows the default.
  var zone = document.querySelector("select[data-guess-zone]");
  if (zone && zone.value === "UTC" && window.Intl) {
    var renamed = JSON.parse(zone.getAttribute("data-guess-zone") || "{}");
    var guess = Intl.DateTimeFormat().resolvedOptions().timeZone;
    guess = renamed[guess] || guess;
    if (guess && zone.querySelector('option[value="' + guess.replace(/"/g, "") + '"]')) {
      zone.value = guess;
    }
  }
})();
