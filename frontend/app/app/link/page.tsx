'use client';
import { Suspense, useEffect, useState } from 'react';
import { useSearchParams } from 'next/navigation';
import Link from 'next/link';
import Dashboard from '@/components/Dashboard';
import RequireSession from '@/components/Session';
import { tokenFromFragment } from '@/lib/session.mjs';

function LinkPage() {
  const params = useSearchParams();
  const slug = params.get('slug') ?? '';
  const range = Number(params.get('range') ?? '7');
  // The stats token of an anonymous link travels in the fragment (#token=…), which never reaches the server.
  const [token, setToken] = useState<string | null | undefined>(undefined);
  useEffect(() => {
    const read = () => setToken(tokenFromFragment(window.location.hash));
    read();
    window.addEventListener('hashchange', read);
    return () => window.removeEventListener('hashchange', read);
  }, []);
  if (!slug) {
    return (
      <>
        <h1>Link dashboard</h1>
        <p>No link chosen. Pick one from <Link href="/app/links/">your links</Link>.</p>
      </>
    );
  }
  if (token === undefined) return <p className="muted">Loading dashboard…</p>;
  const dashboard = <Dashboard key={`${slug} ${token ?? ''}`} slug={slug} token={token}
    initialRange={[1, 7, 30, 90, 365].includes(range) ? range : 7} />;
  return token ? dashboard : <RequireSession>{dashboard}</RequireSession>;
}

export default function Page() {
  return (
    <Suspense fallback={<p className="muted">Loading dashboard…</p>}>
      <LinkPage />
    </Suspense>
  );
}
