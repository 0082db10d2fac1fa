// Petition page: keep the signature count up to date while the page is open.
// Without JavaScript the page shows the count as it was when loaded; a reload shows the new one.
// The figure changes quietly (no live region): a screen reader would otherwise announce it
// every few seconds. It stops when the tab is hidden and when the petition closes.
const box = document.getElementById("count");
if (box && box.dataset.countUrl) {
  const number = box.querySelector("[data-petition-count]");
  const label = box.querySelector("[data-petition-count-label]");
  const bar = box.querySelector("progress");
  // Seconds between checks (tests shorten it); anything that is not a positive number means 15.
  const seconds = Number(window.ecitizenPollSeconds || box.dataset.pollSeconds || 15);
  const every = 1000 * Math.max(0.25, seconds > 0 ? seconds : 15);
  let timer = null;
  let busy = false; // one check at a time, however often the tab is shown again
  let stopped = false;
  const poll = async () => {
    timer = null;
    if (busy) return;
    busy = true;
    try {
      const response = await fetch(box.dataset.countUrl, { headers: { Accept: "application/json" } });
      if (response.ok) {
        const data = await response.json();
        if (number) number.textContent = data.count_display;
        if (label) label.textContent = data.label;
        if (bar && data.progress && Number(bar.max) === data.progress.max) {
          bar.value = data.progress.value;
          bar.textContent = `${data.progress.percent}%`;
        }
        if (!data.open) {
          stopped = true;
          return;
        }
      }
    } catch (error) {
      // Offline or server busy: try again at the next tick.
    } finally {
      busy = false;
    }
    if (!document.hidden && !stopped && timer === null) timer = window.setTimeout(poll, every);
  };
  document.addEventListener("visibilitychange", () => {
    if (!document.hidden && !stopped && timer === null && !busy) poll();
  });
  timer = window.setTimeout(poll, every);
}
