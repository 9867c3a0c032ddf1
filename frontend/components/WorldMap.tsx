'use client';
import { useEffect, useMemo, useState } from 'react';
import { geoEqualEarth, geoPath } from 'd3-geo';
import { feature } from 'topojson-client';
import type { Topology, GeometryCollection } from 'topojson-specification';
import isoNumeric from '@/lib/iso-numeric.json';
import countryNames from '@/lib/country-names.json';
import { countryFlag, formatCount, shade } from '@/lib/logic.mjs';

type Shape = { id: string; code: string; name: string; d: string };
const W = 960, H = 470;

/** Countries shaded by clicks; the atlas (world-atlas 110m) is fetched from /countries-110m.json. */
export default function WorldMap({ counts }: { counts: Record<string, number> }) {
  const [shapes, setShapes] = useState<Shape[] | null>(null);
  const [failed, setFailed] = useState(false);
  const [hover, setHover] = useState<{ code: string; name: string; x: number; y: number } | null>(null);

  useEffect(() => {
    let live = true;
    fetch('/countries-110m.json')
      .then((r) => { if (!r.ok) throw new Error(String(r.status)); return r.json(); })
      .then((topo: Topology) => {
        const fc = feature(topo, topo.objects.countries as GeometryCollection) as unknown as GeoJSON.FeatureCollection;
        const proj = geoEqualEarth().fitSize([W, H], fc);
        const path = geoPath(proj);
        const num = isoNumeric as Record<string, string>;
        const out = fc.features.map((f, i) => {
          const code = num[String(f.id ?? '').padStart(3, '0')] ?? '';
          return { id: `${f.id ?? i}-${i}`, code, name: (f.properties as { name?: string })?.name ?? code, d: path(f) ?? '' };
        });
        if (live) setShapes(out);
      })
      .catch(() => { if (live) setFailed(true); });
    return () => { live = false; };
  }, []);

  const max = useMemo(() => Math.max(0, ...Object.values(counts)), [counts]);
  if (failed) return <p className="muted">The map could not be loaded.</p>;
  if (!shapes) return <p className="muted">Loading map…</p>;
  const names = countryNames as Record<string, string>;
  return (
    <div style={{ position: 'relative' }}>
      <svg className="map" viewBox={`0 0 ${W} ${H}`} role="img" aria-label="World map of clicks by country"
        onMouseLeave={() => setHover(null)}>
        {shapes.map((s) => {
          const n = s.code ? counts[s.code] ?? 0 : 0;
          const a = shade(n, max);
          return (
            <path key={s.id} d={s.d} data-country={s.code || undefined} data-clicks={n}
              fill={a ? `rgba(var(--map),${a.toFixed(3)})` : 'var(--map-empty)'}
              onMouseMove={(e) => {
                const r = (e.currentTarget.ownerSVGElement as SVGSVGElement).getBoundingClientRect();
                setHover({ code: s.code, name: names[s.code] ?? s.name, x: e.clientX - r.left, y: e.clientY - r.top });
              }}>
              <title>{`${names[s.code] ?? s.name}: ${formatCount(n)} clicks`}</title>
            </path>
          );
        })}
      </svg>
      {hover && (
        <div className="tooltip" style={{ left: hover.x + 12, top: hover.y + 12 }} aria-hidden="true">
          {countryFlag(hover.code)} {hover.name}: {formatCount(counts[hover.code] ?? 0)} clicks
        </div>
      )}
    </div>
  );
}
