/* Map pages (Leaflet, vendored): trajectory of one subject, or the live map of the user's scope.
 * Coordinates arrive already in the tiles' system (the server converts for GCJ-02 tiles); without a tile
 * URL the map has a plain background and the boundary outlines only. */
(function () {
  "use strict";
  var COLOURS = { inside: "#1a7f37", near: "#d4a72c", outside: "#cf222e", discarded: "#8c959f" };

  function esc(s) {
    return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function status(text) {
    var el = document.getElementById("map-status");
    if (el) el.textContent = text;
  }

  function makeMap(el) {
    var map = L.map(el, { zoomControl: true, maxZoom: 18, zoomAnimation: true }).setView([35.41, 116.59], 10, { animate: false });
    var url = el.dataset.tileUrl;
    if (url) {
      L.tileLayer(url, { attribution: el.dataset.attribution || "", subdomains: el.dataset.subdomains || "1234", maxZoom: 18 }).addTo(map);
    } else {
      el.classList.add("no-tiles");
      map.attributionControl.addAttribution("未配置底图（MAP_TILE_URL）：仅显示行政区划边界");
    }
    return map;
  }

  function boundaryLayer(features) {
    return L.geoJSON({ type: "FeatureCollection", features: features }, {
      style: function (f) {
        return f.properties.kind === "zone"
          ? { color: "#cf222e", weight: 2, dashArray: "4 4", fillOpacity: 0.08, className: "yj-zone" }
          : { color: "#0969da", weight: 2, fillOpacity: 0.03, className: "yj-boundary" };
      },
      onEachFeature: function (f, layer) {
        var p = f.properties;
        layer.bindTooltip(p.kind === "zone" ? "禁止区域：" + esc(p.name) : esc(p.name) + "（" + esc(p.version) + "）");
      }
    });
  }

  function when(iso) {
    return String(iso || "").replace("T", " ").slice(0, 19);
  }

  function fixPopup(p) {
    return "<b>" + esc(when(p.time)) + "</b><br>精度：" + Math.round(p.accuracy) + " 米<br>定位方式：" +
      esc(p.source_label || p.source) + "<br>判定：" + esc(p.verdict_label) + (p.device ? "<br>设备：" + esc(p.device) : "");
  }

  function trajectory(map, doc) {
    var bounds = boundaryLayer(doc.features.filter(function (f) {
      return f.properties.kind === "boundary" || f.properties.kind === "zone";
    })).addTo(map);
    var fixes = doc.features.filter(function (f) { return f.properties.kind === "fix"; });
    var line = fixes.map(function (f) { return [f.geometry.coordinates[1], f.geometry.coordinates[0]]; });
    if (line.length > 1) L.polyline(line, { color: "#0969da", weight: 2, opacity: 0.6, className: "yj-track" }).addTo(map);
    fixes.forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      L.circleMarker([c[1], c[0]], {
        radius: 5, color: "#fff", weight: 1, fillColor: COLOURS[p.verdict] || "#0969da", fillOpacity: 0.9,
        className: "yj-fix yj-fix-" + (p.verdict || "none")
      }).bindPopup(fixPopup(p)).addTo(map);
    });
    doc.features.filter(function (f) { return f.properties.kind === "alert"; }).forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      L.circleMarker([c[1], c[0]], { radius: 10, color: "#8250df", weight: 3, fillOpacity: 0.15, className: "yj-alert" })
        .bindPopup("<b>" + esc(p.label) + "</b><br>" + esc(when(p.time)) + (p.boundary_version ? "<br>判定边界：" + esc(p.boundary_version) : ""))
        .addTo(map);
    });
    var target = line.length ? L.latLngBounds(line).pad(0.4) : bounds.getBounds();
    if (target.isValid()) map.fitBounds(target, { animate: false, maxZoom: 15 });
    status(doc.start.slice(0, 16).replace("T", " ") + " 至 " + doc.end.slice(0, 16).replace("T", " ") + "：" +
      doc.fixes + " 个定位点" + (doc.truncated ? "（超过上限，仅显示前 " + doc.fixes + " 个，请缩短时段）" : ""));
  }

  function live(map, doc, boundaries) {
    if (boundaries) {
      var b = boundaryLayer(boundaries.features).addTo(map);
      if (b.getBounds().isValid()) map.fitBounds(b.getBounds(), { animate: false });
    }
    doc.features.forEach(function (f) {
      var p = f.properties, c = f.geometry.coordinates;
      L.circleMarker([c[1], c[0]], {
        radius: 7, color: "#fff", weight: 1, fillColor: COLOURS[p.verdict] || "#0969da", fillOpacity: 0.95,
        className: "yj-latest yj-fix-" + (p.verdict || "none")
      }).bindPopup("<b><a href=\"" + esc(p.url) + "\">" + esc(p.name) + "</a></b><br>" + esc(when(p.time)) + "<br>精度：" +
        Math.round(p.accuracy) + " 米<br>定位方式：" + esc(p.source) + "<br>判定：" + esc(p.verdict_label)).addTo(map);
    });
    status(doc.features.length + " 名对象有最新位置");
  }

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) throw new Error(body.message || ("加载失败（" + r.status + "）"));
        return body;
      }, function () { throw new Error("加载失败（" + r.status + "），请刷新页面重试"); });
    });
  }

  function init() {
    var el = document.getElementById("map");
    if (!el || typeof L === "undefined") return;
    var map = makeMap(el);
    status("正在加载……");
    if (el.dataset.mode === "trajectory") {
      getJSON(el.dataset.url).then(function (doc) { trajectory(map, doc); el.dataset.ready = "1"; })
        .catch(function (e) { status(e.message); });
    } else {
      // one request after the other: each request saves the session (SESSION_SAVE_EVERY_REQUEST)
      getJSON(el.dataset.boundaries).then(function (boundaries) {
        return getJSON(el.dataset.url).then(function (doc) { live(map, doc, boundaries); el.dataset.ready = "1"; });
      }).catch(function (e) { status(e.message); });
      var btn = document.getElementById("map-reload");
      if (btn) btn.addEventListener("click", function () { window.location.reload(); });
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
