// Maps of the back office of "Report a problem": where a report is (with the
// outline of its area), the agency's areas, and the preview of an uploaded
// area file before it is saved. Progressive enhancement only: without this
// file (or without JavaScript) the pages show the same places as text
// (coordinates and bounding boxes), and the server checks every upload.
//
// Load on the pages that have such a map, after static/build/leaflet/leaflet.css:
//   <script type="module" src="{% static 'build/js/staff-map.mjs' %}" nonce="{{ request.csp_nonce }}"></script>
//
//   <div data-module="staff-map" ...></div>
// The map is inserted as the element's first child; other content stays.
// Attributes (all optional):
//   data-tile-url          Leaflet tile URL template; empty = no tiles
//   data-tile-attribution  credit for the tiles, plain text (escaped here)
//   data-map-label         accessible name of the map region (aria-label)
//   data-zoom-in-text      label of the "+" button (default "Zoom in")
//   data-zoom-out-text     label of the "-" button (default "Zoom out")
//   data-point-lat         latitude of a point to mark (a report)
//   data-point-lng         its longitude
//   data-point-label       accessible name of the point ("Report #12")
//   data-shapes            id of a <script type="application/json"> element (Django's
//                          json_script) holding a GeoJSON geometry, Feature or
//                          FeatureCollection of polygons. A feature's
//                          properties.label is shown when its outline is clicked;
//                          properties.active false draws it grey and dashed.
// The first view fits the point and all outlines.
import * as L from "../leaflet/leaflet-src.esm.js";
import { baseMap, isPosition } from "./map-base.mjs";

const OUTLINE = { color: "#1d70b8", weight: 3, fillColor: "#1d70b8", fillOpacity: 0.15 };
// An area no longer used for routing: grey and dashed, so the live ones stand out.
const INACTIVE = { color: "#505a5f", weight: 2, dashArray: "6 6", fillColor: "#505a5f", fillOpacity: 0.05 };

const number = (value) => {
  const text = String(value ?? "").trim();
  return text === "" ? Number.NaN : Number(text);
};

// The GeoJSON named by data-shapes, or null when it is missing or not JSON.
function readShapes(element) {
  const id = element.dataset.shapes;
  const source = id ? document.getElementById(id) : null;
  if (!source) return null;
  try {
    return JSON.parse(source.textContent);
  } catch {
    return null;
  }
}

function initStaffMap(element) {
  const data = element.dataset;
  const container = document.createElement("div");
  container.className = "app-map app-map--staff";
  element.prepend(container);

  // No fade: a popup or tile half faded in reads as low contrast (to people and to axe).
  const map = baseMap(element, container, { fadeAnimation: false });

  // Layers are made first and added once the view is set: Leaflet draws vectors
  // against the map's pixel bounds, which exist only after the first view.
  const layers = [];
  const bounds = L.latLngBounds([]);
  const shapes = readShapes(element);
  if (shapes) {
    const layer = L.geoJSON(shapes, {
      style: (feature) => (feature?.properties?.active === false ? INACTIVE : OUTLINE),
      // Only outlines are drawn here: a stray Point in a FeatureCollection is not an area.
      filter: (feature) => /Polygon$/.test(feature?.geometry?.type || ""),
      onEachFeature: (feature, shape) => {
        const label = feature?.properties?.label;
        if (label) {
          const text = document.createElement("p");
          text.dir = "auto";
          text.textContent = String(label);
          shape.bindPopup(text);
        }
      },
    });
    layers.push(layer);
    if (layer.getBounds().isValid()) bounds.extend(layer.getBounds());
  }

  const lat = number(data.pointLat);
  const lng = number(data.pointLng);
  let marker = null;
  if (isPosition(lat, lng)) {
    marker = L.circleMarker([lat, lng], {
      radius: 10,
      color: "#0b0c0c",
      weight: 3,
      fillColor: "#d4351c",
      fillOpacity: 0.9,
      interactive: false,
    });
    layers.push(marker);
    bounds.extend([lat, lng]);
  }

  if (bounds.isValid()) {
    map.fitBounds(bounds, { maxZoom: 17, padding: [20, 20] });
  } else {
    map.setView([0, 0], 2);
  }
  for (const layer of layers) layer.addTo(map);
  const path = marker?.getElement();
  if (path && data.pointLabel) {
    path.setAttribute("role", "img");
    path.setAttribute("aria-label", data.pointLabel);
  }
  element.dataset.mapShown = "true";
}

for (const element of document.querySelectorAll('[data-module="staff-map"]')) {
  if (element.dataset.mapReady) continue;
  element.dataset.mapReady = "true";
  initStaffMap(element);
}
