// The print button of the recovery-codes page (a file, not an inline script: the CSP allows only
// 'self'). Without JavaScript the button stays hidden and the browser's own Print still works.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { window.print(); });
  });
});
