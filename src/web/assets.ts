/** The dashboard's one stylesheet, served from /assets/app.css (no inline styles: strict CSP). */
export const APP_CSS = `
:root{--bg:#f6f7fb;--card:#fff;--ink:#1b1f2a;--muted:#5b6475;--line:#e3e6ee;--brand:#4f46e5;--brand-ink:#fff;
--ok:#0f7b4c;--warn:#9a6700;--bad:#b42318;--radius:10px;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--ink);font-size:15px;line-height:1.5}
a{color:var(--brand)}.sr-only{position:absolute;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,textarea:focus-visible{outline:3px solid #a5b4fc;outline-offset:2px}
header.top{background:#111827;color:#fff;display:flex;align-items:center;gap:1.5rem;padding:.7rem 1.5rem;flex-wrap:wrap}
header.top .logo{font-weight:700;letter-spacing:.2px;color:#fff;text-decoration:none;font-size:1.05rem}
header.top .logo span{color:#a5b4fc}header.top nav{display:flex;gap:1rem;flex-wrap:wrap;flex:1}
header.top nav a{color:#d1d5db;text-decoration:none;padding:.2rem 0}header.top nav a[aria-current=page]{color:#fff;border-bottom:2px solid #a5b4fc}
header.top form{margin:0}header.top .who{color:#9ca3af;font-size:.9rem}
main{max-width:1100px;margin:0 auto;padding:1.5rem}main.narrow{max-width:460px;padding-top:3rem}
h1{font-size:1.5rem;margin:.2rem 0 1rem}h2{font-size:1.15rem;margin:1.5rem 0 .6rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:var(--radius);padding:1.25rem;margin-bottom:1rem}
label{display:block;font-weight:600;margin:.8rem 0 .25rem}label .hint{font-weight:400;color:var(--muted);font-size:.85rem}
input:not([type]),input[type=text],input[type=email],input[type=password],input[type=url],input[type=number],input[type=search],input[type=date],input[type=tel],select,textarea{
width:100%;padding:.55rem .7rem;border:1px solid #c9cede;border-radius:8px;font:inherit;background:#fff}
button,.button{display:inline-block;background:var(--brand);color:var(--brand-ink);border:0;border-radius:8px;padding:.55rem 1rem;font:inherit;font-weight:600;cursor:pointer;text-decoration:none}
button.secondary,.button.secondary{background:#eef0f6;color:var(--ink)}button.danger{background:var(--bad)}
.actions{display:flex;gap:.6rem;margin-top:1.2rem;flex-wrap:wrap;align-items:center}
.flash{padding:.7rem 1rem;border-radius:8px;margin-bottom:1rem}.flash.error{background:#fdecea;color:var(--bad)}.flash.ok{background:#e7f6ee;color:var(--ok)}
table{width:100%;border-collapse:collapse;background:var(--card)}th,td{text-align:left;padding:.5rem .6rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-size:.8rem;text-transform:uppercase;letter-spacing:.04em;color:var(--muted)}
.muted{color:var(--muted)}.mono{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.88em;word-break:break-all}
.badge{display:inline-block;padding:.05rem .5rem;border-radius:999px;font-size:.8rem;font-weight:600;background:#eef0f6}
.badge.ok{background:#e7f6ee;color:var(--ok)}.badge.bad{background:#fdecea;color:var(--bad)}.badge.warn{background:#fff4d6;color:var(--warn)}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(220px,1fr));gap:1rem}
.stat{font-size:1.8rem;font-weight:700}.scopes li{margin:.2rem 0}.checks label{font-weight:400;display:flex;gap:.5rem;align-items:center;margin:.3rem 0}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:10}
.loc-head{display:flex;justify-content:space-between;align-items:baseline;gap:1rem;flex-wrap:wrap}.loc-head h1{margin-bottom:.4rem}
.switch a{margin-left:.4rem}.tabs{display:flex;gap:.3rem;border-bottom:1px solid var(--line);margin-bottom:1rem;flex-wrap:wrap}
.tabs a{padding:.45rem .9rem;text-decoration:none;color:var(--muted);border-bottom:2px solid transparent}.tabs a[aria-current=page]{color:var(--ink);border-bottom-color:var(--brand);font-weight:600}
form.inline{display:inline;margin:0}td.links a{margin-right:.5rem;white-space:nowrap}
.row{display:flex;gap:1rem;flex-wrap:wrap;align-items:flex-end}.row>*{flex:1 1 140px}.row>.actions{flex:0 0 auto}
.pair{display:grid;grid-template-columns:minmax(180px,240px) 1fr;gap:1.5rem;align-items:start}.qr svg{width:100%;height:auto;display:block;border:1px solid var(--line);border-radius:8px}
.secret{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:1.05rem;background:#f1f3f9;padding:.5rem .7rem;border-radius:8px;word-break:break-all;display:block}
.code{font-size:1.6rem;letter-spacing:.2em;font-weight:700}dl.kv{display:grid;grid-template-columns:max-content 1fr;gap:.3rem 1rem;margin:.5rem 0}dl.kv dt{color:var(--muted)}dl.kv dd{margin:0}
.pager{display:flex;gap:1rem;justify-content:flex-end;margin-top:.8rem}.chart{width:100%;height:auto;max-width:560px}.chart text{font-size:10px;fill:#5b6475}
.chart .sent{fill:#4f46e5}.chart .recv{fill:#0f7b4c}.chart .fail{fill:#b42318}.legend span{margin-right:1rem}.legend i{display:inline-block;width:.8rem;height:.8rem;border-radius:2px;margin-right:.3rem;vertical-align:-1px}
.legend .sent{background:#4f46e5}.legend .recv{background:#0f7b4c}.legend .fail{background:#b42318}
tr.just-sent{background:#eef2ff}p.body{white-space:pre-wrap}
.stats{display:grid;grid-template-columns:repeat(auto-fit,minmax(140px,1fr));gap:.7rem;margin:.6rem 0}
a.stat-card{display:flex;flex-direction:column;text-decoration:none;color:var(--ink);margin:0;padding:.8rem 1rem}a.stat-card:hover{border-color:var(--brand)}
a.stat-card.bad .stat{color:var(--bad)}h3{font-size:1rem;margin:1rem 0 .4rem}
.card>:first-child,.card>.loc-head:first-child h2{margin-top:0}td time,td.nowrap{white-space:nowrap}td.mono{word-break:normal;white-space:nowrap}
td ul{margin:0;padding-left:1.1rem}ol.attempts{margin:.3rem 0;padding-left:1.2rem;font-size:.85rem;white-space:nowrap}
details summary{cursor:pointer;color:var(--brand)}fieldset{border:1px solid var(--line);border-radius:8px;padding:.5rem 1rem 1rem;margin:.8rem 0}
@media (max-width:640px){.pair{grid-template-columns:1fr}.qr{max-width:240px}dl.kv{grid-template-columns:1fr;gap:.1rem}dl.kv dd{margin-bottom:.4rem}header.top nav{order:3;flex-basis:100%;gap:.4rem 1rem}}
@media (max-width:640px){main{padding:1rem}header.top{padding:.6rem 1rem}table{font-size:.9rem}}
`;

/**
 * The dashboard's one script, served from /assets/app.js (strict CSP: no inline scripts). Progressive
 * enhancement only: every page works without it. Elements with `data-live="<url>"` and an id are
 * refreshed from that URL every `data-every` seconds (default 3) while the tab is visible, except while the user is
 * typing in them or has changed a form inside them (so phone status and message status update live).
 */
export const APP_JS = `
(function () {
  "use strict";
  var dirty = new WeakSet();
  document.addEventListener("input", function (e) {
    var f = e.target && e.target.form;
    if (f) dirty.add(f);
  });
  function editing(el) {
    var a = document.activeElement;
    if (a && el.contains(a) && /^(INPUT|TEXTAREA|SELECT)$/.test(a.tagName)) return true;
    var forms = el.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) if (dirty.has(forms[i])) return true;
    return false;
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
          if (!fresh || editing(el) || fresh.innerHTML === el.innerHTML) continue;
          el.replaceWith(document.importNode(fresh, true));
        }
      })
      .catch(function () {})
      .then(function () { busy = false; });
  }
  setInterval(tick, 1000);
})();
`;
