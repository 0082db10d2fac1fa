// Builds static/build/: GOV.UK Frontend compiled with our settings, a
// right-to-left variant of the stylesheet for Arabic, the GOV.UK Frontend
// JavaScript and the assets (images) it needs -- but no fonts -- and Leaflet
// for the maps of "Report a problem" (static/build/leaflet/).
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";
import rtlcss from "rtlcss";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "build");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");
const leaflet = join(root, "node_modules", "leaflet", "dist");

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const result = sass.compile(join(root, "assets", "scss", "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "app.css"), result.css);
writeFileSync(join(out, "app.rtl.css"), rtlcss.process(result.css));

cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk-frontend.min.js"));
// GOV.UK images (crest, crown favicons) are deliberately not copied: the brand is our own.
cpSync(join(root, "assets", "js"), join(out, "js"), { recursive: true });

// Leaflet, kept apart from app.css so that rtlcss never flips its internals.
// The ES module build is imported by build/js/reports-map.mjs (public maps) and
// build/js/staff-map.mjs (back-office maps of reports and areas) as
// "../leaflet/leaflet-src.esm.js". Its source map is copied too: the manifest
// storage of production rewrites `sourceMappingURL` in *.js files and fails
// collectstatic when the map is missing. leaflet.css refers to images/.
mkdirSync(join(out, "leaflet"));
for (const name of ["leaflet-src.esm.js", "leaflet-src.esm.js.map", "leaflet.css", "images"]) {
  cpSync(join(leaflet, name), join(out, "leaflet", name), { recursive: true });
}

const version = (name) => JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;
console.log(`built static/build with govuk-frontend ${version("govuk-frontend")} and leaflet ${version("leaflet")}`);
