'use client';
import { Suspense } from 'react';
import { useSearchParams } from 'next/navigation';
import Link from 'next/link';
import LinkSettings from '@/components/LinkSettings';
import RequireSession from '@/components/Session';

function EditPage() {
  const slug = useSearchParams().get('slug') ?? '';
  if (!slug) {
    return (<><h1>Link settings</h1><p>No link chosen. Pick one from <Link href="/app/links/">your links</Link>.</p></>);
  }
  return <LinkSettings key={slug} slug={slug} />;
}

export default function Page() {
  return (
    <RequireSession>
      <Suspense fallback={<p className="muted">Loading…</p>}>
        <EditPage />
      </Suspense>
    </RequireSession>
  );
}
