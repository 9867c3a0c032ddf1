'use client';

type Fields = { og_title: string; og_description: string; og_image: string };
type InvProps = { 'aria-invalid'?: boolean; 'aria-describedby'?: string };

/**
 * The social preview fields of a link (og_title, og_description, og_image) and a card showing roughly what chat and
 * social apps will show when the short link is pasted. `inv` and `errFor` tie a field to its error message.
 */
export default function PreviewFields({ value, onChange, shortUrl, inv, errFor }: {
  value: Fields;
  onChange: (k: keyof Fields, v: string) => void;
  shortUrl?: string;
  inv: (field: string) => InvProps;
  errFor: (field: string) => React.ReactNode;
}) {
  const any = value.og_title || value.og_description || value.og_image;
  const image = /^https:\/\/\S+$/i.test(value.og_image.trim()) ? value.og_image.trim() : '';
  let host = '';
  try { host = shortUrl ? new URL(shortUrl).host : ''; } catch { /* not a URL */ }
  return (
    <fieldset>
      <legend>Social preview</legend>
      <p className="muted">What Slack, X, Facebook, LinkedIn, Discord, Telegram, WhatsApp and iMessage show when the short
        link is pasted. Their preview fetchers get these; people are redirected as usual.</p>
      <div className="field">
        <label htmlFor="og_title">Title <span className="muted">(up to 200 bytes)</span></label>
        <input id="og_title" type="text" value={value.og_title} onChange={(e) => onChange('og_title', e.target.value)} {...inv('og_title')} />
        {errFor('og_title')}
      </div>
      <div className="field">
        <label htmlFor="og_description">Description <span className="muted">(up to 500 bytes)</span></label>
        <textarea id="og_description" rows={2} value={value.og_description} onChange={(e) => onChange('og_description', e.target.value)} {...inv('og_description')} />
        {errFor('og_description')}
      </div>
      <div className="field">
        <label htmlFor="og_image">Image URL <span className="muted">(https, about 1200 × 630)</span></label>
        <input id="og_image" type="url" inputMode="url" value={value.og_image} onChange={(e) => onChange('og_image', e.target.value)} {...inv('og_image')} />
        {errFor('og_image')}
      </div>
      {any && (
        <figure className="og-card" data-testid="og-card" aria-label="Preview card">
          {/* The image itself is not loaded: the UI's Content-Security-Policy allows only its own images. */}
          {image && <div className="og-image muted">Image from {(() => { try { return new URL(image).host; } catch { return image; } })()}</div>}
          <figcaption>
            {host && <span className="muted og-host">{host}</span>}
            <strong>{value.og_title || shortUrl}</strong>
            {value.og_description && <span>{value.og_description}</span>}
          </figcaption>
        </figure>
      )}
    </fieldset>
  );
}
