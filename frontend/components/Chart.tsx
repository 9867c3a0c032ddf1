'use client';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { bucketLabel } from '@/lib/logic.mjs';

type Point = { t: string; clicks: number; unique_visitors: number | null };

/** Clicks and unique visitors per bucket. X is the bucket index; labels show the zone's wall clock. */
export default function Chart({ points, interval }: { points: Point[]; interval: string }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const accent = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#0969da';
    const muted = getComputedStyle(document.documentElement).getPropertyValue('--muted').trim() || '#57606a';
    const fg = getComputedStyle(document.documentElement).getPropertyValue('--fg').trim() || '#000';
    const xs = points.map((_, i) => i);
    const labels = points.map((p) => bucketLabel(p.t, interval));
    const axis = { stroke: fg, grid: { stroke: 'rgba(128,128,128,.2)' }, ticks: { stroke: 'rgba(128,128,128,.3)' } };
    const plot = new uPlot({
      width: el.clientWidth || 600,
      height: 240,
      scales: { x: { time: false } },
      series: [
        { label: 'Bucket', value: (_u, v) => (v == null ? '' : labels[v] ?? '') },
        { label: 'Clicks', stroke: accent, fill: 'rgba(128,128,255,.12)', width: 2 },
        { label: 'Unique visitors', stroke: muted, dash: [4, 4], width: 1.5 },
      ],
      axes: [
        { ...axis, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? labels[v] ?? '' : '')), space: 90 },
        { ...axis, size: 70, values: (_u, splits) => splits.map((v) => (Number.isInteger(v) ? v.toLocaleString('en-US') : '')) },
      ],
    }, [xs, points.map((p) => p.clicks), points.map((p) => p.unique_visitors)], el);
    const ro = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height: 240 }));
    ro.observe(el);
    return () => { ro.disconnect(); plot.destroy(); };
  }, [points, interval]);
  return <div ref={box} className="chart" role="img" aria-label={`Clicks per ${interval}: ${points.reduce((a, p) => a + p.clicks, 0)} in total`} />;
}
