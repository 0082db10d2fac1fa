// The dashboard's applications: keep each status current without a reload.
// Each row names its status address (data-status-url) and the version shown (data-version).
// When a case moves on, the row's tag changes and a polite live region says so.
// Without JavaScript the page shows the status as it was when it loaded.
const rows = Array.from(document.querySelectorAll("[data-dashboard-application]"));
const live = document.getElementById("dashboard-status-live");
const TAG = {
  approved: "govuk-tag--green",
  refused: "govuk-tag--red",
  info_requested: "govuk-tag--orange",
  withdrawn: "govuk-tag--grey",
  draft: "govuk-tag--grey",
};
const every = 1000 * Number(window.ecitizenPollSeconds || 30);

const check = async (row) => {
  try {
    const response = await fetch(row.dataset.statusUrl, {
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    });
    if (!response.ok) return;
    const data = await response.json();
    if (String(data.version) === row.dataset.version) return;
    row.dataset.version = String(data.version);
    const tag = row.querySelector(".govuk-tag");
    if (tag) {
      tag.className = `govuk-tag ${TAG[data.status] || "govuk-tag--blue"}`;
      tag.textContent = data.label;
    }
    if (live) live.textContent = `${row.dataset.title}: ${data.label}`;
  } catch (error) {
    // Offline or server busy: try again at the next tick.
  }
};

if (rows.length) {
  const poll = async () => {
    if (!document.hidden) await Promise.all(rows.map(check));
    window.setTimeout(poll, every);
  };
  window.setTimeout(poll, every);
}
