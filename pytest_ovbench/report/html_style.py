"""The stylesheet of the HTML report, inlined into the page's ``<style>`` so it needs no network.

Colours: ``--cur`` this run, ``--base`` the stored baseline, ``--ref`` the reference model. Verdicts use
the ``v-*`` classes, chart shapes ``bar-``, ``band-``, ``med-`` and ``dot-``, legend swatches ``sw-*``.
"""

from __future__ import annotations

STYLE = """
:root { --cur: #2563eb; --base: #6b7280; --ref: #d97706; --ink: #1f2937; --muted: #6b7280;
  --line: #e5e7eb; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); }
body { margin: 0; background: #f9fafb; }
main { max-width: 1200px; margin: 0 auto; padding: 16px; }
h1 { font-size: 1.6rem; margin: 0.2em 0; }
h2 { font-size: 1.2rem; margin: 0 0 0.2em; overflow-wrap: anywhere; }
h2 small { font-weight: normal; color: var(--muted); }
h3 { font-size: 0.95rem; margin: 0.8em 0 0.3em; }
.headline { font-size: 1.05rem; display: flex; flex-wrap: wrap; gap: 6px; align-items: center; }
.env, .nodeid, .note { color: var(--muted); font-size: 0.85rem; margin: 0.2em 0; overflow-wrap: anywhere; }
.empty { font-size: 1.1rem; padding: 2em; background: #fff; border: 1px solid var(--line); }
section { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px;
  margin: 14px 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 0.85rem; width: 100%; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
thead th { background: #f3f4f6; white-space: nowrap; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td a { color: inherit; }
.kv th { width: 9em; color: var(--muted); font-weight: normal; white-space: nowrap; }
.kv td { overflow-wrap: anywhere; }
.chip { display: inline-block; border-radius: 999px; padding: 1px 10px; font-size: 0.85rem; font-weight: 600;
  border: 1px solid var(--line); white-space: nowrap; }
.verdict { font-weight: 600; white-space: nowrap; }
.v-regressed { background: #fee2e2; color: #991b1b; border-color: #fca5a5; }
.v-improved { background: #dcfce7; color: #166534; border-color: #86efac; }
.v-inconclusive { background: #fef3c7; color: #92400e; border-color: #fcd34d; }
.v-pass { background: #fff; color: var(--ink); }
.v-none { background: #e5e7eb; color: #4b5563; font-style: italic; }
.v-other { background: #f3f4f6; color: var(--ink); }
.layout { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 460px), 1fr));
  gap: 16px 24px; margin-top: 8px; }
.layout > * { min-width: 0; }
.wide, .comparisons, .plan { grid-column: 1 / -1; }
figure.chart { margin: 0; }
.wide svg { min-width: 720px; }
figcaption { font-weight: 600; font-size: 0.95rem; margin-bottom: 4px; }
svg { display: block; width: 100%; height: auto; overflow: visible; }
svg text { font-size: 12px; fill: #374151; }
svg text.title { font-size: 12px; fill: var(--muted); }
svg text.small { font-size: 11px; }
svg text.on-bar { fill: #fff; font-weight: 600; }
.axis { stroke: #9ca3af; stroke-width: 1; }
.gridline { stroke: #eef0f3; stroke-width: 1; }
.bar-cur { fill: var(--cur); fill-opacity: 0.75; }
.bar-base { fill: var(--base); fill-opacity: 0.7; }
.bar-ref { fill: var(--ref); fill-opacity: 0.75; }
.outline-ref { fill: none; stroke: var(--ref); stroke-width: 1.6; }
.band-base { fill: var(--base); fill-opacity: 0.13; }
.band-ref { fill: var(--ref); fill-opacity: 0.13; }
.med-cur { stroke: var(--cur); stroke-width: 2; }
.med-base { stroke: var(--base); stroke-width: 2; stroke-dasharray: 5 3; }
.med-ref { stroke: var(--ref); stroke-width: 2; stroke-dasharray: 5 3; }
.dot-cur { fill: var(--cur); fill-opacity: 0.6; stroke: #fff; }
.dot-base { fill: var(--base); fill-opacity: 0.6; stroke: #fff; }
.dot-ref { fill: var(--ref); fill-opacity: 0.6; stroke: #fff; }
.dot-window { fill: #fff; stroke: var(--ink); stroke-width: 1.2; }
.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 14px;
  font-size: 0.8rem; color: #374151; }
.legend li { display: flex; align-items: center; gap: 5px; }
.sw { display: inline-block; width: 14px; height: 10px; }
.sw-bar-cur { background: var(--cur); opacity: 0.75; }
.sw-bar-base { background: var(--base); opacity: 0.7; }
.sw-outline-ref { border: 2px solid var(--ref); border-bottom: none; height: 8px; }
.sw-med-cur { border-left: 2px solid var(--cur); width: 2px; height: 14px; }
.sw-med-base { border-left: 2px dashed var(--base); width: 2px; height: 14px; }
.sw-med-ref { border-left: 2px dashed var(--ref); width: 2px; height: 14px; }
.sw-band-base { background: var(--base); opacity: 0.25; }
.sw-band-ref { background: var(--ref); opacity: 0.25; }
.sw-dot { width: 8px; height: 8px; border-radius: 50%; border: 1.2px solid var(--ink); }
@media (max-width: 640px) { main { padding: 6px; } section { padding: 10px; } th, td { padding: 3px 5px; } }
"""
