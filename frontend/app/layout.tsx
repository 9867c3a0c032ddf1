import type { Metadata, Viewport } from 'next';
import Link from 'next/link';
import AccountNav from '@/components/AccountNav';
import Hydrated from '@/components/Hydrated';
import './globals.css';

export const metadata: Metadata = {
  title: 'url-shortener',
  description: 'Shorten links and watch their clicks live.',
};
export const viewport: Viewport = { width: 'device-width', initialScale: 1, colorScheme: 'light dark' };

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body>
        <Hydrated />
        <a className="skip" href="#main">Skip to content</a>
        <header className="top">
          <nav aria-label="Main">
            <Link href="/" className="brand">url-shortener</Link>
            <Link href="/">Shorten</Link>
            <Link href="/app/links/">Links</Link>
            <Link href="/app/import/">Import</Link>
            <Link href="/app/webhooks/">Webhooks</Link>
            <AccountNav />
          </nav>
        </header>
        <main id="main">{children}</main>
        <footer className="foot">
          <p>This product includes GeoLite2 data created by MaxMind, available from{' '}
            <a href="https://www.maxmind.com">https://www.maxmind.com</a>.</p>
        </footer>
      </body>
    </html>
  );
}
