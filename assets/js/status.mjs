// Application status page: poll for changes and reload when the case moves on.
// Without JavaScript the page simply shows the current state on each visit.
const box = document.getElementById("application-status");
if (box) {
  const url = box.dataset.statusUrl;
  const seen = Number(box.dataset.version);
  const live = document.getElementById("application-status-live");
  // Seconds between checks: the page may set data-poll-seconds; tests shorten it.
  const every = 1000 * Number(window.ecitizenPollSeconds || box.dataset.pollSeconds || 10);
  const poll = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const data = await response.json();
        if (data.version !== seen) {
          if (live) live.textContent = data.label;
          window.location.reload();
          return;
        }
      }
    } catch (error) {
      // Offline or server busy: try again at the next tick.
    }
    window.setTimeout(poll, every);
  };
  window.setTimeout(poll, every);
}
