'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, type ApiKey } from '@/lib/api';
import { formatDate } from '@/lib/logic.mjs';
import { keyRequest, rateLimitValue, SCOPES } from '@/lib/session.mjs';
import CopyButton from '@/components/CopyButton';
import RequireSession, { useSession } from '@/components/Session';

const when = (iso: string | null) => (iso ? formatDate(iso) : '—');
const limitText = (limit: string | null) => limit ?? 'default';

type LimitEdit = { id: number; text: string; error: string | null };

function Keys() {
  const s = useSession();
  const mayAdmin = !!s && (s.mode === 'none' || s.user?.is_admin === true);
  const [keys, setKeys] = useState<ApiKey[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [scopes, setScopes] = useState<string[]>(['links:write', 'links:read', 'stats:read']);
  const [rateLimit, setRateLimit] = useState('');
  const [editing, setEditing] = useState<LimitEdit | null>(null);
  const [formError, setFormError] = useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<ApiKey | null>(null);
  const [confirm, setConfirm] = useState<number | null>(null);
  const [revokeError, setRevokeError] = useState<string | null>(null);
  const newKeyRef = useRef<HTMLHeadingElement>(null);

  const authOff = s?.mode === 'none';
  const load = useCallback(async () => {
    if (authOff) return;
    setLoadError(null);
    try {
      setKeys((await api<{ items: ApiKey[] }>('/api/v1/keys')).items);
    } catch (e) {
      setLoadError(e instanceof ApiError ? (e.status === 404 ? 'This server has no API keys.' : e.message) : 'Could not load your keys.');
    }
  }, [authOff]);
  useEffect(() => { load(); }, [load]);
  useEffect(() => { if (created) newKeyRef.current?.focus(); }, [created]);

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setFormError(null);
    setCreated(null);
    const r = keyRequest(name, scopes, rateLimit);
    if (r.error) { setFormError(r.error); return; }
    setBusy(true);
    try {
      const k = await api<ApiKey>('/api/v1/keys', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(r.body) });
      setCreated(k);
      setName('');
      setRateLimit('');
      await load();
    } catch (err) {
      const code = err instanceof ApiError ? err.code : null;
      const rateLimitError = code === 'invalid_request' && /rate_limit/.test(err instanceof ApiError ? err.serverMessage : '');
      setFormError({ field: code === 'invalid_scopes' ? 'scopes' : code === 'insufficient_scope' || rateLimitError ? 'rate_limit' : 'form',
        message: err instanceof ApiError ? (err.serverMessage || err.message) : 'Could not create the key.' });
    } finally {
      setBusy(false);
    }
  }

  // Saves the edited limit of one key (empty: back to the server's default).
  async function saveLimit(e: React.FormEvent) {
    e.preventDefault();
    if (!editing) return;
    const v = rateLimitValue(editing.text);
    if (v.error !== undefined) { setEditing({ ...editing, error: v.error }); return; }
    setBusy(true);
    try {
      await api<ApiKey>(`/api/v1/keys/${editing.id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ rate_limit: v.value }) });
      setEditing(null);
      await load();
    } catch (err) {
      setEditing({ ...editing, error: err instanceof ApiError ? (err.serverMessage || err.message) : 'Could not change the limit.' });
    } finally {
      setBusy(false);
    }
  }

  function limitCell(k: ApiKey) {
    if (editing?.id !== k.id) {
      return (
        <span className="row">
          <code data-testid="key-rate-limit">{limitText(k.rate_limit)}</code>
          {!k.revoked_at && (
            <button type="button" className="secondary" onClick={() => setEditing({ id: k.id, text: k.rate_limit ?? '', error: null })}>
              Change<span className="sr"> the rate limit of {k.name}</span></button>
          )}
        </span>
      );
    }
    return (
      <form onSubmit={saveLimit} noValidate className="row" aria-label={`Rate limit of ${k.name}`}>
        <label htmlFor={`limit-${k.id}`} className="sr">Rate limit of {k.name}</label>
        <input id={`limit-${k.id}`} type="text" value={editing.text} maxLength={64} placeholder="default" autoFocus
          onChange={(e) => setEditing({ ...editing, text: e.target.value })}
          {...(editing.error ? { 'aria-invalid': true as const, 'aria-describedby': `limit-error-${k.id}` } : {})} />
        <button type="submit" disabled={busy}>Save</button>
        <button type="button" className="secondary" onClick={() => setEditing(null)}>Cancel</button>
        {editing.error && <span id={`limit-error-${k.id}`} className="error" role="alert">{editing.error}</span>}
      </form>
    );
  }

  async function revoke(id: number) {
    setRevokeError(null);
    setBusy(true);
    try {
      await api<void>(`/api/v1/keys/${id}`, { method: 'DELETE' });
      if (created?.id === id) setCreated(null);
      await load();
    } catch (err) {
      setRevokeError(err instanceof ApiError ? err.message : 'Could not revoke the key.');
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  }

  const toggle = (id: string, on: boolean) => setScopes(on ? [...scopes, id] : scopes.filter((x) => x !== id));
  const fe = (f: string) => (formError?.field === f ? { 'aria-invalid': true as const, 'aria-describedby': 'key-error' } : {});

  if (authOff) {
    return (
      <>
        <h1>API keys</h1>
        <p data-testid="keys-auth-off">Sign-in is off on this server (<code>SHORTENER_AUTH=none</code>): every request is trusted,
          so there are no API keys. With <code>SHORTENER_AUTH=required</code>, keys are created here or with
          <code> shortener keys create</code>.</p>
      </>
    );
  }
  return (
    <>
      <h1>API keys</h1>
      <p className="muted">Programs use a key as <code>Authorization: Bearer sk_…</code>. A key acts for you with the scopes you give it.</p>

      {created?.key && (
        <section className="card notice" aria-labelledby="new-key-h" data-testid="new-key">
          <h2 id="new-key-h" tabIndex={-1} ref={newKeyRef}>Your new key “{created.name}”</h2>
          <p className="strong">Copy it now: it is shown only this once. The server keeps only a hash and cannot show it again.</p>
          <p className="row"><code className="secret" data-testid="new-key-value">{created.key}</code> <CopyButton text={created.key} label="Copy key" /></p>
          <button type="button" className="secondary" onClick={() => setCreated(null)}>I have copied it</button>
        </section>
      )}

      <section className="card section" aria-labelledby="create-h">
        <h2 id="create-h">Create a key</h2>
        <form onSubmit={create} noValidate className="stack">
          <div className="field">
            <label htmlFor="key-name">Name</label>
            <input id="key-name" type="text" value={name} maxLength={100} placeholder="e.g. CI deploy script"
              onChange={(e) => setName(e.target.value)} {...fe('name')} />
          </div>
          <fieldset {...fe('scopes')}>
            <legend>Scopes</legend>
            {SCOPES.filter((sc) => sc.id !== 'admin' || mayAdmin).map((sc) => (
              <label key={sc.id} className="check">
                <input type="checkbox" checked={scopes.includes(sc.id)} onChange={(e) => toggle(sc.id, e.target.checked)} />
                <span><code>{sc.id}</code> — {sc.label}</span>
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor="key-rate-limit">Rate limit <span className="muted">(optional)</span></label>
            <input id="key-rate-limit" type="text" value={rateLimit} maxLength={64} placeholder="default, e.g. 100/s burst 1000"
              aria-describedby="key-rate-limit-help" onChange={(e) => setRateLimit(e.target.value)} {...fe('rate_limit')} />
            <p id="key-rate-limit-help" className="muted">Requests per second, minute or hour, with an optional burst
              (<code>100/s burst 1000</code>, <code>6000/min</code>), or <code>off</code>. Empty: the server&apos;s default.</p>
          </div>
          {formError && <p id="key-error" className="error" role="alert">{formError.message}</p>}
          <div className="row"><button type="submit" disabled={busy}>Create key</button></div>
        </form>
      </section>

      <section className="section" aria-labelledby="list-h">
        <h2 id="list-h">Your keys</h2>
        {loadError && <p className="error" role="alert">{loadError} <button type="button" className="secondary" onClick={load}>Retry</button></p>}
        {revokeError && <p className="error" role="alert">{revokeError}</p>}
        {!keys && !loadError && <p className="muted">Loading keys…</p>}
        {keys && keys.length === 0 && <p className="muted">No keys yet.</p>}
        {keys && keys.length > 0 && (
          <table data-testid="keys">
            <caption className="sr">Your API keys</caption>
            <thead><tr><th scope="col">Name</th><th scope="col">Prefix</th><th scope="col">Scopes</th><th scope="col">Rate limit</th><th scope="col" className="hide-sm">Created</th>
              <th scope="col" className="hide-sm">Last used</th><th scope="col">Status</th></tr></thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id} data-key-id={k.id}>
                  <td>{k.name}</td>
                  <td><code>{k.prefix}…</code></td>
                  <td>{k.scopes.join(', ')}</td>
                  <td>{limitCell(k)}</td>
                  <td className="hide-sm">{when(k.created_at)}</td>
                  <td className="hide-sm">{k.last_used_at ? when(k.last_used_at) : 'never'}</td>
                  <td>
                    {k.revoked_at ? <span className="muted">Revoked {when(k.revoked_at)}</span>
                      : confirm === k.id ? (
                        <span className="row" role="group" aria-label={`Confirm revoking ${k.name}`}>
                          <button type="button" className="danger" onClick={() => revoke(k.id)} disabled={busy} autoFocus>Yes, revoke</button>
                          <button type="button" className="secondary" onClick={() => setConfirm(null)}>Cancel</button>
                        </span>
                      ) : (
                        <button type="button" className="secondary" onClick={() => setConfirm(k.id)}>Revoke<span className="sr"> {k.name}</span></button>
                      )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </>
  );
}

export default function Page() {
  return <RequireSession><Keys /></RequireSession>;
}
