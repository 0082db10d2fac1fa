// Tables that reflow into cards on small screens (class "ec-table-stack", laid
// out by assets/scss/_responsive.scss) are drawn with `display: block` there.
// Chromium and Firefox still expose them as tables, but some browsers (older
// Safari) then drop the table, row and cell roles, and screen readers lose the
// column headings. Stating the roles keeps them tables everywhere (the
// well-known fix, "Tables, CSS Display Properties, and ARIA", A. Roselli).
// Progressive enhancement only: without this file the cards still show each
// value's heading.
const ROLES = [
  [":scope > thead, :scope > tbody, :scope > tfoot", "rowgroup"],
  [":scope > * > tr", "row"],
  [":scope > * > tr > td", "cell"],
  [":scope > * > tr > th[scope='row']", "rowheader"],
  [":scope > * > tr > th:not([scope='row'])", "columnheader"],
];

for (const table of document.querySelectorAll("table.ec-table-stack")) {
  table.setAttribute("role", "table");
  for (const [selector, role] of ROLES) {
    for (const element of table.querySelectorAll(selector)) {
      if (!element.hasAttribute("role")) element.setAttribute("role", role);
    }
  }
}
