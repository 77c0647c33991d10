/* Countdown to each task deadline on the phone home page (剩余 mm:ss; 已超时 after the deadline). */
(function () {
  "use strict";
  var nodes = document.querySelectorAll(".js-countdown");
  if (!nodes.length) return;
  function tick() {
    var now = Date.now();
    Array.prototype.forEach.call(nodes, function (el) {
      var left = Math.floor((new Date(el.dataset.deadline).getTime() - now) / 1000);
      if (isNaN(left)) { el.textContent = ""; return; }
      if (left <= 0) { el.textContent = "已超时"; el.className = "js-countdown m-bad"; return; }
      var h = Math.floor(left / 3600), m = Math.floor((left % 3600) / 60), s = left % 60;
      el.textContent = "剩余 " + (h ? h + " 小时 " : "") + m + " 分 " + (s < 10 ? "0" : "") + s + " 秒";
    });
  }
  tick();
  setInterval(tick, 1000);
})();
