// Small helpers: copy a value, print the page, seek a recording, save a form with Ctrl+Enter.
// No third-party code apart from htmx (vendored).
document.addEventListener("click", function (e) {
  var copy = e.target.closest("[data-copy]");
  if (copy) {
    var text = document.getElementById(copy.getAttribute("data-copy")).textContent.trim();
    if (navigator.clipboard) { navigator.clipboard.writeText(text); }
    var status = document.getElementById("copy-status");
    if (status) { status.textContent = copy.getAttribute("data-done") || "Copied"; }
  }
  if (e.target.closest("[data-print]")) { window.print(); }
  var seek = e.target.closest("[data-seek]");
  if (seek) {
    var audio = document.getElementById(seek.getAttribute("data-seek"));
    if (audio) {
      var t = audio.currentTime + parseFloat(seek.getAttribute("data-by"));
      audio.currentTime = Math.max(0, isFinite(audio.duration) ? Math.min(t, audio.duration) : t);
    }
  }
});
document.addEventListener("keydown", function (e) {
  if (e.key === "Enter" && (e.ctrlKey || e.metaKey) && e.target.form && e.target.tagName === "TEXTAREA") {
    e.preventDefault();
    e.target.form.requestSubmit();
  }
});
