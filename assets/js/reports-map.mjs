// Maps for "Report a problem". Progressive enhancement only: without this file
// (or without JavaScript) people type a latitude and longitude into the form,
// and read the server-rendered list of reports.
//
// Load on the pages that have a map, after static/build/leaflet/leaflet.css:
//   <link rel="stylesheet" href="{% static 'build/leaflet/leaflet.css' %}">
//   <script type="module" src="{% static 'build/js/reports-map.mjs' %}" nonce="{{ request.csp_nonce }}"></script>
//
// Attributes read by both kinds of map (all optional unless marked):
//   data-tile-url          Leaflet tile URL template ({s}, {z}, {x}, {y}); empty = no tiles
//   data-tile-attribution  credit for the tiles, plain text (escaped here, never read as HTML)
//   data-center-lat        latitude of the first view (default 0)
//   data-center-lng        longitude of the first view (default 0)
//   data-zoom              zoom of the first view, 0-19 (default 2)
//   data-fit-bounds        "minLat,minLng,maxLat,maxLng": first view fitted to this box
//                          instead of centre and zoom
//   data-map-label         accessible name of the map region (aria-label)
//   data-zoom-in-text      label of the "+" button (default "Zoom in")
//   data-zoom-out-text     label of the "-" button (default "Zoom out")
//
// Text inside the element that is true only when the map is there (marked
// data-map-note, and `hidden` in the HTML) is shown once the map is drawn; text
// for pages without a map (data-no-map-note) is then hidden. Without JavaScript,
// or when the map cannot be made, the page keeps its no-map wording.
//
// 1. Location picker: an element around the normal form fields
//      <div data-module="report-location-picker" ...> ... <input name="lat"> <input name="lng"> ... </div>
//    Required: text inputs named "lat" and "lng" inside the element. The map and a
//    "pin the centre" button go just before the fieldset holding both inputs (or
//    the .govuk-form-group of "lat", or the "lat" input itself). Extra attribute:
//      data-centre-button-text  text of that button (default "Use the centre of the map")
//    Clicking the map or the button writes both inputs (6 decimal places, "."
//    as decimal separator); typing into them moves the pin. Inputs that already
//    hold a position (e.g. after a form error) centre the map on it.
//
// 2. Public reports map:
//      <div data-module="reports-map" data-reports-url="/reports/map.json?category=x" ...></div>
//    The map is inserted as the element's first child; other content stays.
//    Extra attributes:
//      data-reports-url  (required) URL answering GeoJSON; "bbox=minLng,minLat,maxLng,maxLat"
//                        is appended with "?" or "&"; fetched with Accept: application/json
//                        when the map opens and 250 ms after each move or zoom
//    Expected answer (other members are ignored):
//      {"type": "FeatureCollection", "features": [
//        {"type": "Feature",
//         "geometry": {"type": "Point", "coordinates": [lng, lat]},
//         "properties": {
//           "id": 42,                        (required) unique; keeps markers across fetches
//           "title": "Pothole on High St",   link text in the popup
//           "url": "/reports/42/",           link target (http(s) or relative only)
//           "status": "in_progress",         not shown
//           "status_label": "In progress",   shown in the popup, translated
//           "status_group": "open",          "open" or "closed": colour and size of the marker
//           "category": "Roads"              shown in the popup if present: a display name, not a slug
//         }}]}
import * as L from "../leaflet/leaflet-src.esm.js";
import { baseMap, isPosition } from "./map-base.mjs";

const COLOURS = { open: "#d4351c", closed: "#00703c" };

const number = (value) => {
  const text = String(value ?? "").trim().replace(",", ".");
  return text === "" ? Number.NaN : Number(text);
};

const clamp = (value, limit) => Math.min(limit, Math.max(-limit, value));

const showMapNotes = (element) => {
  for (const note of element.querySelectorAll("[data-map-note]")) note.hidden = false;
  for (const note of element.querySelectorAll("[data-no-map-note]")) note.hidden = true;
};

