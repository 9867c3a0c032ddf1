/** @type {import('next').NextConfig} */
const nextConfig = {
  output: 'export',
  trailingSlash: true,
  images: { unoptimized: true },
  reactStrictMode: true,
  poweredByHeader: false,
};
if (process.env.NODE_ENV === 'development') {
  // `next dev` against a running `shortener serve` (not used by the export).
  nextConfig.skipTrailingSlashRedirect = true;
  nextConfig.rewrites = async () => [
    { source: '/api/:path*', destination: `${process.env.SHORTENER_API ?? 'http://localhost:8080'}/api/:path*` },
  ];
}
export default nextConfig;
