'use client';
import { Suspense } from 'react';
import AuthForm from '@/components/AuthForm';

export default function Page() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <AuthForm kind="signup" />
    </Suspense>
  );
}
