'use client';
import { useId } from 'react';
import { applyUtm, readUtm, UTM_KEYS, type Utm } from '@/lib/utm.mjs';

const LABELS: Record<string, { label: string; hint: string }> = {
  utm_source: { label: 'Source', hint: 'newsletter, twitter' },
  utm_medium: { label: 'Medium', hint: 'email, social, cpc' },
  utm_campaign: { label: 'Campaign', hint: 'spring_sale' },
  utm_term: { label: 'Term', hint: 'paid keywords' },
  utm_content: { label: 'Content', hint: 'which link or ad' },
};

/**
 * UTM parameters of a destination URL: each field edits its utm_* parameter in `url` (the rest of the query and the
 * fragment stay as they are; values are percent-encoded) through onChange with the new URL.
 */
export default function UtmBuilder({ url, onChange }: { url: string; onChange: (url: string) => void }) {
  const id = useId();
  const utm = readUtm(url);
  const set = (key: string, value: string) => onChange(applyUtm(url, { ...utm, [key]: value } as Utm));
  return (
    <details className="utm-builder" data-testid="utm-builder">
      <summary>UTM parameters <span className="muted">(campaign tracking, written into the destination URL)</span></summary>
      <div className="row">
        {UTM_KEYS.map((key) => (
          <div className="field" key={key}>
            <label htmlFor={`${id}-${key}`}>{LABELS[key].label} <span className="muted">({key})</span></label>
            <input id={`${id}-${key}`} type="text" autoComplete="off" placeholder={LABELS[key].hint}
              value={utm[key as keyof Utm]} onChange={(e) => set(key, e.target.value)} data-utm={key} />
          </div>
        ))}
      </div>
    </details>
  );
}
