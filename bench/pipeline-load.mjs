// Fixed-rate redirect load for bench/pipeline.sh (wrk has no rate limit): `rate` GET /{slug} per second for
// `seconds`, over `connections` keep-alive connections, each tick's requests pipelined. Prints one JSON line:
// {"sent", "ok", "failed", "seconds", "achieved_rate"}.
//   node bench/pipeline-load.mjs PORT SLUG RATE SECONDS [CONNECTIONS]
// SLUG may be `prefix*N`: the slugs prefix0 … prefix{N-1}, cycled (clicks spread over N links).
import net from 'node:net';

const [port, slug, rate, seconds, connections = '16'] = process.argv.slice(2);
const total = Number(rate) * Number(seconds);
const tickMs = 10;
const perTick = Number(rate) * tickMs / 1000;
const [prefix, spread] = slug.includes('*') ? [slug.slice(0, slug.indexOf('*')), Number(slug.slice(slug.indexOf('*') + 1))] : [slug, 0];
let cycled = 0;
const requestFor = () => `GET /${spread ? prefix + (cycled++ % spread) : slug} HTTP/1.1\r\nHost: 127.0.0.1\r\n` +
  'User-Agent: pipeline-bench/1.0\r\n\r\n';

const conns = [];
let ok = 0;
let failed = 0;
for (let i = 0; i < Number(connections); i++) {
  const s = net.connect({ host: '127.0.0.1', port: Number(port) });
  s.setNoDelay(true);
  let buf = '';
  s.on('data', (d) => {
    buf += d.toString('latin1');
    for (;;) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) break;
      const head = buf.slice(0, end);
      const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      const len = cl ? Number(cl[1]) : 0;
      if (buf.length < end + 4 + len) break;
      if (/^HTTP\/1\.1 3/.test(head)) ok++;
      else failed++;
      buf = buf.slice(end + 4 + len);
    }
  });
  s.on('error', () => {});
  conns.push(s);
}
await Promise.all(conns.map((s) => new Promise((r) => (s.connecting ? s.once('connect', r) : r()))));

const started = Date.now();
let sent = 0;
let carry = 0;
let next = 0;
await new Promise((resolve) => {
  const tick = () => {
    const due = Math.min(total, Math.floor(((Date.now() - started) / 1000) * Number(rate)));
    let n = due - sent;
    carry = 0;
    while (n > 0) {
      const k = Math.min(n, Math.ceil(perTick / conns.length) || 1);
      conns[next++ % conns.length].write(Array.from({ length: k }, requestFor).join(''));
      sent += k;
      n -= k;
    }
    if (sent >= total) resolve();
    else setTimeout(tick, tickMs);
  };
  tick();
});
const deadline = Date.now() + 10_000;
while (ok + failed < sent && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
const elapsed = (Date.now() - started) / 1000;
for (const s of conns) s.destroy();
console.log(JSON.stringify({ sent, ok, failed: failed + (sent - ok - failed), seconds: elapsed, achieved_rate: Math.round(sent / elapsed) }));
