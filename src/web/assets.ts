/** The dashboard's one stylesheet, served from /assets/app.css (no inline styles: strict CSP). */
export const APP_CSS = `
:root{--bg:#f6f7fb;--card:#fff;--ink:#1b1f2a;--muted:#5b6475;--line:#e3e6ee;--brand:#4f46e5;--brand-ink:#fff;
--ok:#0b6e44;--warn:#8a5c00;--bad:#b42318;--radius:10px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);font-size:15px;line-height:1.5}
a{color:var(--brand)}.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible,summary:focus-visible,[tabindex]:focus-visible{outline:3px solid #a5b4fc;outline-offset:2px}
header.top{background:#111827;color:#fff;display:flex;align-items:center;gap:.5rem 1.5rem;padding:.7rem 1.5rem;flex-wrap:wrap}
header.top .logo{font-weight:700;letter-spacing:.2px;color:#fff;text-decoration:none;font-size:1.05rem;white-space:nowrap}
header.top .logo span{color:#a5b4fc}header.top nav{display:flex;gap:.25rem 1rem;flex-wrap:wrap;flex:1;position:relative}
header.top nav a{color:#d1d5db;text-decoration:none;padding:.2rem 0;white-space:nowrap}header.top nav a[aria-current]{color:#fff;border-bottom:2px solid #a5b4fc}
header.top .user{display:flex;align-items:center;gap:1rem}header.top form{margin:0}header.top .who{color:#9ca3af;font-size:.9rem}
header.top a.who{display:inline-block;padding:.2rem 0}
main{max-width:1100px;margin:0 auto;padding:1.5rem}main.narrow{max-width:460px;padding-top:3rem}
h1{font-size:1.5rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .6rem}h1,h2,h3{overflow-wrap:break-word}
.card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:1.25rem;margin-bottom:1rem}
label{display:block;font-weight:600;margin:.8rem 0 .25rem}label .hint{font-weight:400;color:var(--muted);font-size:.85rem}
input:not([type]),input[type=text],input[type=email],input[type=password],input[type=url],input[type=number],input[type=search],input[type=date],input[type=tel],select,textarea{
width:100%;padding:.55rem .7rem;border:1px solid #c9cede;border-radius:8px;font:inherit;background:#fff}
[aria-invalid=true]{border-color:var(--bad);box-shadow:0 0 0 1px var(--bad)}
button,.button{display:inline-block;background:var(--brand);color:var(--brand-ink);border:0;border-radius:8px;padding:.55rem 1rem;font:inherit;font-weight:600;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#eef0f6;color:var(--ink)}button.danger{background:var(--bad)}
.actions{display:flex;gap:.6rem;margin-top:1.2rem;flex-wrap:wrap;align-items:center}
.flash{padding:.7rem 1rem;border-radius:8px;margin-bottom:1rem;overflow-wrap:anywhere}.flash.error{background:#fdecea;color:var(--bad)}.flash.ok{background:#e7f6ee;color:var(--ok)}
.table-scroll{overflow-x:auto;max-width:100%;margin-bottom:.3rem;position:relative}
table{width:100%;border-collapse:collapse;background:var(--card)}th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
pre{overflow-x:auto;max-width:100%}
.muted{color:var(--muted)}.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.88em;overflow-wrap:anywhere}
td .mono,td.mono{overflow-wrap:normal}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;background:#eef0f6}
.badge.ok{background:#e7f6ee;color:var(--ok)}.badge.bad{background:#fdecea;color:var(--bad)}.badge.warn{background:#fff4d6;color:var(--warn)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:1rem}
.stat{font-size:1.8rem;font-weight:700}.scopes li{margin:.2rem 0}.checks label{font-weight:400;display:flex;gap:.5rem;align-items:center;margin:.3rem 0}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:10}
.loc-head{display:flex;justify-content:space-between;align-items:baseline;gap:.2rem 1rem;flex-wrap:wrap}.loc-head h1{margin-bottom:.4rem}
.switch a{display:inline-block;margin-left:.4rem;padding:.15rem 0}.tabs{display:flex;gap:.3rem;border-bottom:1px solid var(--line);margin-bottom:1rem;flex-wrap:wrap}
.tabs a{padding:.45rem .9rem;text-decoration:none;color:var(--muted);border-bottom:2px solid transparent}.tabs a[aria-current=page]{color:var(--ink);border-bottom-color:var(--brand);font-weight:600}
form.inline{display:inline;margin:0}td.links a{display:inline-block;margin-right:.3rem;padding:.2rem .15rem;white-space:nowrap}
.row{display:flex;gap:0 1rem;flex-wrap:wrap;align-items:flex-end}.row>*{flex:1 1 180px}.row>.actions{flex:0 0 auto}
.pair{display:grid;grid-template-columns:minmax(180px,240px) 1fr;gap:1.5rem;align-items:start}.qr svg{width:100%;height:auto;display:block;border:1px solid var(--line);border-radius:8px}
.secret{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:1.05rem;background:#f1f3f9;padding:.5rem .7rem;border-radius:8px;word-break:break-all;display:block}
.code{font-size:1.6rem;letter-spacing:.2em;font-weight:700}dl.kv{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.3rem 1rem;margin:.5rem 0}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0;overflow-wrap:anywhere}
.pager{display:flex;gap:1rem;justify-content:flex-end;margin-top:.8rem}.pager a{display:inline-block;padding:.2rem 0}.chart{width:100%;height:auto;max-width:560px}.chart text{font-size:10px;fill:#5b6475}
.chart .sent{fill:#4f46e5}.chart .recv{fill:#0f7b4c}.chart .fail{fill:#b42318}.legend span{margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
.legend .sent{background:#4f46e5}.legend .recv{background:#0f7b4c}.legend .fail{background:#b42318}
tr.just-sent{background:#eef2ff}p.body{white-space:pre-wrap;overflow-wrap:anywhere}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:.7rem;margin:.6rem 0}
a.stat-card{display:flex;flex-direction:column;text-decoration:none;color:var(--ink);margin:0;padding:.8rem 1rem}a.stat-card:hover{border-color:var(--brand)}
a.stat-card.bad .stat{color:var(--bad)}h3{font-size:1rem;margin:1rem 0 .4rem}
.card>:first-child,.card>.loc-head:first-child h2{margin-top:0}td time,td.nowrap{white-space:nowrap}td.mono{white-space:nowrap}
td ul{margin:0;padding-left:1.1rem}ol.attempts{margin:.3rem 0;padding-left:1.2rem;font-size:.85rem;white-space:nowrap}
.checks .mono{white-space:nowrap;overflow-wrap:normal}
footer.foot{max-width:1100px;margin:0 auto;padding:0 1.5rem 2rem;color:var(--muted);font-size:.9rem}footer.foot a{display:inline-block;padding:.2rem 0}
details summary{cursor:pointer;color:var(--brand);padding:.1rem 0}fieldset{border:1px solid var(--line);border-radius:8px;padding:.5rem 1rem 1rem;margin:.8rem 0;min-width:0}
@media (max-width:640px){
main{padding:.75rem}main.narrow{padding-top:1.25rem}.card{padding:.9rem}table{font-size:.9rem}th,td{padding:.45rem .45rem}
.pair{grid-template-columns:1fr}.qr{max-width:240px}dl.kv{grid-template-columns:minmax(0,1fr);gap:.1rem}dl.kv dd{margin-bottom:.4rem}
header.top{padding:.35rem .75rem;gap:.1rem .75rem}
header.top nav{flex:1 1 0;min-width:0;flex-wrap:nowrap;overflow-x:auto;scrollbar-width:thin;gap:.9rem;padding-bottom:.1rem}
header.top .user{flex:1 0 100%;justify-content:flex-end;gap:.8rem;font-size:.9rem;min-width:0}header.top span.who{min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
header.top .user button{padding:.25rem .7rem}
h1{font-size:1.3rem}.tabs{flex-wrap:nowrap;overflow-x:auto;gap:0}.tabs a{padding:.4rem .55rem;white-space:nowrap}footer.foot{padding:0 .75rem 1.5rem}
td time,td.nowrap,td.mono,ol.attempts{white-space:normal}
}
.doc-code{background:#f1f3f9;border:1px solid var(--line);border-radius:8px;padding:.6rem .8rem;font-size:.85rem;line-height:1.45;margin:.3rem 0 .8rem}
.doc-op h4{font-size:.95rem;margin:1.1rem 0 .35rem}.docs code{font-size:.9em;background:#f1f3f9;padding:0 .2rem;border-radius:4px;overflow-wrap:anywhere}.doc-code code{background:none;padding:0}
.foot{max-width:1100px;margin:0 auto;padding:0 1.5rem 2rem;color:var(--muted);font-size:.9rem}.foot a{display:inline-block;padding:.3rem 0}
form.presets{display:flex;flex-wrap:wrap;gap:.4rem;align-items:center;margin:0 0 .4rem}ol.attempts,ol.attempts .mono{white-space:normal;overflow-wrap:anywhere}
.next-step{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;margin:.4rem 0 .8rem}.flash ol{margin:.3rem 0;padding-left:1.3rem}
fieldset.checks>legend{padding:0 .4rem}
`;

