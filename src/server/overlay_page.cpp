// The OBS browser-source overlay: one self-contained page (no external assets) with a live score meter
// and a toast per highlight. It reconnects by itself with backoff when the server goes away.
#include "server/server_internal.hpp"

namespace hyped {

const std::string& overlay_page() {
  static const std::string page = R"HTML(<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>hyped overlay</title>
<style>
  html, body { margin: 0; background: transparent; overflow: hidden;
               font: 600 20px/1.3 system-ui, sans-serif; color: #fff; }
  #meter { position: absolute; left: 24px; bottom: 24px; width: 320px; height: 18px;
           background: rgba(0,0,0,.45); border-radius: 9px; overflow: hidden; }
  #meter-fill { height: 100%; width: 0%; background: linear-gradient(90deg,#4ade80,#facc15,#ef4444);
                transition: width .4s ease-out; }
  #meter-label { position: absolute; left: 24px; bottom: 46px; text-shadow: 0 1px 3px #000; font-size: 15px; }
  #status { position: absolute; right: 12px; bottom: 8px; font-size: 11px; opacity: .6; text-shadow: 0 1px 2px #000; }
  #toasts { position: absolute; top: 24px; right: 24px; display: flex; flex-direction: column; gap: 10px; }
  .toast { background: rgba(20,20,30,.85); border-left: 6px solid #ef4444; padding: 10px 16px;
           border-radius: 8px; min-width: 240px; box-shadow: 0 4px 16px rgba(0,0,0,.4);
           animation: slide-in .35s ease-out; }
  .toast .why { font-size: 14px; font-weight: 400; opacity: .85; }
  .toast.saved { border-left-color: #22c55e; }
  .toast.fade { opacity: 0; transition: opacity .8s; }
  @keyframes slide-in { from { transform: translateX(120%); } to { transform: none; } }
</style>
</head>
<body>
<div id="meter-label">hype <span id="score-value">0.0</span></div>
<div id="meter"><div id="meter-fill"></div></div>
<div id="toasts"></div>
<div id="status">connecting</div>
<script>
(function () {
  const params = new URLSearchParams(location.search);
  const channel = params.get("channel");
  const token = params.get("token");
  const scale = parseFloat(params.get("scale") || "5");   // score that fills the meter
  const toastMs = parseFloat(params.get("toast_s") || "8") * 1000;
  const fill = document.getElementById("meter-fill");
  const value = document.getElementById("score-value");
  const toasts = document.getElementById("toasts");
  const status = document.getElementById("status");
  let delay = 500;
  window.hypedHighlights = 0;

  function showScore(s) {
    value.textContent = s.toFixed(1);
    fill.style.width = Math.max(0, Math.min(100, 100 * s / scale)) + "%";
  }
  function toast(h) {
    const el = document.createElement("div");
    el.className = "toast";
    const title = document.createElement("div");
    title.textContent = "Highlight " + h.id + (h.channel ? " \u00b7 " + h.channel : "");
    const why = document.createElement("div");
    why.className = "why";
    why.textContent = (h.reasons || []).join(" + ") + " \u00b7 score " + Number(h.score).toFixed(1);
    el.append(title, why);
    toasts.prepend(el);
    window.hypedHighlights++;
    setTimeout(() => el.classList.add("fade"), toastMs);
    setTimeout(() => el.remove(), toastMs + 900);
  }
  // An action's result: "clip saved" when OBS saved its replay or Twitch made the clip.
  function actionToast(a) {
    if (!a.ok) return;
    const el = document.createElement("div");
    el.className = "toast saved";
    const title = document.createElement("div");
    title.textContent = a.kind === "twitch_marker" ? "marker set" : "clip saved";
    const why = document.createElement("div");
    why.className = "why";
    const where = a.clip_url || (a.path ? a.path.split(/[\\/]/).pop() : "");
    why.textContent = "Highlight " + a.highlight_id + (where ? " \u00b7 " + where : "") + (a.dry_run ? " (dry run)" : "");
    el.append(title, why);
    toasts.prepend(el);
    window.hypedSaved = (window.hypedSaved || 0) + 1;
    setTimeout(() => el.classList.add("fade"), toastMs);
    setTimeout(() => el.remove(), toastMs + 900);
  }
  function connect() {
    const q = token ? "?token=" + encodeURIComponent(token) : "";
    const ws = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/ws" + q);
    ws.onopen = () => {
      delay = 500;
      status.textContent = "live";
      ws.send(JSON.stringify({type: "subscribe", channels: channel ? [channel] : [], min_score: 0, scores: true}));
    };
    ws.onmessage = (ev) => {
      let m;
      try { m = JSON.parse(ev.data); } catch (e) { return; }
      if (m.type === "score") showScore(m.score);
      else if (m.type === "highlight") { showScore(m.score); if (!m.revision) toast(m); }
      else if (m.type === "action") actionToast(m);
    };
    ws.onclose = () => {
      status.textContent = "reconnecting";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
})();
</script>
</body>
</html>
)HTML";
  return page;
}

}  // namespace hyped
