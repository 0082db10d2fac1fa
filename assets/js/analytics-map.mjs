// The map of where problem reports cluster, on the staff analytics page of reports
// (/staff/analytics/reports/). Progressive enhancement only: the page lists the same
// places in a table (rank, latitude, longitude, number of reports) that works without
// this file or without JavaScript; the map only draws them.
//
// Load after static/build/leaflet/leaflet.css:
//   <script type="module" src="{% static 'build/js/analytics-map.mjs' %}" nonce="{{ request.csp_nonce }}"></script>
//
//   <div data-module="analytics-map" data-points="cluster-points" ...></div>
//   {{ map_points|json_script:"cluster-points" }}
// Attributes: those of map-base.mjs (data-tile-url, data-tile-attribution, data-map-label,
// data-zoom-in-text, data-zoom-out-text), and
//   data-points  id of a <script type="application/json"> element (Django's json_script)
//                holding a list of {lat, lng, count, label}: one circle each, its area
//                in proportion to count; label (plain text) shows when it is clicked.
// The first view fits every circle.
import * as L from "../leaflet/leaflet-src.esm.js";
import { baseMap, isPosition } from "./map-base.mjs";

const CIRCLE = { color: "#0b0c0c", weight: 2, fillColor: "#d4351c", fillOpacity: 0.55 };
const SMALLEST = 6; // pixels: the radius of the least busy place
const LARGEST = 30; // pixels: the radius of the busiest place

// The list named by data-points, keeping only entries with a position and a count.
function readPoints(element) {
  const id = element.dataset.points;
  const source = id ? document.getElementById(id) : null;
  if (!source) return [];
  let data;
  try {
    data = JSON.parse(source.textContent);
  } catch {
    return [];
  }
  if (!Array.isArray(data)) return [];
  return data.filter(
    (point) => point && isPosition(Number(point.lat), Number(point.lng)) && Number(point.count) > 0,
  );
}

function initAnalyticsMap(element) {
  const points = readPoints(element);
  if (!points.length) return;
  const container = document.createElement("div");
  container.className = "app-map app-map--staff";
  element.prepend(container);
  // No fade: a popup half faded in reads as low contrast (to people and to axe).
  const map = baseMap(element, container, { fadeAnimation: false });

  const busiest = Math.max(...points.map((point) => Number(point.count)));
  const bounds = L.latLngBounds([]);
  const circles = points.map((point) => {
    const position = [Number(point.lat), Number(point.lng)];
    bounds.extend(position);
    // Area, not radius, in proportion to the count: a place with four times the reports
    // looks four times as big, not sixteen.
    const radius = SMALLEST + (LARGEST - SMALLEST) * Math.sqrt(Number(point.count) / busiest);
    const circle = L.circleMarker(position, { ...CIRCLE, radius });
    if (point.label) {
      const text = document.createElement("p");
      text.dir = "auto";
      text.textContent = String(point.label);
      circle.bindPopup(text);
    }
    return circle;
  });
  // Vectors are added once the view is set: Leaflet draws them against the map's pixel bounds.
  if (bounds.isValid()) {
    map.fitBounds(bounds, { maxZoom: 16, padding: [30, 30] });
  } else {
    map.setView([0, 0], 2);
  }
  for (const circle of circles) circle.addTo(map);
  element.dataset.mapShown = "true";
}

for (const element of document.querySelectorAll('[data-module="analytics-map"]')) {
  if (element.dataset.mapReady) continue;
  element.dataset.mapReady = "true";
  initAnalyticsMap(element);
}