// Makes a Leaflet map in `container` (already in the page) from the attributes
// of `element`. First view: `start` if given, else data-fit-bounds, else the
// centre and zoom. Set before the map loads, so it never animates.
function createMap(element, container, start = null) {
  const data = element.dataset;
  const map = baseMap(element, container, { worldCopyJump: true });
  const lat = number(data.centerLat);
  const lng = number(data.centerLng);
  const zoom = Number.isFinite(number(data.zoom)) ? number(data.zoom) : 2;
  const fit = (data.fitBounds || "").split(",").map(number);
  if (start) {
    map.setView(start, zoom);
  } else if (fit.length === 4 && isPosition(fit[0], fit[1]) && isPosition(fit[2], fit[3])) {
    map.fitBounds(
      [
        [fit[0], fit[1]],
        [fit[2], fit[3]],
      ],
      { maxZoom: 17, padding: [20, 20] },
    );
  } else {
    map.setView(isPosition(lat, lng) ? [lat, lng] : [0, 0], zoom);
  }
  return map;
}

function initPicker(element) {
  const lat = element.querySelector('input[name="lat"]');
  const lng = element.querySelector('input[name="lng"]');
  if (!lat || !lng) return;
  const inside = (node) => node && node !== element && element.contains(node);
  const fieldset = lat.closest("fieldset");
  const anchor =
    (inside(fieldset) && fieldset.contains(lng) && fieldset) ||
    (inside(lat.closest(".govuk-form-group")) && lat.closest(".govuk-form-group")) ||
    lat;

  const container = document.createElement("div");
  container.className = "app-map app-map--picker";
  anchor.before(container);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "govuk-button govuk-button--secondary";
  button.textContent = element.dataset.centreButtonText || "Use the centre of the map";
  container.after(button);

  const read = () => {
    const a = number(lat.value);
    const b = number(lng.value);
    return isPosition(a, b) ? L.latLng(a, b) : null;
  };
  const start = read();
  const map = createMap(element, container, start);
  showMapNotes(element);
  let pin = null;
  const place = (position) => {
    if (pin) {
      pin.setLatLng(position);
    } else {
      pin = L.circleMarker(position, {
        radius: 10,
        color: "#0b0c0c",
        weight: 3,
        fillColor: "#1d70b8",
        fillOpacity: 0.9,
        interactive: false,
      }).addTo(map);
    }
  };
  const write = (position) => {
    lat.value = position.lat.toFixed(6);
    lng.value = position.lng.toFixed(6);
  };
  if (start) place(start);

  map.on("click", (event) => {
    place(event.latlng);
    write(event.latlng.wrap());
  });
  button.addEventListener("click", () => {
    const centre = map.getCenter().wrap();
    place(centre);
    write(centre);
  });
  const typed = (event) => {
    const position = read();
    if (!position) {
      if (pin) pin.remove();
      pin = null;
      return;
    }
    place(position);
    // Pan only once the person has finished typing (change), not at each key.
    if (event.type === "change" && !map.getBounds().contains(position)) map.panTo(position);
  };
  for (const input of [lat, lng]) {
    input.addEventListener("input", typed);
    input.addEventListener("change", typed);
  }
}

function safeUrl(url) {
  try {
    const parsed = new URL(String(url), document.baseURI);
    return parsed.protocol === "http:" || parsed.protocol === "https:" ? parsed.href : null;
  } catch {
    return null;
  }
}

function popupContent(properties) {
  const box = document.createElement("div");
  box.dir = "auto";
  const heading = document.createElement("p");
  const title = String(properties.title ?? "");
  const href = properties.url ? safeUrl(properties.url) : null;
  if (href) {
    const link = document.createElement("a");
    link.href = href;
    link.className = "govuk-link";
    link.textContent = title;
    heading.append(link);
  } else {
    heading.textContent = title;
  }
  box.append(heading);
  for (const text of [properties.status_label, properties.category]) {
    if (text) {
      const line = document.createElement("p");
      line.textContent = String(text);
      box.append(line);
    }
  }
  return box;
}

