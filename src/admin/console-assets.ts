// The console's two static files, served by the Worker itself (no build step, no CDN): a style
// sheet that also fits a phone-sized screen, and a small script that only enhances (countdowns
// tick, a revocation asks first). Served as files because the Content-Security-Policy allows no
// inline style or script.

const CSS = `
:root { --fg:#1b1f24; --muted:#5b6470; --line:#d8dde3; --bg:#f6f7f9; --card:#fff; --accent:#1f5fbf;
  --ok:#1a7f37; --warn:#9a6700; --bad:#c62828; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
* { box-sizing: border-box; }
body { margin:0; color:var(--fg); background:var(--bg); font-size:15px; line-height:1.45; }
header { display:flex; flex-wrap:wrap; align-items:center; gap:.5rem 1rem; padding:.6rem 1rem; background:#14213d; color:#fff; }
header a { color:#fff; text-decoration:none; }
.brand { font-weight:700; margin-right:auto; }
nav { display:flex; flex-wrap:wrap; align-items:center; gap:.25rem .9rem; }
nav a[aria-current="page"] { text-decoration:underline; text-underline-offset:4px; }
nav form.logout { margin:0; }
nav form.logout button { background:transparent; color:#fff; border:1px solid #ffffff80; padding:.2rem .6rem; }
main { max-width:1100px; margin:0 auto; padding:1rem; }
h1 { font-size:1.4rem; margin:.2rem 0 1rem; }
h2 { font-size:1.1rem; margin:1.4rem 0 .6rem; }
footer { max-width:1100px; margin:0 auto; padding:0 1rem 2rem; color:var(--muted); font-size:.85rem; }
.cards { display:grid; grid-template-columns:repeat(auto-fill, minmax(150px, 1fr)); gap:.75rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:.7rem .9rem; }
.card .label { color:var(--muted); font-size:.8rem; text-transform:uppercase; letter-spacing:.03em; }
.card .value { font-size:1.6rem; font-weight:650; }
.card a { color:inherit; }
.panel { background:var(--card); border:1px solid var(--line); border-radius:8px; padding:.8rem 1rem; margin:.75rem 0; }
.scroll { overflow-x:auto; }
table { border-collapse:collapse; width:100%; background:var(--card); }
th, td { text-align:left; padding:.4rem .55rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-size:.8rem; color:var(--muted); text-transform:uppercase; letter-spacing:.03em; }
td.mono, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size:.85rem; word-break:break-all; }
dl.fields { display:grid; grid-template-columns:max-content 1fr; gap:.3rem 1rem; margin:0; }
dl.fields dt { color:var(--muted); }
dl.fields dd { margin:0; word-break:break-word; }
.badge { justify-self:start; display:inline-block; padding:.05rem .5rem; border-radius:999px; font-size:.8rem; font-weight:600; border:1px solid currentColor; }
.badge.ok { color:var(--ok); } .badge.warn { color:var(--warn); } .badge.bad { color:var(--bad); } .badge.muted { color:var(--muted); }
.notice { padding:.6rem .8rem; border-radius:6px; border:1px solid; margin:.6rem 0; }
.notice.ok { color:var(--ok); background:#eaf6ec; } .notice.warn { color:var(--warn); background:#fff6dd; }
.notice.error { color:var(--bad); background:#fdecec; font-weight:600; }
form.inline { display:inline-flex; flex-wrap:wrap; gap:.4rem; align-items:center; margin:.2rem 0; }
form.stack { display:grid; gap:.6rem; max-width:32rem; }
label { display:grid; gap:.2rem; font-weight:600; font-size:.9rem; }
input, select, textarea, button { font:inherit; padding:.4rem .55rem; border:1px solid var(--line); border-radius:6px; background:#fff; color:var(--fg); max-width:100%; }
button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; }
button.danger { background:var(--bad); border-color:var(--bad); }
button.secondary { background:#fff; color:var(--accent); }
.search { display:flex; flex-wrap:wrap; gap:.5rem; align-items:end; margin-bottom:.8rem; }
.search label { font-weight:400; }
.pager { display:flex; gap:1rem; margin:.8rem 0; }
.secret { font-size:1.05rem; padding:.6rem; background:#fff; border:2px dashed var(--accent); user-select:all; }
svg.chart { width:100%; height:auto; display:block; }
svg.chart .bar { fill:var(--accent); }
svg.chart .axis { stroke:var(--line); }
svg.chart text { fill:var(--muted); font-size:11px; }
pre { white-space:pre-wrap; word-break:break-all; background:#fff; border:1px solid var(--line); padding:.6rem; border-radius:6px; font-size:.8rem; }
@media (max-width: 600px) {
  main { padding:.6rem; }
  .card .value { font-size:1.3rem; }
  table.responsive thead { display:none; }
  table.responsive tr { display:block; border-bottom:2px solid var(--line); padding:.3rem 0; }
  table.responsive td { display:grid; grid-template-columns:7.5rem 1fr; border:0; padding:.15rem .4rem; }
  table.responsive td::before { content:attr(data-label); color:var(--muted); font-size:.8rem; }
  dl.fields { grid-template-columns:1fr; }
  dl.fields dd { margin-bottom:.4rem; }
}
`;

const JS = `"use strict";
// Countdowns: the server renders "in 12 days"; this keeps them current while the page is open.
(function () {
  function text(ms) {
    var diff = ms - Date.now(), abs = Math.abs(diff), d = Math.floor(abs / 86400000),
      h = Math.floor((abs % 86400000) / 3600000), m = Math.floor((abs % 3600000) / 60000);
    var parts = d > 0 ? d + " d " + h + " h" : h > 0 ? h + " h " + m + " min" : Math.max(m, 0) + " min";
    return diff >= 0 ? "in " + parts : parts + " ago";
  }
  function tick() {
    document.querySelectorAll("time[data-countdown]").forEach(function (el) {
      var ms = Date.parse(el.getAttribute("datetime"));
      if (!isNaN(ms)) el.textContent = text(ms);
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    tick();
    setInterval(tick, 30000);
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (e) {
        if (!window.confirm(form.getAttribute("data-confirm"))) e.preventDefault();
      });
    });
  });
})();
`;

export function consoleAsset(path: string): Response | undefined {
  const file =
    path === "/admin/console/console.css"
      ? { body: CSS, type: "text/css" }
      : path === "/admin/console/console.js"
        ? { body: JS, type: "text/javascript" }
        : undefined;
  if (!file) return undefined;
  return new Response(file.body, {
    headers: { "content-type": `${file.type}; charset=utf-8`, "cache-control": "private, max-age=300", "x-content-type-options": "nosniff" },
  });
}
