// The referendum booth: progressive enhancement of the vote form (docs/voting-protocol.md, section 5).
// Without this script the form is sent as it is, and the voter may ask the server to encrypt
// (the "assisted" checkbox). With it the ballot is encrypted on this device:
//   1. on submit, the credential code and the number of marks per question are checked here
//      (GOV.UK error summary and field errors);
//   2. the election is fetched from the form's data-election-url and the ballot encrypted;
//   3. the review panel shows the choices in words and the ballot tracker, with three buttons:
//      cast (the code and the plain choices are disabled, so only the encrypted ballot and the
//      CSRF token are sent, by a native submit), audit (the audit panel shows what the ballot
//      contained, with a file to check elsewhere, and the ballot is thrown away), change.
// The markup of the panels and every string are in
// ecitizen/voting/referendums/templates/referendums/includes/booth.html.
import { BoothError, checkOpening, encryptBallot, normaliseCode } from "./referendum-crypto.mjs";

const form = document.getElementById("referendum-booth");
const ui = document.querySelector("[data-booth-ui]");

const supported = () =>
  typeof BigInt === "function" &&
  typeof globalThis.crypto?.getRandomValues === "function" &&
  typeof fetch === "function" &&
  "content" in document.createElement("template");

if (form && ui && supported()) {
  const $ = (selector, root = ui) => root.querySelector(selector);
  const text = (key, values = {}) => {
    const template = $(`template[data-booth-text="${key}"]`);
    const raw = template ? template.content.textContent.trim() : key;
    return raw.replace(/\{(\w+)\}/g, (match, name) => (name in values ? String(values[name]) : match));
  };
  // "…-one" says "1" in words of its own; "…-other" has the number in {count}.
  const counted = (key, count) => text(`${key}-${Number(count) === 1 ? "one" : "other"}`, { count });
  const clean = (node) => (node ? node.textContent.replace(/\s+/g, " ").trim() : "");

  const summary = $("[data-booth-errors]");
  const errorList = $("[data-booth-error-list]");
  const status = $("[data-booth-status]");
  const review = $("[data-booth-review]");
  const audit = $("[data-booth-audit-panel]");
  const credentialInput = form.querySelector("#credential, [name=credential]");
  const ballotInput = form.querySelector("input[name=ballot]");
  const submitButton = form.querySelector("[data-booth-submit]");
  const fieldsets = Array.from(form.querySelectorAll("fieldset[data-question]")).sort(
    (a, b) => Number(a.dataset.question) - Number(b.dataset.question),
  );
  const choiceInputs = (fieldset) => Array.from(fieldset.querySelectorAll("input[type=radio], input[type=checkbox]"));

  // The error summary goes at the top of the page's column; the status stays next to the form.
  const column = form.closest(".govuk-grid-column-two-thirds, .govuk-grid-column-full, main") || form.parentElement;
  column.prepend(summary);
  form.after(status);

  // The weaker server-encrypted path is for browsers without this script.
  for (const assisted of form.querySelectorAll("[data-booth-assisted]")) {
    assisted.hidden = true;
    for (const input of assisted.querySelectorAll("input")) {
      input.checked = false;
      input.disabled = true;
    }
  }

  let election = null; // {election, election_hash}, fetched once
  let current = null; // the ballot under review: {ballot, opening, hash, tracker}
  let busy = false;
  let downloadUrl = null;

  const show = (panel) => {
    form.hidden = panel !== form;
    review.hidden = panel !== review;
    audit.hidden = panel !== audit;
    if (panel !== form) {
      const heading = $("[data-booth-heading]", panel);
      heading.focus();
    }
  };

  // --- Errors --------------------------------------------------------------------------------

  const clearErrors = () => {
    summary.hidden = true;
    errorList.replaceChildren();
    // Errors drawn by the server for the previous attempt are stale too, its summary included.
    for (const other of document.querySelectorAll(".govuk-error-summary")) {
      if (other !== summary) other.hidden = true;
    }
    for (const node of form.querySelectorAll("[data-booth-error], .govuk-error-message")) node.remove();
    for (const node of form.querySelectorAll(".govuk-form-group--error")) {
      node.classList.remove("govuk-form-group--error");
    }
    for (const node of form.querySelectorAll(".govuk-input--error")) node.classList.remove("govuk-input--error");
    for (const node of form.querySelectorAll("[data-booth-described]")) {
      const ids = (node.getAttribute("aria-describedby") || "")
        .split(/\s+/)
        .filter((id) => id && !id.endsWith("-booth-error"));
      if (ids.length) node.setAttribute("aria-describedby", ids.join(" "));
      else node.removeAttribute("aria-describedby");
      delete node.dataset.boothDescribed;
    }
  };

  // A GOV.UK field error: the message above the input (or the options), the group marked.
  const fieldError = (target, message, id) => {
    const group = target.closest(".govuk-form-group");
    if (group) group.classList.add("govuk-form-group--error");
    const error = document.createElement("p");
    error.className = "govuk-error-message";
    error.id = `${id}-booth-error`;
    error.dataset.boothError = "";
    const prefix = document.createElement("span");
    prefix.className = "govuk-visually-hidden";
    prefix.textContent = text("error-prefix");
    error.append(prefix, ` ${message}`);
    if (target.tagName === "FIELDSET") {
      const before =
        target.querySelector(".govuk-radios, .govuk-checkboxes") || target.querySelector("input")?.parentElement;
      if (before && before.parentElement) before.parentElement.insertBefore(error, before);
      else target.append(error);
    } else {
      target.insertAdjacentElement("beforebegin", error);
      target.classList.add("govuk-input--error");
    }
    const described = (target.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean);
    target.setAttribute("aria-describedby", [...described, error.id].join(" "));
    target.dataset.boothDescribed = "";
  };

  const showErrors = (errors) => {
    // (clearErrors, called first, has hidden any other summary.)
    for (const { message, focus } of errors) {
      const item = document.createElement("li");
      if (focus) {
        const link = document.createElement("a");
        link.href = `#${focus.id}`;
        link.textContent = message;
        link.addEventListener("click", (event) => {
          event.preventDefault();
          focus.focus();
          (focus.closest("fieldset") || focus).scrollIntoView({ block: "start" });
        });
        item.append(link);
      } else {
        item.textContent = message;
      }
      errorList.append(item);
    }
    summary.hidden = false;
    summary.focus();
  };

  const loadError = (key) => {
    clearErrors();
    status.textContent = "";
    showErrors([{ message: text(key) }]);
  };

  // --- Reading the form ------------------------------------------------------------------------

  const readForm = () => {
    const errors = [];
    let code = null;
    if (credentialInput) {
      const raw = credentialInput.value.trim();
      code = normaliseCode(raw);
      if (code === null) {
        const message = text(raw ? "code-invalid" : "code-missing");
        fieldError(credentialInput, message, credentialInput.id || "credential");
        errors.push({ message, focus: credentialInput });
      }
    }
    const selections = fieldsets.map((fieldset, index) => {
      const inputs = choiceInputs(fieldset);
      const chosen = inputs.filter((input) => input.checked).map((input) => Number.parseInt(input.value, 10));
      const min = Number.parseInt(fieldset.dataset.min || "0", 10);
      const max = Number.parseInt(fieldset.dataset.max || String(inputs.length), 10);
      let message = null;
      if (chosen.length < min) message = min === 1 && max === 1 ? text("choose-one") : counted("too-few", min);
      else if (chosen.length > max) message = counted("too-many", max);
      if (message) {
        const id = fieldset.id || `referendum-booth-q${index}`;
        fieldError(fieldset, message, id);
        const legend = clean(fieldset.querySelector("legend"));
        const summaryMessage = legend ? text("in-question", { question: legend, message }) : message;
        errors.push({ message: summaryMessage, focus: inputs[0] });
      }
      return chosen;
    });
    return { code, selections, errors };
  };

  const labelOf = (input) => clean(input.labels && input.labels[0]) || input.value;

  // --- Review ----------------------------------------------------------------------------------

  const showReview = () => {
    const list = $("[data-booth-choices]");
    list.replaceChildren();
    for (const fieldset of fieldsets) {
      const row = $("template[data-booth-row]").content.firstElementChild.cloneNode(true);
      row.querySelector("dt").textContent = clean(fieldset.querySelector("legend"));
      const answer = row.querySelector("dd");
      const chosen = choiceInputs(fieldset).filter((input) => input.checked);
      if (chosen.length === 0) answer.textContent = text("none-chosen");
      chosen.forEach((input, index) => {
        if (index) answer.append(document.createElement("br"));
        answer.append(labelOf(input));
      });
      list.append(row);
    }
    $("[data-booth-tracker]").textContent = current.tracker;
    status.textContent = text("encrypted");
    show(review);
  };

  const fetchElection = async () => {
    if (election) return election;
    const response = await fetch(form.dataset.electionUrl, {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    });
    if (!response.ok) throw new Error(`election: HTTP ${response.status}`);
    const record = await response.json();
    election = { election: record.election, election_hash: record.election_hash };
    return election;
  };

  // Let the browser paint the "Encrypting…" status before the arithmetic takes the thread.
  const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (busy) return;
    clearErrors();
    const { code, selections, errors } = readForm();
    if (errors.length) {
      showErrors(errors);
      return;
    }
    busy = true;
    if (submitButton) submitButton.disabled = true;
    status.textContent = text("encrypting");
    try {
      let record;
      try {
        record = await fetchElection();
      } catch {
        loadError("load-failed");
        return;
      }
      await nextFrame();
      try {
        current = encryptBallot(record, code, selections);
      } catch (error) {
        const fieldset = error instanceof BoothError && error.code === "selection" ? fieldsets[error.question] : null;
        if (fieldset && (error.reason === "too-few" || error.reason === "too-many")) {
          // The form's limits and the election's disagree: the election's are the ones that count.
          const question = record.election.questions[error.question];
          const message =
            error.reason === "too-few" ? counted("too-few", question.min) : counted("too-many", question.max);
          clearErrors();
          status.textContent = "";
          fieldError(fieldset, message, fieldset.id || `referendum-booth-q${error.question}`);
          showErrors([{ message, focus: choiceInputs(fieldset)[0] }]);
        } else {
          election = null; // fetched afresh next time
          loadError("election-failed");
        }
        return;
      }
      showReview();
    } finally {
      busy = false;
      if (submitButton) submitButton.disabled = false;
    }
  });

  // --- Cast, change, audit ---------------------------------------------------------------------

  $("[data-booth-cast]").addEventListener("click", () => {
    if (!current || busy) return;
    busy = true;
    for (const button of ui.querySelectorAll("button")) button.disabled = true;
    // Only the encrypted ballot (and the CSRF token) leaves this device.
    if (credentialInput) credentialInput.disabled = true;
    for (const fieldset of fieldsets) for (const input of choiceInputs(fieldset)) input.disabled = true;
    ballotInput.value = JSON.stringify(current.ballot);
    status.textContent = text("sending");
    form.submit();
  });

  $("[data-booth-change]").addEventListener("click", () => {
    current = null;
    ballotInput.value = "";
    status.textContent = "";
    show(form);
    const first = fieldsets.flatMap(choiceInputs).find((input) => input.checked) || credentialInput;
    if (first) first.focus();
  });

  $("[data-booth-audit]").addEventListener("click", () => {
    if (!current) return;
    const audited = current;
    current = null; // an audited ballot is never cast
    ballotInput.value = "";
    const faults = checkOpening(election, audited.ballot, audited.opening);
    $("[data-booth-audit-passed]").hidden = faults.length > 0;
    $("[data-booth-audit-failed]").hidden = faults.length === 0;
    $("[data-booth-audit-faults]").replaceChildren(
      ...faults.map((fault) => {
        const item = document.createElement("li");
        item.textContent = fault;
        return item;
      }),
    );

    const tables = $("[data-booth-audit-questions]");
    tables.replaceChildren();
    fieldsets.forEach((fieldset, index) => {
      const table = $("template[data-booth-audit-table]").content.firstElementChild.cloneNode(true);
      table.querySelector("caption").textContent = clean(fieldset.querySelector("legend"));
      const body = table.querySelector("tbody");
      const labels = new Map(choiceInputs(fieldset).map((input) => [Number.parseInt(input.value, 10), labelOf(input)]));
      (audited.opening[index] || []).forEach(({ m, r }, option) => {
        const row = document.createElement("tr");
        row.className = "govuk-table__row";
        const name = document.createElement("th");
        name.scope = "row";
        name.className = "govuk-table__header";
        name.textContent = labels.get(option) ?? String(option + 1);
        const mark = document.createElement("td");
        mark.className = "govuk-table__cell";
        mark.textContent = text(m ? "marked" : "not-marked");
        const random = document.createElement("td");
        random.className = "govuk-table__cell";
        const value = document.createElement("code");
        value.className = "ec-table-wrap";
        value.textContent = r;
        random.append(value);
        row.append(name, mark, random);
        body.append(row);
      });
      tables.append(table);
    });

    const file = `audit-${audited.tracker}.json`;
    const content = { election: election.election, ballot: audited.ballot, opening: audited.opening };
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    const blob = new Blob([`${JSON.stringify(content, null, 2)}\n`], { type: "application/json" });
    downloadUrl = URL.createObjectURL(blob);
    const link = $("[data-booth-download]");
    link.href = downloadUrl;
    link.download = file;
    $("[data-booth-command]").textContent = `python -m ecitizen.voting.verify --audit ${file}`;
    status.textContent = "";
    show(audit);
  });

  $("[data-booth-again]").addEventListener("click", () => {
    status.textContent = "";
    show(form);
    if (submitButton) submitButton.focus();
  });

  // Back to this page from the next one (the browser's back/forward cache): the form as it was.
  window.addEventListener("pageshow", (event) => {
    if (!event.persisted) return;
    busy = false;
    current = null;
    ballotInput.value = "";
    if (credentialInput) credentialInput.disabled = false;
    for (const fieldset of fieldsets) for (const input of choiceInputs(fieldset)) input.disabled = false;
    for (const button of ui.querySelectorAll("button")) button.disabled = false;
    status.textContent = "";
    show(form);
  });
}
