'use client';
import { useEffect, useSyncExternalStore } from 'react';
import { getSession, loadSession, subscribeSession } from '@/lib/api';
import { loginHref, sessionGate, type Session } from '@/lib/session.mjs';

/** The session (null until GET /api/v1/auth/session answered). */
export function useSession(): Session | null {
  const s = useSyncExternalStore(subscribeSession, getSession, () => null);
  useEffect(() => { loadSession(); }, []);
  return s;
}

/**
 * Renders its children once the session allows it. In auth mode required without a signed-in user it sends
 * the browser to /app/login/?next=<this page> instead (`anonymousOk`: unless anonymous shortening is on).
 */
export default function RequireSession({ anonymousOk = false, children }: { anonymousOk?: boolean; children: React.ReactNode }) {
  const s = useSession();
  const gate = s ? sessionGate(s, { anonymousOk }) : null;
  useEffect(() => {
    if (gate === 'login') window.location.replace(loginHref(window.location.pathname + window.location.search));
  }, [gate]);
  if (gate === 'show') return <>{children}</>;
  return <p className="muted" role="status">{gate === 'login' ? 'Redirecting to sign in…' : 'Loading…'}</p>;
}
