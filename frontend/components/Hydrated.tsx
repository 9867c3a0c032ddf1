'use client';
import { useEffect } from 'react';

/** Marks <html data-hydrated> once React runs (browser tests wait for it before typing). */
export default function Hydrated() {
  useEffect(() => { document.documentElement.dataset.hydrated = '1'; }, []);
  return null;
}
