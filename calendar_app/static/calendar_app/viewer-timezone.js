// Tells the server the browser's time zone (the viewer_tz cookie, read by calendar_app.timezones), and makes a new
// post's time-zone choice default to it.
(function () {
  "use strict";
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) {
    return;
  }
  var cookie = document.cookie.split("; ").find(function (item) {
    return item.indexOf("viewer_tz=") === 0;
  });
  // IANA names ("America/New_York") are plain cookie characters: written as they are, read as they are.
  if (!cookie || cookie.slice("viewer_tz=".length) !== zone) {
    document.cookie = "viewer_tz=" + zone + "; path=/; max-age=31536000; samesite=lax";
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-follow-viewer-timezone]").forEach(function (select) {
      var known = Array.prototype.some.call(select.options, function (option) {
        return option.value === zone;
      });
      if (known) {
        select.value = zone;
      }
    });
  });
})();
