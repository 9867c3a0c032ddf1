'use client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError } from '@/lib/api';
import { formatDate } from '@/lib/logic.mjs';
import CopyButton from '@/components/CopyButton';
import RequireSession from '@/components/Session';

type Webhook = {
  id: number; url: string; events: string[]; enabled: boolean; disabled_reason: string | null;
  failing_since: string | null; created_at: string; secret?: string;
};
type Delivery = {
  id: number; event_id: string; event: string; status: string; attempts: number; last_response_code: number | null;
  last_error: string | null; next_retry_at: string | null; created_at: string;
};

const EVENTS = ['link.created', 'link.updated', 'link.deleted', 'link.clicked', 'link.broken'];
const when = (iso: string | null) => (iso ? formatDate(iso) : '—');
const message = (e: unknown, fallback: string) => (e instanceof ApiError ? (e.serverMessage || e.message) : fallback);

/** The newest deliveries of one webhook. */
function Deliveries({ hook }: { hook: Webhook }) {
  const [items, setItems] = useState<Delivery[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(async () => {
    setError(null);
    try {
      setItems((await api<{ items: Delivery[] }>(`/api/v1/webhooks/${hook.id}/deliveries?limit=20`)).items);
    } catch (e) {
      setError(message(e, 'Could not load the deliveries.'));
    }
  }, [hook.id]);
  useEffect(() => { load(); }, [load]);
  return (
    <div data-testid="deliveries">
      {error && <p className="error" role="alert">{error}</p>}
      {items && items.length === 0 && <p className="muted">No deliveries yet.</p>}
      {items && items.length > 0 && (
        <table>
          <caption className="sr">Recent deliveries to {hook.url}</caption>
          <thead><tr><th scope="col">Event</th><th scope="col">Status</th><th scope="col">Attempts</th>
            <th scope="col">Last answer</th><th scope="col" className="hide-sm">Next retry</th><th scope="col" className="hide-sm">Created</th></tr></thead>
          <tbody>
            {items.map((d) => (
              <tr key={d.id}>
                <td><code>{d.event}</code></td>
                <td>{d.status}</td>
                <td>{d.attempts}</td>
                <td>{d.last_response_code ?? '—'}{d.last_error ? <span className="muted"> {d.last_error}</span> : null}</td>
                <td className="hide-sm">{when(d.next_retry_at)}</td>
                <td className="hide-sm">{when(d.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <button type="button" className="secondary" onClick={load}>Refresh<span className="sr"> the deliveries to {hook.url}</span></button>
    </div>
  );
}

/** Edits one webhook's URL and events (PATCH /api/v1/webhooks/{id}). */
function EditWebhook({ hook, onDone }: { hook: Webhook; onDone: (changed: boolean) => void }) {
  const [url, setUrl] = useState(hook.url);
  const [events, setEvents] = useState<string[]>(hook.events);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = `edit-${hook.id}`;
  async function save(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    if (!url.trim()) { setError('Enter the URL that receives the events.'); return; }
    if (events.length === 0) { setError('Choose at least one event.'); return; }
    setBusy(true);
    try {
      await api<Webhook>(`/api/v1/webhooks/${hook.id}`, { method: 'PATCH', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: url.trim(), events }) });
      onDone(true);
    } catch (err) {
      setError(message(err, 'Could not save the webhook.'));
    } finally {
      setBusy(false);
    }
  }
  return (
    <form onSubmit={save} noValidate className="stack" aria-label={`Edit the webhook ${hook.url}`} data-testid="edit-webhook">
      <div className="field">
        <label htmlFor={`${id}-url`}>Endpoint URL</label>
        <input id={`${id}-url`} type="url" value={url} maxLength={2000} onChange={(e) => setUrl(e.target.value)}
          {...(error ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-error` } : {})} />
      </div>
      <fieldset>
        <legend>Events</legend>
        {EVENTS.map((ev) => (
          <label key={ev} className="check">
            <input type="checkbox" checked={events.includes(ev)}
              onChange={(e) => setEvents(e.target.checked ? [...events, ev] : events.filter((x) => x !== ev))} />
            <span><code>{ev}</code></span>
          </label>
        ))}
      </fieldset>
      {error && <p id={`${id}-error`} className="error" role="alert">{error}</p>}
      <div className="row">
        <button type="submit" disabled={busy}>Save<span className="sr"> the webhook</span></button>
        <button type="button" className="secondary" onClick={() => onDone(false)}>Cancel</button>
      </div>
    </form>
  );
}

function Webhooks() {
  const [hooks, setHooks] = useState<Webhook[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['link.created']);
  const [formError, setFormError] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Webhook | null>(null);
  const [open, setOpen] = useState<number | null>(null);
  const [confirm, setConfirm] = useState<number | null>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const newRef = useRef<HTMLHeadingElement>(null);

  const load = useCallback(async () => {
    setLoadError(null);
    try {
      setHooks((await api<{ items: Webhook[] }>('/api/v1/webhooks')).items);
    } catch (e) {
      setLoadError(message(e, 'Could not load your webhooks.'));
    }
  }, []);
  useEffect(() => { load(); }, [load]);
  useEffect(() => { if (created) newRef.current?.focus(); }, [created]);

  async function create(e: React.FormEvent) {
    e.preventDefault();
    setFormError(null);
    setCreated(null);
    if (!url.trim()) { setFormError('Enter the URL that receives the events.'); return; }
    if (events.length === 0) { setFormError('Choose at least one event.'); return; }
    setBusy(true);
    try {
      const w = await api<Webhook>('/api/v1/webhooks', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ url: url.trim(), events }) });
      setCreated(w);
      setUrl('');
      await load();
    } catch (err) {
      setFormError(message(err, 'Could not create the webhook.'));
    } finally {
      setBusy(false);
    }
  }

  async function act(path: string, method: string, fallback: string, json?: unknown) {
    setActionError(null);
    setBusy(true);
    try {
      await api<unknown>(path, json === undefined ? { method }
        : { method, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(json) });
      await load();
    } catch (err) {
      setActionError(message(err, fallback));
    } finally {
      setBusy(false);
      setConfirm(null);
    }
  }

  const toggle = (id: string, on: boolean) => setEvents(on ? [...events, id] : events.filter((x) => x !== id));
  return (
    <>
      <h1>Webhooks</h1>
      <p className="muted">Link events are POSTed to your endpoint, signed as <a href="https://www.standardwebhooks.com">Standard Webhooks</a>:
        verify them with the secret shown when you create the webhook.</p>

      {created?.secret && (
        <section className="card notice" aria-labelledby="new-hook-h" data-testid="new-webhook">
          <h2 id="new-hook-h" tabIndex={-1} ref={newRef}>Signing secret of {created.url}</h2>
          <p className="strong">Copy it now: it is shown only this once.</p>
          <p className="row"><code className="secret" data-testid="new-webhook-secret">{created.secret}</code> <CopyButton text={created.secret} label="Copy secret" /></p>
          <button type="button" className="secondary" onClick={() => setCreated(null)}>I have copied it</button>
        </section>
      )}

      <section className="card section" aria-labelledby="create-hook-h">
        <h2 id="create-hook-h">Add a webhook</h2>
        <form onSubmit={create} noValidate className="stack">
          <div className="field">
            <label htmlFor="hook-url">Endpoint URL</label>
            <input id="hook-url" type="url" value={url} maxLength={2000} placeholder="https://hooks.example.com/shortener"
              onChange={(e) => setUrl(e.target.value)} {...(formError ? { 'aria-invalid': true as const, 'aria-describedby': 'hook-error' } : {})} />
          </div>
          <fieldset>
            <legend>Events</legend>
            {EVENTS.map((ev) => (
              <label key={ev} className="check">
                <input type="checkbox" checked={events.includes(ev)} onChange={(e) => toggle(ev, e.target.checked)} />
                <span><code>{ev}</code></span>
              </label>
            ))}
          </fieldset>
          {formError && <p id="hook-error" className="error" role="alert">{formError}</p>}
          <div className="row"><button type="submit" disabled={busy}>Add webhook</button></div>
        </form>
      </section>

      <section className="section" aria-labelledby="hooks-h">
        <h2 id="hooks-h">Your webhooks</h2>
        {loadError && <p className="error" role="alert">{loadError} <button type="button" className="secondary" onClick={load}>Retry</button></p>}
        {actionError && <p className="error" role="alert">{actionError}</p>}
        {!hooks && !loadError && <p className="muted">Loading webhooks…</p>}
        {hooks && hooks.length === 0 && <p className="muted">No webhooks yet.</p>}
        {hooks && hooks.map((h) => (
          <article key={h.id} className="card" data-webhook-id={h.id} aria-label={`Webhook ${h.url}`}>
            <p><code>{h.url}</code></p>
            <p className="muted">{h.events.join(', ')} · created {when(h.created_at)}</p>
            {!h.enabled && <p className="error">Disabled: {h.disabled_reason}</p>}
            {h.enabled && h.failing_since && <p className="muted">Failing since {when(h.failing_since)}</p>}
            <div className="row">
              <button type="button" className="secondary" disabled={busy}
                onClick={() => act(`/api/v1/webhooks/${h.id}/test`, 'POST', 'Could not send a test event.')}>Send test<span className="sr"> to {h.url}</span></button>
              <button type="button" className="secondary" aria-expanded={open === h.id}
                onClick={() => setOpen(open === h.id ? null : h.id)}>Deliveries<span className="sr"> to {h.url}</span></button>
              <button type="button" className="secondary" aria-expanded={editing === h.id}
                onClick={() => setEditing(editing === h.id ? null : h.id)}>Edit<span className="sr"> {h.url}</span></button>
              <button type="button" className="secondary" disabled={busy} data-testid="toggle-webhook"
                onClick={() => act(`/api/v1/webhooks/${h.id}`, 'PATCH', h.enabled ? 'Could not disable the webhook.' : 'Could not enable the webhook.', { enabled: !h.enabled })}>
                {h.enabled ? 'Disable' : 'Enable'}<span className="sr"> {h.url}</span></button>
              {confirm === h.id ? (
                <span className="row" role="group" aria-label={`Confirm deleting the webhook ${h.url}`}>
                  <button type="button" className="danger" disabled={busy} autoFocus
                    onClick={() => act(`/api/v1/webhooks/${h.id}`, 'DELETE', 'Could not delete the webhook.')}>Yes, delete</button>
                  <button type="button" className="secondary" onClick={() => setConfirm(null)}>Cancel</button>
                </span>
              ) : (
                <button type="button" className="secondary" onClick={() => setConfirm(h.id)}>Delete<span className="sr"> {h.url}</span></button>
              )}
            </div>
            {editing === h.id && <EditWebhook hook={h} onDone={(changed) => { setEditing(null); if (changed) load(); }} />}
            {open === h.id && <Deliveries hook={h} />}
          </article>
        ))}
      </section>
    </>
  );
}

export default function Page() {
  return <RequireSession><Webhooks /></RequireSession>;
}
