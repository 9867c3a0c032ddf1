'use client';
import { useEffect, useState } from 'react';
import QrCode from './QrCode';

/**
 * QR code of a short link with PNG and SVG downloads. The server draws it (GET /api/v1/links/{slug}/qr.svg|png,
 * cacheable); a server without those endpoints gets the code drawn in the browser, downloadable as PNG.
 */
export default function QrPanel({ slug, shortUrl }: { slug: string; shortUrl: string }) {
  const base = `/api/v1/links/${encodeURIComponent(slug)}`;
  // As the server's codes: the scan marker lets the statistics tell scans from clicks (not forwarded).
  const scanUrl = `${shortUrl}?qr=1`;
  const [server, setServer] = useState<'trying' | 'ok' | 'failed'>('trying');
  const [fallbackPng, setFallbackPng] = useState<string | null>(null);
  useEffect(() => { setServer('trying'); }, [slug]);
  useEffect(() => {
    if (server !== 'failed') return;
    let live = true;
    import('qrcode').then((q) => q.toDataURL(scanUrl, { margin: 2, width: 1024, errorCorrectionLevel: 'M' }))
      .then((u) => { if (live) setFallbackPng(u); }).catch(() => { /* no download then */ });
    return () => { live = false; };
  }, [server, scanUrl]);
  return (
    <div className="qr-panel">
      {server === 'failed' ? <QrCode value={scanUrl} /> : (
        // eslint-disable-next-line @next/next/no-img-element
        <img className="qr" src={`${base}/qr.svg`} alt={`QR code for ${shortUrl}`} width={148} height={148}
          onLoad={() => setServer('ok')} onError={() => setServer('failed')} />
      )}
      <div className="row small">
        {server === 'ok' && <>
          <a className="button secondary" href={`${base}/qr.png?size=1024`} download={`${slug}-qr.png`}>Download PNG</a>
          <a className="button secondary" href={`${base}/qr.svg`} download={`${slug}-qr.svg`}>Download SVG</a>
        </>}
        {server === 'failed' && fallbackPng && <a className="button secondary" href={fallbackPng} download={`${slug}-qr.png`}>Download PNG</a>}
      </div>
    </div>
  );
}
