// Switch the language as soon as one is chosen; without scripts, the form's <noscript> button
// does it. A file, not an onchange attribute: the Content-Security-Policy runs no inline code.
document.querySelectorAll("select[data-submit-on-change]").forEach(function (select) {
  select.addEventListener("change", function () { select.form.submit(); });
});