/**
 * The dashboard's one script, served from /assets/app.js on every page (strict CSP: no inline scripts).
 * Progressive enhancement only: every page works without it.
 *
 * Live regions: elements with `data-live="<url>"` and an id are refreshed from that URL every
 * `data-every` seconds (default 3) while the tab is visible, so phone and message status update live.
 * A region the user is working in is left as it is until they leave it: one holding the keyboard
 * focus (any element: a button, a link, a <summary>, the table's scroll box), an open <details>, a
 * form they changed, or a form's error (the fresh copy would drop it and the values sent). Replacing it would throw focus back to <body> (a keyboard user starts again at the
 * top, a screen reader loses its place) or fold the details up. Times count as changed only when their
 * text does: a phone's heartbeat moves the exact instant in <time datetime> every few seconds, which
 * nobody sees, and must not rebuild the region each poll. A table's sideways scroll survives an update.
 *
 * Narrow screens: the main navigation is one scrollable line; the current entry is scrolled into view.
 */
export const APP_JS = `
(function () {
  "use strict";
  var dirty = new WeakSet();
  document.addEventListener("input", function (e) {
    var f = e.target && e.target.form;
    if (f) dirty.add(f);
  });
  function inUse(el) {
    var a = document.activeElement;
    if (a && a !== document.body && a !== document.documentElement && el.contains(a)) return true;
    if (el.querySelector("details[open], [aria-invalid=true], [role=alert]")) return true;
    var forms = el.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) if (dirty.has(forms[i])) return true;
    return false;
  }
  function shown(el) {
    return el.innerHTML.replace(/ datetime="[^"]*"/g, "");
  }
  function scrolls(el) {
    var out = [];
    var boxes = el.querySelectorAll(".table-scroll");
    for (var i = 0; i < boxes.length; i++) out.push(boxes[i].scrollLeft);
    return out;
  }
  function replace(el, fresh) {
    var kept = scrolls(el);
    var next = document.importNode(fresh, true);
    el.replaceWith(next);
    var boxes = next.querySelectorAll(".table-scroll");
    for (var i = 0; i < boxes.length && i < kept.length; i++) if (kept[i]) boxes[i].scrollLeft = kept[i];
  }
  var busy = false;
  var last = 0;
  function tick() {
    if (busy || document.hidden) return;
    var regions = document.querySelectorAll("[data-live][id]");
    if (regions.length === 0) return;
    var every = Number(regions[0].getAttribute("data-every")) || 3;
    if (Date.now() - last < every * 1000 - 100) return;
    last = Date.now();
    var url = regions[0].getAttribute("data-live");
    if (!url || url.charAt(0) !== "/" || url.charAt(1) === "/") return;
    busy = true;
    fetch(url, { credentials: "same-origin", headers: { accept: "text/html" } })
      .then(function (r) { return r.ok ? r.text() : ""; })
      .then(function (text) {
        if (!text) return;
        var doc = new DOMParser().parseFromString(text, "text/html");
        for (var i = 0; i < regions.length; i++) {
          var el = regions[i];
          var fresh = doc.getElementById(el.id);
          if (!fresh || !el.isConnected || inUse(el) || shown(fresh) === shown(el)) continue;
          replace(el, fresh);
        }
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  setInterval(tick, 1000);
  function showCurrentNav() {
    var nav = document.querySelector("header.top nav");
    var cur = nav && nav.querySelector("[aria-current]");
    if (!cur || nav.scrollWidth <= nav.clientWidth) return;
    var left = cur.offsetLeft - nav.offsetLeft;
    if (left + cur.offsetWidth > nav.scrollLeft + nav.clientWidth) nav.scrollLeft = left - 16;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", showCurrentNav);
  else showCurrentNav();
})();
`;
