// 人脸采集: capture 1–5 shots from the webcam (getUserMedia) into the same <input type=file> the officer can
// also fill from disk, so one multipart form carries both and the server runs the same quality checks.
(function () {
  "use strict";
  var script = document.getElementById("enrol-js");
  var max = parseInt((script && script.dataset.max) || "5", 10);
  var form = document.getElementById("enrol-form");
  if (!form) return;
  var input = form.querySelector('input[type="file"][name="photos"]');
  var box = document.getElementById("camera");
  var video = document.getElementById("camera-video");
  var status = document.getElementById("camera-status");
  var shotsBox = document.getElementById("shots");
  var startBtn = document.getElementById("camera-start");
  var shots = []; // File objects from the camera
  var picked = []; // File objects chosen from disk
  var stream = null;

  function say(text) { if (status) status.textContent = text; }

  function sync() {
    // Rebuild input.files from disk picks + camera shots (DataTransfer is the only way to set FileList).
    var dt = new DataTransfer();
    picked.concat(shots).forEach(function (f) { dt.items.add(f); });
    input.files = dt.files;
    var total = picked.length + shots.length;
    say(total > max ? "已选 " + total + " 张，超过 " + max + " 张上限，请删除多余照片。" : "已选 " + total + " 张照片");
  }

  function render() {
    shotsBox.innerHTML = "";
    shots.forEach(function (file, i) {
      var fig = document.createElement("figure");
      fig.className = "shot";
      var img = document.createElement("img");
      img.src = URL.createObjectURL(file);
      img.alt = "拍摄照片 " + (i + 1);
      var del = document.createElement("button");
      del.type = "button"; del.className = "btn btn-sm"; del.textContent = "删除";
      del.addEventListener("click", function () { shots.splice(i, 1); render(); sync(); });
      var cap = document.createElement("figcaption");
      cap.textContent = "拍摄 " + (i + 1);
      fig.appendChild(img); fig.appendChild(del); fig.appendChild(cap);
      shotsBox.appendChild(fig);
    });
  }

  input.addEventListener("change", function () {
    // Files chosen by hand replace earlier hand-picked files; camera shots stay.
    var all = Array.prototype.slice.call(input.files);
    picked = all.filter(function (f) { return shots.indexOf(f) < 0; });
    sync();
  });

  startBtn && startBtn.addEventListener("click", function () {
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
      alert("此浏览器不支持摄像头拍摄（需要 HTTPS 或本机访问），请改为上传照片。");
      return;
    }
    navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: "user" }, audio: false })
      .then(function (s) {
        stream = s; video.srcObject = s; box.hidden = false; startBtn.hidden = true;
        say("请让矫正对象正对镜头，光线充足，然后点击“拍摄一张”。");
      })
      .catch(function (err) {
        alert("无法打开摄像头：" + (err && err.name === "NotAllowedError" ? "未获得摄像头权限" : (err && err.message) || err) + "。请改为上传照片。");
      });
  });

  document.getElementById("camera-shoot").addEventListener("click", function () {
    if (!stream || !video.videoWidth) { say("摄像头尚未就绪，请稍候。"); return; }
    if (picked.length + shots.length >= max) { say("最多 " + max + " 张照片。"); return; }
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    canvas.toBlob(function (blob) {
      var file = new File([blob], "camera-" + (shots.length + 1) + ".jpg", { type: "image/jpeg" });
      shots.push(file); render(); sync();
    }, "image/jpeg", 0.92);
  });

  document.getElementById("camera-stop").addEventListener("click", function () {
    if (stream) stream.getTracks().forEach(function (t) { t.stop(); });
    stream = null; box.hidden = true; startBtn.hidden = false;
  });

  form.addEventListener("submit", function (e) {
    var total = picked.length + shots.length;
    if (total === 0 && input.files.length === 0) { e.preventDefault(); say("请先拍摄或选择照片。"); }
    else if (total > max) { e.preventDefault(); say("最多 " + max + " 张照片，请删除多余照片。"); }
  });
})();
