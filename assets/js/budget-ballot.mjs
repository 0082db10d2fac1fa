// Participatory budget ballot: keep the summary under the projects up to date as the voter ticks
// projects or types points (the total cost of a knapsack ballot, the points given, the number of
// projects chosen). Without JavaScript the "Update total" button sends the form back to show
// the same figures; with it the button is not needed and is hidden. The summary is a polite live
// region, so a screen reader hears the new total after each change.
const box = document.querySelector("[data-ballot]");
if (box) {
  const style = box.dataset.style;
  const amount = Number(box.dataset.amount || 0);
  const form = box.closest("form");
  const summary = form ? form.querySelector("[data-ballot-summary]") : null;
  const language = document.documentElement.lang || undefined;
  const plain = new Intl.NumberFormat(language);
  let money = plain;
  try {
    if (box.dataset.currency) {
      money = new Intl.NumberFormat(language, {
        style: "currency",
        currency: box.dataset.currency,
        maximumFractionDigits: 0,
        minimumFractionDigits: 0,
      });
    }
  } catch (error) {
    // An unknown currency code: plain numbers.
  }
  const set = (selector, value, format = plain) => {
    const element = summary && summary.querySelector(selector);
    if (element) element.textContent = format.format(value);
  };
  const update = () => {
    if (style === "cumulative") {
      let used = 0;
      for (const input of box.querySelectorAll("[data-ballot-points]")) {
        const value = Number.parseInt(input.value, 10);
        if (Number.isFinite(value) && value > 0) used += value;
      }
      set("[data-ballot-used]", used);
      return;
    }
    let total = 0;
    let count = 0;
    for (const input of box.querySelectorAll("input[type=checkbox][data-cost]")) {
      if (input.checked) {
        total += Number(input.dataset.cost || 0);
        count += 1;
      }
    }
    set("[data-ballot-count]", count);
    set("[data-ballot-total]", total, money);
    set("[data-ballot-left]", Math.max(0, amount - total), money);
    if (summary && style === "knapsack") {
      const over = total > amount;
      const fits = summary.querySelector("[data-ballot-fits]");
      const warning = summary.querySelector("[data-ballot-over]");
      // A class, not the hidden attribute: GOV.UK's display rules would win over [hidden].
      if (fits) fits.classList.toggle("govuk-!-display-none", over);
      if (warning) warning.classList.toggle("govuk-!-display-none", !over);
    }
  };
  box.addEventListener("change", update);
  box.addEventListener("input", update);
  if (form) {
    const button = form.querySelector("[data-ballot-update]");
    if (button) button.classList.add("govuk-!-display-none");
  }
  update();
}
