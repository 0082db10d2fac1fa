// Builds static/build/: GOV.UK Frontend compiled with our settings, a
// right-to-left variant of the stylesheet for Arabic, the GOV.UK Frontend
// JavaScript and the assets (images) it needs -- but no fonts --, Leaflet
// for the maps of "Report a problem" (static/build/leaflet/) and the noble
// elliptic-curve and hash modules for the referendum booth (static/build/noble/).
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, posix, relative, sep } from "node:path";
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

// noble-curves and noble-hashes for the referendum booth (build/js/referendum-crypto.mjs imports
// "../noble/curves/ed25519.js"). Only the ES modules (*.js) and the licences are copied. The
// packages import each other by bare names ("@noble/hashes/sha2.js"), which a browser cannot
// resolve without an import map (and CSP would need a nonce for one), so those are rewritten
// to relative paths. sourceMappingURL comments are removed: the maps are not shipped, and
// production's manifest storage fails collectstatic on a missing map. The package.json
// marks the *.js files as ES modules for Node (the booth's tests run them there).
const noble = join(out, "noble");
const nobleSpecifier = /(["'])@noble\/(curves|hashes)\/([\w./-]+\.js)\1/g;
const copyNoble = (name) => {
  const from = join(root, "node_modules", "@noble", name);
  const to = join(noble, name);
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const source = join(dir, entry.name);
      const target = join(to, relative(from, source));
      if (entry.isDirectory()) {
        if (entry.name !== "src" && entry.name !== "node_modules") walk(source);
      } else if (entry.name.endsWith(".js")) {
        const here = dirname(relative(from, source)).split(sep).join(posix.sep);
        const code = readFileSync(source, "utf8")
          .replace(nobleSpecifier, (match, quote, pkg, path) => {
            let link = posix.relative(posix.join(name, here), posix.join(pkg, path));
            if (!link.startsWith(".")) link = `./${link}`;
            return `${quote}${link}${quote}`;
          })
          .replace(/^\s*\/\/[#@] sourceMappingURL=.*$/gm, "");
        if (/\bfrom\s*["']@noble\//.test(code)) throw new Error(`unresolved @noble import in ${source}`);
        mkdirSync(dirname(target), { recursive: true });
        writeFileSync(target, code);
      }
    }
  };
  walk(from);
  cpSync(join(from, "LICENSE"), join(to, "LICENSE"));
};
copyNoble("curves");
copyNoble("hashes");
writeFileSync(join(noble, "package.json"), `${JSON.stringify({ type: "module", sideEffects: false })}\n`);

const version = (name) => JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;
console.log(
  `built static/build with govuk-frontend ${version("govuk-frontend")}, leaflet ${version("leaflet")}, ` +
    `@noble/curves ${version("@noble/curves")} and @noble/hashes ${version("@noble/hashes")}`,
);
