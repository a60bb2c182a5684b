// A page following work in the background (an import) reloads itself every few seconds while
// the work runs; a file, not inline code: the Content-Security-Policy runs none. Without
// scripts the officer reloads by hand.
document.querySelectorAll("[data-reload-every]").forEach(function (element) {
  var seconds = parseFloat(element.getAttribute("data-reload-every")) || 2;
  setTimeout(function () { window.location.reload(); }, seconds * 1000);
});
