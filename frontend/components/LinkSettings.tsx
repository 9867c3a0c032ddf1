'use client';
import { useEffect, useRef, useState } from 'react';
import Link from 'next/link';
import { api, ApiError, type Link as ShortLink } from '@/lib/api';
import EraseClicks from '@/components/EraseClicks';
import PreviewFields from '@/components/PreviewFields';
import UtmBuilder from '@/components/UtmBuilder';
import countryNames from '@/lib/country-names.json';
import { countryFlag, formatCount, linkClicks } from '@/lib/logic.mjs';
import { controlForField, fieldForError, formToPatch, linkToForm, REDIRECT_TYPES, RULE_DEVICES, type FieldError, type LinkForm, type RuleRow } from '@/lib/linkform.mjs';

const NEW_RULE: RuleRow = { countries: '', devices: [], languages: '', query: '', after: '', before: '', url: '' };

const COUNTRIES = Object.entries(countryNames as Record<string, string>).sort((a, b) => a[1].localeCompare(b[1], 'en'));

/** Id of the element that shows a field's error (aria-describedby). */
const errId = (field: string) => `${field}-error`;

/** Edit, disable, limit, protect, target and delete one link (PATCH/DELETE /api/v1/links/{slug}). */
export default function LinkSettings({ slug }: { slug: string }) {
  const path = `/api/v1/links/${encodeURIComponent(slug)}`;
  const [link, setLink] = useState<ShortLink | null>(null);
  const [initial, setInitial] = useState<LinkForm | null>(null);
  const [form, setForm] = useState<LinkForm | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [error, setError] = useState<FieldError | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirmDelete, setConfirmDelete] = useState(false);
  const [deleted, setDeleted] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    api<ShortLink>(path).then((l) => { setLink(l); const f = linkToForm(l); setInitial(f); setForm(f); })
      .catch((e) => setLoadError(e instanceof ApiError ? e.message : 'Could not load this link.'));
  }, [path]);

  // Move focus to the field in error (or the form's message) so screen readers and keyboards land on it.
  useEffect(() => {
    if (!error) return;
    const el = formRef.current?.querySelector<HTMLElement>(`[aria-describedby~="${errId(error.field)}"]`)
      ?? document.getElementById(errId(error.field));
    el?.focus();
  }, [error]);

  if (deleted) {
    return (
      <>
        <h1>Link settings: {slug}</h1>
        <p role="status" data-testid="deleted">This link was deleted. Its short URL now answers “gone”, and the slug is never given out again.</p>
        <p><Link href="/app/links/">Back to your links</Link></p>
      </>
    );
  }
  if (loadError) {
    return (<><h1>Link settings: {slug}</h1><p className="error" role="alert">{loadError}</p><p><Link href="/app/links/">Back to your links</Link></p></>);
  }
  if (!link || !form || !initial) return <><h1>Link settings: {slug}</h1><p className="muted">Loading link…</p></>;

  const set = <K extends keyof LinkForm>(k: K, v: LinkForm[K]) => { setForm({ ...form, [k]: v }); setSaved(null); };
  const setRow = (i: number, k: 'code' | 'url', v: string) =>
    set('countries', form.countries.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
  const setRule = (i: number, patch: Partial<RuleRow>) =>
    set('rules', form.rules.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  const setVariant = (i: number, k: 'url' | 'weight', v: string) =>
    set('split', form.split.map((r, j) => (j === i ? { ...r, [k]: v } : r)));
  // Props that tie an input to its error message.
  const inv = (field: string) => (error?.field === field
    ? { 'aria-invalid': true as const, 'aria-describedby': errId(field) } : {});
  const errFor = (field: string) => (error?.field === field
    ? <p id={errId(field)} className="error field-error" data-testid={errId(field)}>{error.message}</p> : null);

  async function save(e: React.FormEvent) {
    e.preventDefault();
    setSaved(null);
    setError(null);
    const r = formToPatch(form!, initial!);
    if (r.error) { setError(r.error); return; }
    if (Object.keys(r.body).length === 0) { setSaved('Nothing changed.'); return; }
    setBusy(true);
    try {
      const l = await api<ShortLink>(path, { method: 'PATCH', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(r.body) });
      setLink(l);
      const f = linkToForm(l);
      setInitial(f);
      setForm(f);
      setSaved('Saved. Visitors get the new settings right away.');
    } catch (err) {
      if (err instanceof ApiError && err.status === 410) { setDeleted(true); return; }
      // (shown next to its field, so without the JSON path the server puts in front: "targeting.ios": …)
      const message = err instanceof ApiError ? (err.serverMessage || err.message).replace(/^"[^"]+":\s*/, '') : 'Could not save.';
      const field = err instanceof ApiError && err.code ? controlForField(fieldForError(err.code, err.serverMessage), form!.countries) : null;
      setError({ field: field ?? 'form', message });
    } finally {
      setBusy(false);
    }
  }

  async function remove() {
    setBusy(true);
    setError(null);
    try {
      await api<void>(path, { method: 'DELETE' });
      setDeleted(true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 410) { setDeleted(true); return; }
      setError({ field: 'delete', message: err instanceof ApiError ? err.message : 'Could not delete the link.' });
    } finally {
      setBusy(false);
      setConfirmDelete(false);
    }
  }

  return (
    <>
      <h1>Link settings: <span data-testid="slug">{slug}</span></h1>
      <p className="row">
        <a href={link.short_url}>{link.short_url}</a>
        <span className="muted">{formatCount(linkClicks(link, false))} clicks by people{link.max_clicks != null ? ` of ${formatCount(link.max_clicks)} allowed` : ''}</span>
        <Link href={`/app/link/?slug=${encodeURIComponent(slug)}`}>Back to the dashboard</Link>
      </p>
      <form ref={formRef} onSubmit={save} noValidate className="stack settings" aria-label="Link settings">
        <fieldset>
          <legend>Destination</legend>
          <div className="field">
            <label htmlFor="url">Destination URL</label>
            <input id="url" type="url" inputMode="url" autoComplete="off" value={form.url} onChange={(e) => set('url', e.target.value)} {...inv('url')} />
            {errFor('url')}
          </div>
          <UtmBuilder url={form.url} onChange={(u) => set('url', u)} />
          <label className="check">
            <input type="checkbox" checked={form.disabled} onChange={(e) => set('disabled', e.target.checked)} />
            Disabled: visitors get “not found” until you enable it again
          </label>
        </fieldset>

        <fieldset>
          <legend>Limits</legend>
          <div className="row">
            <div className="field">
              <label htmlFor="expires_at">Expires at <span className="muted">(your time zone)</span></label>
              <input id="expires_at" type="datetime-local" value={form.expires_at} onChange={(e) => set('expires_at', e.target.value)} {...inv('expires_at')} />
              {errFor('expires_at')}
            </div>
            <div className="field">
              <label htmlFor="max_clicks">Maximum clicks</label>
              <input id="max_clicks" type="text" inputMode="numeric" value={form.max_clicks} placeholder="no limit"
                onChange={(e) => set('max_clicks', e.target.value)} {...inv('max_clicks')} />
              {errFor('max_clicks')}
            </div>
          </div>
          <div className="field">
            <label htmlFor="expired_url">After expiry, send visitors to <span className="muted">(optional; otherwise they get “gone”)</span></label>
            <input id="expired_url" type="url" inputMode="url" value={form.expired_url} onChange={(e) => set('expired_url', e.target.value)} {...inv('expired_url')} />
            {errFor('expired_url')}
          </div>
        </fieldset>

        <fieldset>
          <legend>Redirect</legend>
          <div className="field">
            <label htmlFor="redirect_type">Redirect type</label>
            <select id="redirect_type" value={form.redirect_type} onChange={(e) => set('redirect_type', e.target.value)} {...inv('redirect_type')}>
              {REDIRECT_TYPES.map((r) => <option key={r.code} value={String(r.code)}>{r.label}</option>)}
            </select>
            {errFor('redirect_type')}
          </div>
          <label className="check">
            <input type="checkbox" checked={form.forward_query} onChange={(e) => set('forward_query', e.target.checked)} />
            <span>Forward the short link&apos;s query string (<code>?utm_source=…</code>) to the destination</span>
          </label>
          <div className="field">
            <label htmlFor="tags">Tags <span className="muted">(comma-separated)</span></label>
            <input id="tags" type="text" value={form.tags} onChange={(e) => set('tags', e.target.value)} {...inv('tags')} />
            {errFor('tags')}
          </div>
        </fieldset>

        <fieldset aria-describedby="pw-state">
          <legend>Password</legend>
          <p id="pw-state" className="muted" data-testid="password-state">
            {initial.password_protected ? 'This link asks visitors for a password.' : 'This link has no password.'}
          </p>
          <div className="row" role="radiogroup" aria-label="Password">
            <label className="check"><input type="radio" name="pw" checked={form.password_action === 'keep'}
              onChange={() => setForm({ ...form, password_action: 'keep', password: '' })} /> {initial.password_protected ? 'Keep it' : 'No password'}</label>
            <label className="check"><input type="radio" name="pw" checked={form.password_action === 'set'}
              onChange={() => set('password_action', 'set')} /> {initial.password_protected ? 'Change it' : 'Set a password'}</label>
            {initial.password_protected && <label className="check"><input type="radio" name="pw" checked={form.password_action === 'remove'}
              onChange={() => setForm({ ...form, password_action: 'remove', password: '' })} /> Remove it</label>}
          </div>
          {form.password_action === 'set' && (
            <div className="field">
              <label htmlFor="password">New password</label>
              <input id="password" type="password" autoComplete="new-password" value={form.password}
                onChange={(e) => set('password', e.target.value)} {...inv('password')} />
              {errFor('password')}
            </div>
          )}
          {form.password_action !== 'set' && errFor('password')}
        </fieldset>

        <fieldset {...(error?.field === 'targeting' ? { 'aria-describedby': errId('targeting') } : {})}>
          <legend>Targeting</legend>
          <p className="muted">Send some visitors elsewhere: checked in this order — iPhone/iPad, Android, country — otherwise the destination above.</p>
          <div className="row">
            <div className="field grow">
              <label htmlFor="ios">iOS URL</label>
              <input id="ios" type="url" inputMode="url" value={form.ios} onChange={(e) => set('ios', e.target.value)} {...inv('ios')} />
              {errFor('ios')}
            </div>
            <div className="field grow">
              <label htmlFor="android">Android URL</label>
              <input id="android" type="url" inputMode="url" value={form.android} onChange={(e) => set('android', e.target.value)} {...inv('android')} />
              {errFor('android')}
            </div>
          </div>
          {form.countries.map((r, i) => (
            <div className="row" key={i} data-testid="country-row">
              <div className="field">
                <label htmlFor={`country-${i}`}>Country</label>
                <select id={`country-${i}`} value={r.code} onChange={(e) => setRow(i, 'code', e.target.value)} {...inv(`country-${i}`)}>
                  <option value="">Choose…</option>
                  {COUNTRIES.map(([code, name]) => <option key={code} value={code}>{countryFlag(code)} {name}</option>)}
                </select>
                {errFor(`country-${i}`)}
              </div>
              <div className="field grow">
                <label htmlFor={`country-url-${i}`}>URL for {r.code ? (countryNames as Record<string, string>)[r.code] ?? r.code : 'this country'}</label>
                <input id={`country-url-${i}`} type="url" inputMode="url" value={r.url} onChange={(e) => setRow(i, 'url', e.target.value)} {...inv(`country-url-${i}`)} />
                {errFor(`country-url-${i}`)}
              </div>
              <button type="button" className="secondary" onClick={() => set('countries', form.countries.filter((_, j) => j !== i))}>
                Remove<span className="sr"> country rule {i + 1}</span>
              </button>
            </div>
          ))}
          <div className="row">
            <button type="button" className="secondary" onClick={() => set('countries', [...form.countries, { code: '', url: '' }])}>Add a country</button>
          </div>
          {errFor('targeting')}
        </fieldset>

        <fieldset {...(error?.field === 'rules' ? { 'aria-describedby': errId('rules') } : {})}>
          <legend>Rules</legend>
          <p className="muted">Checked in order before the targeting above; the first rule whose every condition holds sends the visitor to its URL. Leave a condition empty to ignore it.</p>
          {form.rules.map((r, i) => (
            <div className="card section" key={i} data-testid="rule-row" role="group" aria-labelledby={`rule-h-${i}`}>
              <h3 id={`rule-h-${i}`}>Rule {i + 1}</h3>
              <div className="row">
                <div className="field grow">
                  <label htmlFor={`rule-countries-${i}`}>Countries <span className="muted">(codes, comma-separated: DE, AT)</span></label>
                  <input id={`rule-countries-${i}`} type="text" value={r.countries} onChange={(e) => setRule(i, { countries: e.target.value })} {...inv(`rule-countries-${i}`)} />
                  {errFor(`rule-countries-${i}`)}
                </div>
                <div className="field grow">
                  <label htmlFor={`rule-languages-${i}`}>Languages <span className="muted">(de, pt-BR)</span></label>
                  <input id={`rule-languages-${i}`} type="text" value={r.languages} onChange={(e) => setRule(i, { languages: e.target.value })} {...inv(`rule-languages-${i}`)} />
                  {errFor(`rule-languages-${i}`)}
                </div>
              </div>
              <fieldset className="row">
                <legend>Devices</legend>
                {RULE_DEVICES.map((d) => (
                  <label className="check" key={d.value}>
                    <input type="checkbox" checked={r.devices.includes(d.value)}
                      onChange={(e) => setRule(i, { devices: e.target.checked ? [...r.devices, d.value] : r.devices.filter((x) => x !== d.value) })} />
                    <span>{d.label}</span>
                  </label>
                ))}
              </fieldset>
              <div className="row">
                <div className="field grow">
                  <label htmlFor={`rule-query-${i}`}>Query parameters <span className="muted">(ref=tw&amp;lang=de)</span></label>
                  <input id={`rule-query-${i}`} type="text" value={r.query} onChange={(e) => setRule(i, { query: e.target.value })} {...inv(`rule-query-${i}`)} />
                  {errFor(`rule-query-${i}`)}
                </div>
                <div className="field">
                  <label htmlFor={`rule-after-${i}`}>From</label>
                  <input id={`rule-after-${i}`} type="datetime-local" value={r.after} onChange={(e) => setRule(i, { after: e.target.value })} {...inv(`rule-after-${i}`)} />
                  {errFor(`rule-after-${i}`)}
                </div>
                <div className="field">
                  <label htmlFor={`rule-before-${i}`}>Until</label>
                  <input id={`rule-before-${i}`} type="datetime-local" value={r.before} onChange={(e) => setRule(i, { before: e.target.value })} {...inv(`rule-before-${i}`)} />
                  {errFor(`rule-before-${i}`)}
                </div>
              </div>
              <div className="row">
                <div className="field grow">
                  <label htmlFor={`rule-url-${i}`}>Send to URL</label>
                  <input id={`rule-url-${i}`} type="url" inputMode="url" value={r.url} onChange={(e) => setRule(i, { url: e.target.value })} {...inv(`rule-url-${i}`)} />
                  {errFor(`rule-url-${i}`)}
                </div>
                <button type="button" className="secondary" onClick={() => set('rules', form.rules.filter((_, j) => j !== i))}>
                  Remove<span className="sr"> rule {i + 1}</span>
                </button>
              </div>
            </div>
          ))}
          <div className="row">
            <button type="button" className="secondary" disabled={form.rules.length >= 25} onClick={() => set('rules', [...form.rules, { ...NEW_RULE }])}>Add a rule</button>
          </div>
          {errFor('rules')}
        </fieldset>

        <fieldset {...(error?.field === 'split' ? { 'aria-describedby': errId('split') } : {})}>
          <legend>A/B split</legend>
          <p className="muted">When no rule matches, send visitors to these URLs in proportion to their weights (2 to 10 variants). Each visitor keeps the same variant.</p>
          {form.split.map((v, i) => (
            <div className="row" key={i} data-testid="variant-row">
              <div className="field grow">
                <label htmlFor={`variant-url-${i}`}>Variant {i + 1} URL</label>
                <input id={`variant-url-${i}`} type="url" inputMode="url" value={v.url} onChange={(e) => setVariant(i, 'url', e.target.value)} {...inv(`variant-url-${i}`)} />
                {errFor(`variant-url-${i}`)}
              </div>
              <div className="field">
                <label htmlFor={`variant-weight-${i}`}>Weight<span className="sr"> of variant {i + 1}</span></label>
                <input id={`variant-weight-${i}`} type="number" min={1} max={1000000} step={1} value={v.weight} onChange={(e) => setVariant(i, 'weight', e.target.value)} {...inv(`variant-weight-${i}`)} />
                {errFor(`variant-weight-${i}`)}
              </div>
              <button type="button" className="secondary" onClick={() => set('split', form.split.filter((_, j) => j !== i))}>
                Remove<span className="sr"> variant {i + 1}</span>
              </button>
            </div>
          ))}
          <div className="row">
            <button type="button" className="secondary" disabled={form.split.length >= 10}
              onClick={() => set('split', form.split.length ? [...form.split, { url: '', weight: '1' }] : [{ url: form.url, weight: '50' }, { url: '', weight: '50' }])}>
              Add a variant
            </button>
          </div>
          {errFor('split')}
        </fieldset>

        <PreviewFields value={form} onChange={(k, v) => set(k, v)} shortUrl={link.short_url} inv={inv} errFor={errFor} />

        <div aria-live="polite">
          {error?.field === 'form' && <p id={errId('form')} className="error" role="alert" tabIndex={-1}>{error.message}</p>}
          {saved && <p className="ok" role="status" data-testid="saved">{saved}</p>}
        </div>
        <div className="row">
          <button type="submit" disabled={busy}>{busy ? 'Saving…' : 'Save changes'}</button>
        </div>
      </form>

      <EraseClicks slug={slug} />

      <section className="card danger section" aria-labelledby="danger-h">
        <h2 id="danger-h">Delete this link</h2>
        <p className="muted">The short URL stops working for good (it answers “gone”) and its slug is never given out again. Statistics are kept.</p>
        {!confirmDelete ? (
          <button type="button" className="danger" onClick={() => setConfirmDelete(true)}>Delete link…</button>
        ) : (
          <div className="row" role="group" aria-label="Confirm deletion">
            <p className="strong">Delete {slug} permanently?</p>
            <button type="button" className="danger" onClick={remove} disabled={busy} autoFocus>Yes, delete it</button>
            <button type="button" className="secondary" onClick={() => setConfirmDelete(false)}>Cancel</button>
          </div>
        )}
        {error?.field === 'delete' && <p id={errId('delete')} className="error" role="alert" tabIndex={-1}>{error.message}</p>}
      </section>
    </>
  );
}