function initReportsMap(element) {
  const base = element.dataset.reportsUrl;
  if (!base) return;
  const container = document.createElement("div");
  container.className = "app-map";
  element.prepend(container);
  const map = createMap(element, container);
  showMapNotes(element);

  const markers = new Map(); // report id -> circle marker
  const draw = (collection) => {
    const seen = new Set();
    for (const feature of collection?.features || []) {
      const properties = feature?.properties || {};
      const [lng, lat] = feature?.geometry?.coordinates || [];
      if (feature?.geometry?.type !== "Point" || !isPosition(lat, lng)) continue;
      const id = String(properties.id ?? `${lat},${lng}`);
      seen.add(id);
      if (markers.has(id)) continue;
      const closed = properties.status_group === "closed";
      const marker = L.circleMarker([lat, lng], {
        radius: closed ? 6 : 9,
        color: "#0b0c0c",
        weight: 2,
        fillColor: closed ? COLOURS.closed : COLOURS.open,
        fillOpacity: 0.9,
      });
      const content = popupContent(properties);
      marker.bindPopup(content);
      marker.addTo(map);
      markers.set(id, marker);
      // SVG paths are not focusable: make each report reachable by keyboard.
      const path = marker.getElement();
      if (path) {
        path.setAttribute("tabindex", "0");
        path.setAttribute("role", "button");
        path.setAttribute(
          "aria-label",
          [properties.title, properties.status_label].filter(Boolean).map(String).join(", "),
        );
        path.addEventListener("keydown", (event) => {
          if (event.key !== "Enter" && event.key !== " ") return;
          event.preventDefault();
          marker.openPopup();
          marker.getPopup().getElement()?.querySelector("a.govuk-link")?.focus();
        });
        // Leaflet closes popups on Escape only while the map itself has focus.
        content.addEventListener("keydown", (event) => {
          if (event.key === "Escape") marker.closePopup();
        });
        marker.on("popupclose", (event) => {
          if (event.popup.getElement()?.contains(document.activeElement)) path.focus();
        });
      }
    }
    // Drop reports no longer in view, but never the one whose popup is open.
    for (const [id, marker] of markers) {
      if (!seen.has(id) && !marker.isPopupOpen()) {
        marker.remove();
        markers.delete(id);
      }
    }
  };

  let controller = null;
  let shown = ""; // bbox of the last answer drawn
  const load = async () => {
    const bounds = map.getBounds();
    const bbox = [
      clamp(bounds.getWest(), 180),
      clamp(bounds.getSouth(), 90),
      clamp(bounds.getEast(), 180),
      clamp(bounds.getNorth(), 90),
    ]
      .map((value) => value.toFixed(6))
      .join(",");
    if (bbox === shown) return;
    if (controller) controller.abort();
    controller = new AbortController();
    const separator = !base.includes("?") ? "?" : /[?&]$/.test(base) ? "" : "&";
    try {
      const response = await fetch(`${base}${separator}bbox=${bbox}`, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        signal: controller.signal,
      });
      if (response.ok) {
        draw(await response.json());
        shown = bbox;
      }
    } catch {
      // Superseded by a newer request, offline or a bad answer: keep what is shown.
    }
  };

  let timer = 0;
  map.on("moveend", () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(load, 250);
  });
  load();
}

const once = (element, init) => {
  if (element.dataset.mapReady) return;
  element.dataset.mapReady = "true";
  init(element);
};

for (const element of document.querySelectorAll('[data-module="report-location-picker"]')) {
  once(element, initPicker);
}
for (const element of document.querySelectorAll('[data-module="reports-map"]')) {
  once(element, initReportsMap);
}
