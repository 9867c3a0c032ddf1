'use client';
import { useEffect, useState } from 'react';

/** QR code of a URL, drawn in the browser (server-side QR codes: issue #7). */
export default function QrCode({ value }: { value: string }) {
  const [src, setSrc] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    import('qrcode').then((q) => q.toDataURL(value, { margin: 1, width: 272, errorCorrectionLevel: 'M' }))
      .then((url) => { if (live) setSrc(url); })
      .catch(() => { if (live) setSrc(null); });
    return () => { live = false; };
  }, [value]);
  if (!src) return <div className="qr" aria-hidden="true" />;
  // eslint-disable-next-line @next/next/no-img-element
  return <img className="qr" src={src} alt={`QR code for ${value}`} width={148} height={148} />;
}
