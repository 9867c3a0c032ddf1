'use client';
import { useState } from 'react';
import Link from 'next/link';
import { api, ApiError } from '@/lib/api';
import { useSession } from './Session';

/** The header's account part: nothing in auth mode none; the signed-in email, API keys and Sign out otherwise. */
export default function AccountNav() {
  const s = useSession();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!s || s.mode !== 'required') return null;
  if (!s.user) {
    return (
      <>
        <Link href="/app/login/">Sign in</Link>
        {s.signup && <Link href="/app/signup/">Sign up</Link>}
      </>
    );
  }
  async function signOut() {
    setBusy(true);
    setError(null);
    try {
      await api<void>('/api/v1/auth/logout', { method: 'POST', on401: 'throw' });
    } catch (e) {
      // 401: the session was gone already. Anything else: say so and stay signed in.
      if (!(e instanceof ApiError && e.status === 401)) {
        setError(e instanceof ApiError ? e.message : 'Could not sign out.');
        setBusy(false);
        return;
      }
    }
    // Only navigate: clearing the session in memory first would make the page's own guard navigate to the login
    // page (with ?next=) at the same time, and one navigation would abort the other.
    window.location.assign('/app/login/');
  }
  return (
    <>
      <Link href="/app/keys/">API keys</Link>
      <span className="muted account" data-testid="account-email">{s.user.email}</span>
      <button type="button" className="secondary" onClick={signOut} disabled={busy}>{busy ? 'Signing out…' : 'Sign out'}</button>
      {error && <span className="error" role="alert">{error}</span>}
    </>
  );
}
