/* The error summary takes the focus when a page shows one, so a keyboard or screen reader
 * user starts from the list of problems (each a link to its field). */
(function () {
  "use strict";
  var summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
