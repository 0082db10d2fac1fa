// Progressive enhancement only: every page works without this file.
import { initAll } from "../govuk-frontend.min.js";
import "./tables.mjs"; // table roles for the small-screen cards (assets/scss/_responsive.scss)

initAll();
