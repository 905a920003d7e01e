/** Level colours, shared by the charts and the CSS (contrast-checked against white text or the page). */
export const LEVEL_COLOURS = { aligned: "#2e7d32", watch: "#b26a00", drifted: "#c62828", unknown: "#616161" } as const;
export const BAND_FILL = { aligned: "#e3f1e4", watch: "#fdf0d5", drifted: "#fbe1e1" } as const;

/** The page's only CSS; sent in one `<style nonce>` so a strict CSP can allow it. */
export const REPORT_CSS = `
:root{--fg:#1d1d1f;--muted:#555;--line:#d9d9de;--bg:#fff;--accent:#1f5fbf;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
*{box-sizing:border-box}
body{margin:0;line-height:1.5}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
.site-header{display:flex;flex-wrap:wrap;align-items:center;gap:1rem;padding:.75rem 1.5rem;border-bottom:1px solid var(--line)}
.site-header .brand{font-weight:700;color:var(--fg);text-decoration:none}
.site-header nav ul{display:flex;gap:1rem;list-style:none;margin:0;padding:0}
.site-header nav a{color:var(--accent)}
main{max-width:72rem;margin:0 auto;padding:1.5rem}
footer.site-footer{max-width:72rem;margin:0 auto;padding:1.5rem;color:var(--muted);font-size:.875rem;border-top:1px solid var(--line)}
h1{font-size:1.75rem;margin:.25rem 0 1rem}h2{font-size:1.35rem;margin:2.5rem 0 .75rem}h3{font-size:1.1rem;margin:1.5rem 0 .5rem}
a{color:var(--accent)}
.headline{font-size:1.2rem;font-weight:600}
.facts{display:grid;grid-template-columns:repeat(auto-fit,minmax(12rem,1fr));gap:1rem;margin:1rem 0;padding:0}
.facts div{border:1px solid var(--line);border-radius:.5rem;padding:.75rem 1rem}
.facts dt{color:var(--muted);font-size:.85rem}.facts dd{margin:0;font-size:1.3rem;font-weight:700}
.level{display:inline-block;padding:0 .5rem;border-radius:1rem;color:#fff;font-weight:600}
.level-aligned{background:#2e7d32}.level-watch{background:#b26a00}.level-drifted{background:#c62828}.level-unknown{background:#616161}
.charts{display:flex;flex-wrap:wrap;gap:2rem;align-items:flex-start}
figure{margin:0}figcaption{color:var(--muted);font-size:.875rem}
svg text{font-family:inherit}
.table-wrap{overflow-x:auto}
table{border-collapse:collapse;width:100%;margin:.5rem 0 1rem;font-size:.925rem}
caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border-bottom:1px solid var(--line);padding:.4rem .5rem;text-align:left;vertical-align:top}
th{font-weight:600;background:#f6f6f8}
td:first-child{white-space:nowrap}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
details summary{cursor:pointer;color:var(--accent)}
details ul{margin:.25rem 0;padding-left:1.25rem}
code{font-size:.85em;background:#f2f2f5;padding:0 .2em;border-radius:.2em}
.muted{color:var(--muted)}
.focus-disagrees{border-left:4px solid #c62828;padding:.5rem 1rem;background:#fbe1e1}
ol.recs>li{margin-bottom:1rem}ol.recs ul{margin:.25rem 0}
.diagnosis{font-size:1.05rem}
dl.evidence{display:grid;grid-template-columns:repeat(auto-fit,minmax(18rem,1fr));gap:.75rem;margin:.5rem 0}
dl.evidence div{border:1px solid var(--line);border-radius:.5rem;padding:.5rem .75rem}
dl.evidence dt{font-weight:700}dl.evidence dd{margin:0}dl.evidence ul{margin:.25rem 0;padding-left:1.1rem}
.sr-only{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
`;
