// Builds static/build/: GOV.UK Frontend compiled with our settings, a
// right-to-left variant of the stylesheet for Arabic, the GOV.UK Frontend
// JavaScript and the assets (images) it needs -- but no fonts.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";
import rtlcss from "rtlcss";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "build");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

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

const manifest = JSON.parse(readFileSync(join(root, "node_modules", "govuk-frontend", "package.json"), "utf8"));
console.log(`built static/build with govuk-frontend ${manifest.version}`);
