/* 信息化核查 on the phone: start → prompt → burst of JPEG frames (with capture times) + location fix →
   one multipart upload → result.  Plain ES2017, no framework, works in an Android WebView / cheap browser.

   Frames are drawn from the un-mirrored camera stream (only the on-screen preview is mirrored by CSS): the
   server's head-turn direction relies on it.  If the upload fails for network reasons the *same* burst is
   sent again until the nonce window closes; a second challenge is never requested within the window. */
(function () {
  "use strict";
  var root = document.getElementById("checkin");
  if (!root) return;
  var $ = function (id) { return document.getElementById(id); };
  var cfg = {
    startUrl: root.dataset.startUrl, submitUrl: root.dataset.submitUrl, listUrl: root.dataset.listUrl,
    csrf: root.dataset.csrf, frames: parseInt(root.dataset.frames || "15", 10),
    burstMs: parseInt(root.dataset.burstMs || "2800", 10)
  };
  var stream = null, lastCheckin = null;

  function show(id, on) { $(id).hidden = !on; }
  function status(text) { $("ck-status").textContent = text || ""; }
  function prompt(text) { $("ck-prompt").textContent = text; }
  function progress(pct) {
    $("ck-bar").style.width = Math.max(0, Math.min(100, pct)) + "%";
    $("ck-bar").parentNode.setAttribute("aria-valuenow", String(Math.round(pct)));
  }
  function sleep(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function stopCamera() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); stream = null; }
  }

  async function api(url, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({"X-CSRFToken": cfg.csrf, "Accept": "application/json"}, options.headers || {});
    var r = await fetch(url, options);
    var body = null;
    try { body = await r.json(); } catch (e) { body = null; }
    return {status: r.status, ok: r.ok, body: body || {}};
  }

  function cameraError(err) {
    var name = err && err.name;
    if (name === "NotAllowedError" || name === "SecurityError")
      return "没有相机权限。请在浏览器设置中允许本网站使用相机后重试。";
    if (name === "NotFoundError" || name === "OverconstrainedError") return "没有找到前置摄像头。";
    if (name === "NotReadableError") return "相机被其他应用占用，请关闭其他使用相机的应用后重试。";
    return "无法打开相机（" + (name || "未知错误") + "），请换用系统浏览器打开。";
  }

  async function openCamera() {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia)
      throw new Error("此浏览器不支持调用相机，请使用手机自带浏览器或微信以外的浏览器打开。");
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: false, video: {facingMode: "user", width: {ideal: 640}, height: {ideal: 480}}
      });
    } catch (err) { throw new Error(cameraError(err)); }
    var v = $("ck-video");
    v.srcObject = stream;
    try { await v.play(); } catch (e) { /* autoplay attribute covers it */ }
    for (var i = 0; i < 50 && !(v.readyState >= 2 && v.videoWidth); i++) await sleep(100);
    if (!v.videoWidth) throw new Error("相机没有画面，请重试。");
    return v;
  }

  function locate() {
    return new Promise(function (resolve) {
      if (!navigator.geolocation) { resolve({error: "此浏览器不支持定位"}); return; }
      navigator.geolocation.getCurrentPosition(function (pos) {
        resolve({lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: pos.coords.accuracy});
      }, function (err) {
        resolve({error: err && err.code === 1 ? "没有定位权限" : "未能获取定位"});
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
  }

  function toBlob(canvas) {
    return new Promise(function (resolve) { canvas.toBlob(resolve, "image/jpeg", 0.8); });
  }

  async function recordBurst(video) {
    var w = video.videoWidth, h = video.videoHeight, scale = Math.min(1, 640 / Math.max(w, h));
    var c = document.createElement("canvas");
    c.width = Math.round(w * scale); c.height = Math.round(h * scale);
    var ctx = c.getContext("2d"), n = cfg.frames, gap = cfg.burstMs / (n - 1);
    var pending = [], times = [], t0 = Date.now();
    for (var i = 0; i < n; i++) {
      var due = t0 + i * gap;
      if (due > Date.now()) await sleep(due - Date.now());
      ctx.drawImage(video, 0, 0, c.width, c.height);  // not mirrored
      times.push(Date.now() / 1000);
      pending.push(toBlob(c));
      progress(((i + 1) / n) * 100);
    }
    return {frames: await Promise.all(pending), times: times};
  }

  function buildForm(nonce, burst, fix) {
    var form = new FormData();
    form.append("nonce", nonce);
    burst.frames.forEach(function (blob, i) { form.append("frames", blob, "frame-" + (i + 1) + ".jpg"); });
    form.append("capture_times", JSON.stringify(burst.times));
    if (fix && fix.lat !== undefined) {
      form.append("lat", String(fix.lat)); form.append("lon", String(fix.lon));
      form.append("accuracy", String(fix.accuracy));
      form.append("coord_system", "wgs84");  // the browser's Geolocation API reports WGS-84
    }
    return form;
  }

  var RETRYABLE = {502: 1, 503: 1, 504: 1};

  /* Send the same burst until it gets an answer or the nonce window closes. */
  async function upload(form, deadline) {
    var tries = 0, wait = 1500;
    while (true) {
      tries += 1;
      try {
        var r = await api(cfg.submitUrl, {method: "POST", body: form});
        if (!RETRYABLE[r.status]) { r.tries = tries; return r; }
      } catch (e) { /* network failure: retry below */ }
      if (Date.now() + wait > deadline) return {status: 0, ok: false, tries: tries, body: {
        code: "offline", message: "网络中断，本次核查已超出有效时间。请到信号较好的地方后重新开始核查。"}};
      status("网络不畅，正在重新上传（第 " + (tries + 1) + " 次）…");
      await sleep(wait);
      wait = Math.min(wait * 2, 8000);
    }
  }

  function renderResult(data) {
    lastCheckin = data;
    show("ck-stage", false); show("ck-intro", false); show("ck-result", true);
    var outcome = $("ck-outcome"), reasons = $("ck-reasons");
    outcome.className = data.outcome === "pass" ? "m-ok" : (data.outcome === "review" ? "m-warn" : "m-bad");
    outcome.textContent = data.outcome === "pass" ? "核查通过" :
      (data.outcome === "review" ? "已提交工作人员人工复核" : "核查未通过：" + (data.outcome_label || ""));
    reasons.innerHTML = "";
    var when = data.submitted_at ? new Date(data.submitted_at) : null;
    var stamp = when ? (when.getMonth() + 1) + "月" + when.getDate() + "日 " + when.getHours() + ":" +
      (when.getMinutes() < 10 ? "0" : "") + when.getMinutes() : "";
    var list = data.outcome === "pass" ? ["您已完成本次信息化核查" + (stamp ? "（" + stamp + "）" : "") + "。"]
      : (data.reasons || []);
    list.forEach(function (text) { var li = document.createElement("li"); li.textContent = text; reasons.appendChild(li); });
    $("ck-location").textContent = data.location_label ? "定位：" + data.location_label +
      (data.accuracy_m ? "（精度约 " + Math.round(data.accuracy_m) + " 米）" : "") +
      (data.location_reason && data.outcome === "pass" ? "。" + data.location_reason : "") : "";
    var retry = $("ck-retry");
    retry.hidden = !data.can_retry;
    retry.textContent = "重新核查（今天还可重试 " + (data.attempts_left || 0) + " 次）";
    $("ck-review").hidden = !data.can_request_review;
  }

  function renderError(body, canRestart) {
    show("ck-stage", false); show("ck-intro", false); show("ck-result", true);
    $("ck-outcome").className = "m-bad";
    $("ck-outcome").textContent = "未能完成核查";
    $("ck-reasons").innerHTML = "";
    var li = document.createElement("li");
    li.textContent = (body && body.message) || "请求失败，请稍后重试。";
    $("ck-reasons").appendChild(li);
    $("ck-location").textContent = "";
    $("ck-retry").hidden = !canRestart;
    $("ck-retry").textContent = "重新开始核查";
    $("ck-review").hidden = true;
  }

  async function latestCheckin() {
    try {
      var r = await api(cfg.listUrl + "?page_size=1", {method: "GET"});
      var rows = r.body && (r.body.results || r.body);
      return rows && rows.length ? rows[0] : null;
    } catch (e) { return null; }
  }

  async function run() {
    $("ck-start").disabled = true;
    show("ck-result", false); show("ck-intro", false); show("ck-stage", true);
    progress(0); status(""); prompt("正在打开相机…");
    var fixPromise = locate();
    try {
      var video = await openCamera();
      status("正在获取核查动作…");
      var start;
      try { start = await api(cfg.startUrl, {method: "POST"}); } catch (e) {
        throw new Error("网络不可用，无法开始核查。请到信号较好的地方后重试。");
      }
      if (!start.ok) {
        stopCamera();
        if (start.body.code === "attempts_exhausted") {
          var last = await latestCheckin();
          renderError(start.body, false);
          if (last && last.outcome !== "pass" && last.outcome !== "review" && !last.review_requested) {
            lastCheckin = last; $("ck-review").hidden = false;
          }
          return;
        }
        renderError(start.body, start.status !== 403);
        return;
      }
      var ch = start.body;
      var deadline = Date.now() + (ch.seconds || 60) * 1000;
      prompt("请" + ch.prompt);
      status("看到提示后请立即完成动作，保持脸在框内");
      await sleep(600);
      var burst = await recordBurst(video);
      stopCamera();
      prompt("拍摄完成");
      status("正在获取位置…");
      var fix = await Promise.race([fixPromise, sleep(8000).then(function () { return {error: "定位超时"}; })]);
      status(fix.error ? fix.error + "，将不带定位提交" : "正在上传并核验，请稍候…");
      var result = await upload(buildForm(ch.nonce, burst, fix), deadline);
      if (result.ok) { renderResult(result.body); return; }
      if (result.status === 409 && result.tries > 1) {
        // an earlier try reached the server, only its answer was lost: show that check-in
        var done = await latestCheckin();
        if (done) { renderResult(Object.assign(done, {can_retry: false, can_request_review: false})); return; }
      }
      renderError(result.body, result.status !== 403);
    } catch (err) {
      stopCamera();
      renderError({message: err.message || String(err)}, true);
    } finally {
      $("ck-start").disabled = false;
    }
  }

  async function requestReview() {
    if (!lastCheckin) return;
    var btn = $("ck-review");
    btn.disabled = true;
    try {
      var r = await api(cfg.listUrl + lastCheckin.id + "/request-review/", {method: "POST"});
      if (r.ok) renderResult(r.body);
      else renderError(r.body, false);
    } catch (e) {
      renderError({message: "网络中断，提交审核失败，请稍后再试。"}, false);
      $("ck-review").hidden = false;
    } finally { btn.disabled = false; }
  }

  $("ck-start").addEventListener("click", run);
  $("ck-retry").addEventListener("click", run);
  $("ck-review").addEventListener("click", requestReview);
})();
