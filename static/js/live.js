// The dashboard's "Needs you now" refreshes in place every 30 seconds: the section is
// fetched from its `data-live` URL and swapped, the count goes into the tab title, and a
// failed refresh says so instead of passing old lines off as current. Without JavaScript
// the page reloads itself every minute (a <noscript> refresh in its head).
(() => {
  "use strict";
  const EVERY_MS = 30000;
  const box = document.querySelector("[data-live]");
  if (!box) return;
  const baseTitle = document.title.replace(/^\(\d+\)\s*/, "");

  function setTitle() {
    const heading = box.querySelector("[data-total]");
    const total = heading ? Number(heading.dataset.total) : 0;
    document.title = (total > 0 ? `(${total}) ` : "") + baseTitle;
  }

  function sayStale(message) {
    const status = box.querySelector(".live-status");
    if (!status) return;
    status.classList.add("stale");
    status.textContent = `${message} The lines above are from the last successful check.`;
  }

  async function refresh() {
    if (document.hidden) return; // refreshed as soon as the tab is shown again
    let response;
    try {
      response = await fetch(box.dataset.live, {
        credentials: "same-origin",
        headers: { Accept: "text/html" },
      });
    } catch (error) {
      sayStale("Could not reach the dashboard (network error).");
      return;
    }
    if (response.redirected || response.status === 401 || response.status === 403) {
      sayStale("Your session has ended: reload the page to log in again.");
      return;
    }
    if (!response.ok) {
      sayStale(`The dashboard answered ${response.status}.`);
      return;
    }
    const html = await response.text();
    const scrollY = window.scrollY;
    box.innerHTML = html;
    window.scrollTo(window.scrollX, scrollY);
    setTitle();
  }

  setTitle();
  window.setInterval(refresh, EVERY_MS);
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) refresh();
  });
})();
