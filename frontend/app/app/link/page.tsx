'use client';
import { Suspense } from 'react';
import { useSearchParams } from 'next/navigation';
import Link from 'next/link';
import Dashboard from '@/components/Dashboard';

function LinkPage() {
  const params = useSearchParams();
  const slug = params.get('slug') ?? '';
  const range = Number(params.get('range') ?? '7');
  if (!slug) {
    return (
      <>
        <h1>Link dashboard</h1>
        <p>No link chosen. Pick one from <Link href="/app/links/">your links</Link>.</p>
      </>
    );
  }
  return <Dashboard key={slug} slug={slug} initialRange={[1, 7, 30, 90, 365].includes(range) ? range : 7} />;
}

export default function Page() {
  return (
    <Suspense fallback={<p className="muted">Loading dashboard…</p>}>
      <LinkPage />
    </Suspense>
  );
}
