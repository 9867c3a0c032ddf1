'use client';
import { useEffect, useRef, useState } from 'react';
import Link from 'next/link';
import { useSearchParams } from 'next/navigation';
import { api, ApiError, loadSession } from '@/lib/api';
import { safeNext, ssoErrorSentence, waitSentence, type User } from '@/lib/session.mjs';
import { useSession } from './Session';

/** Shown on the sign-up page; the server's weak_password message says which rule failed. */
export const PASSWORD_RULES = 'At least 8 characters (a long passphrase is best); at most 1024.';

type Kind = 'login' | 'signup';

/** Email + password form for /app/login/ and /app/signup/. Afterwards the user goes to ?next= (same-origin only). */
export default function AuthForm({ kind }: { kind: Kind }) {
  const params = useSearchParams();
  const next = safeNext(params.get('next'));
  const s = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field: 'email' | 'password' | null; message: string } | null>(null);
  const errorRef = useRef<HTMLParagraphElement>(null);

  // Already signed in (or no sign-in on this server): nothing to do here.
  useEffect(() => {
    if (s && (s.user || s.mode === 'none') && !busy) window.location.replace(next);
  }, [s, next, busy]);
  useEffect(() => { if (error) errorRef.current?.focus(); }, [error]);

  async function submit(e: React.FormEvent) {
    e.preventDefault();
    setError(null);
    if (!email.trim()) { setError({ field: 'email', message: 'Enter your email address.' }); return; }
    if (!password) { setError({ field: 'password', message: 'Enter your password.' }); return; }
    setBusy(true);
    try {
      await api<{ user: User; csrf_token: string }>(`/api/v1/auth/${kind}`, {
        method: 'POST', on401: 'throw', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email: email.trim(), password }),
      });
      await loadSession(true);
      window.location.assign(next);
    } catch (err) {
      setBusy(false);
      if (!(err instanceof ApiError)) { setError({ field: null, message: 'Something went wrong.' }); return; }
      if (err.code === 'rate_limited') {
        setError({ field: null, message: `Too many attempts. ${waitSentence(err.retryAfter)}` });
      } else if (err.code === 'invalid_email' || err.code === 'email_taken') {
        setError({ field: 'email', message: err.message });
      } else if (err.code === 'weak_password') {
        setError({ field: 'password', message: err.serverMessage || 'Choose a stronger password.' });
      } else if (err.status === 404 && !err.code) {
        setError({ field: null, message: 'This server has no accounts.' });
      } else {
        setError({ field: null, message: err.message });
      }
    }
  }

  if (s && s.mode === 'required' && kind === 'signup' && !s.signup) {
    return (
      <>
        <h1>Sign up</h1>
        <p>Sign-up is closed on this server. Ask an administrator for an account, or <Link href="/app/login/">sign in</Link>.</p>
      </>
    );
  }
  const title = kind === 'login' ? 'Sign in' : 'Create an account';
  const err = (f: 'email' | 'password') => (error?.field === f ? 'auth-error' : undefined);
  const sso = kind === 'login' && s?.mode === 'required' ? s.sso : null;
  const passwords = !s || s.mode !== 'required' || s.password_login;
  const ssoError = kind === 'login' ? ssoErrorSentence(params.get('sso_error')) : null;
  if (!passwords && kind === 'signup') {
    return (
      <>
        <h1>Sign up</h1>
        <p>Accounts on this server come from single sign-on. <Link href="/app/login/">Sign in</Link>.</p>
      </>
    );
  }
  return (
    <>
      <h1>{title}</h1>
      {ssoError && <p className="error" role="alert" data-testid="sso-error">{ssoError}</p>}
      {sso && (
        <p className="row">
          <a className="button" data-testid="sso-login" href={`${sso.login_url}?next=${encodeURIComponent(next)}`}>
            Sign in with {sso.name}
          </a>
        </p>
      )}
      {passwords && sso && <p className="muted">Or sign in with your email and password:</p>}
      {passwords && (
      <form onSubmit={submit} noValidate className="stack narrow" aria-label={title}>
        <div className="field">
          <label htmlFor="email">Email</label>
          <input id="email" name="email" type="email" autoComplete={kind === 'login' ? 'username' : 'email'} autoFocus required
            value={email} onChange={(e) => setEmail(e.target.value)}
            aria-invalid={err('email') ? true : undefined} aria-describedby={err('email')} />
        </div>
        <div className="field">
          <label htmlFor="password">Password</label>
          <input id="password" name="password" type="password" required maxLength={1024}
            autoComplete={kind === 'login' ? 'current-password' : 'new-password'}
            value={password} onChange={(e) => setPassword(e.target.value)}
            aria-invalid={err('password') ? true : undefined}
            aria-describedby={[kind === 'signup' ? 'pw-rules' : '', err('password') ?? ''].join(' ').trim() || undefined} />
          {kind === 'signup' && <p id="pw-rules" className="muted hint">{PASSWORD_RULES}</p>}
        </div>
        {error && <p id="auth-error" className="error" role="alert" tabIndex={-1} ref={errorRef} data-testid="auth-error">{error.message}</p>}
        <div className="row">
          <button type="submit" disabled={busy}>{busy ? (kind === 'login' ? 'Signing in…' : 'Creating…') : title}</button>
        </div>
      </form>
      )}
      {kind === 'login' && passwords && s?.signup && (
        <p>No account yet? <Link href={`/app/signup/?next=${encodeURIComponent(next)}`}>Sign up</Link>.</p>
      )}
      {kind === 'signup' && <p>Have an account? <Link href={`/app/login/?next=${encodeURIComponent(next)}`}>Sign in</Link>.</p>}
      {kind === 'login' && s?.anonymous_shortening && <p><Link href="/">Shorten a link without an account</Link>.</p>}
    </>
  );
}
