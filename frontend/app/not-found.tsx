import Link from 'next/link';

// The export's 404 page (served for unknown paths under /app/). Our own, so it needs no inline styles (CSP).
export default function NotFound() {
  return (
    <>
      <h1>Page not found</h1>
      <p>There is no page at this address. Go to <Link href="/">the home page</Link> or <Link href="/app/links/">your links</Link>.</p>
    </>
  );
}
