// What every map of ours starts from (reports-map.mjs and staff-map.mjs import it):
// a Leaflet map in `container`, named as a region for screen readers, with zoom
// buttons labelled in the page's language and the configured tiles, all read from
// the data attributes of `element` (data-map-label, data-zoom-in-text,
// data-zoom-out-text, data-tile-url, data-tile-attribution).
import * as L from "../leaflet/leaflet-src.esm.js";

export const isPosition = (lat, lng) =>
  Number.isFinite(lat) && Number.isFinite(lng) && Math.abs(lat) <= 90 && Math.abs(lng) <= 180;

export const escapeHtml = (text) =>
  text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);

// `options` go to L.map (zoomControl is always ours).
export function baseMap(element, container, options = {}) {
  const data = element.dataset;
  container.setAttribute("role", "region");
  if (data.mapLabel) container.setAttribute("aria-label", data.mapLabel);
  const map = L.map(container, { ...options, zoomControl: false });
  L.control
    .zoom({ zoomInTitle: data.zoomInText || "Zoom in", zoomOutTitle: data.zoomOutText || "Zoom out" })
    .addTo(map);
  if (data.tileUrl) {
    L.tileLayer(data.tileUrl, {
      attribution: escapeHtml(data.tileAttribution || ""),
      maxZoom: 19,
      // The page's policy is "same-origin"; tile servers such as OpenStreetMap's
      // ask for a Referer, so send them our origin (never the page's path).
      referrerPolicy: "strict-origin",
    }).addTo(map);
  }
  return map;
}
