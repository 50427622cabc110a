// Small helpers: copy a value, print the page. No third-party code apart from htmx.
document.addEventListener("click", function (e) {
  var copy = e.target.closest("[data-copy]");
  if (copy) {
    var text = document.getElementById(copy.getAttribute("data-copy")).textContent.trim();
    if (navigator.clipboard) { navigator.clipboard.writeText(text); }
    var status = document.getElementById("copy-status");
    if (status) { status.textContent = copy.getAttribute("data-done") || "Copied"; }
  }
  if (e.target.closest("[data-print]")) { window.print(); }
});
