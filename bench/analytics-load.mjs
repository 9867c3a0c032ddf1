// Analytics benchmarks (docs/benchmarks.md), driven by bench/analytics.sh:
//   latency <base> <slug> <rate/s> <seconds> [<sse base>]  click-to-event latency at an SSE subscriber (on
//                                             <sse base>, default <base>) under a redirect load on <base>
//   idle <port> <slug> <count>                opens <count> idle SSE streams and holds them until stdin closes
//   stats <base> <path> <count> [max s]       sequential GETs of a stats URL (at most max s): latency percentiles
import http from 'node:http';
import net from 'node:net';

const [mode, ...args] = process.argv.slice(2);
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};

if (mode === 'latency') {
  const [base, slug, rate, seconds] = [args[0], args[1], Number(args[2]), Number(args[3])];
  const url = new URL(base);
  const sseUrl = new URL(args[4] ?? base);
  const oldest = [];
  const newest = [];
  let clicksSeen = 0;
  const sse = http.get({ host: sseUrl.hostname, port: sseUrl.port, path: `/api/v1/links/${slug}/live` }, (res) => {
    let buf = '';
    res.setEncoding('utf8');
    res.on('data', (d) => {
      buf += d;
      let i;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(i + 2);
        if (!block.includes('event: clicks')) continue;
        const now = Date.now();
        const data = JSON.parse(block.slice(block.indexOf('data: ') + 6));
        oldest.push(now - data.batch.first_click_at);
        newest.push(now - data.batch.last_click_at);
        clicksSeen += data.batch.clicks;
      }
    });
  });
  await new Promise((r) => setTimeout(r, 300));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  let sent = 0;
  let ok = 0;
  const start = Date.now();
  const total = rate * seconds;
  await new Promise((resolve) => {
    const tick = setInterval(() => {
      const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate));
      while (sent < due) {
        sent++;
        const req = http.get({ host: url.hostname, port: url.port, path: `/${slug}`, agent }, (res) => {
          res.resume();
          if (res.statusCode === 302) ok++;
        });
        req.on('error', () => {});
      }
      if (sent >= total) {
        clearInterval(tick);
        resolve();
      }
    }, 5);
  });
  const elapsed = (Date.now() - start) / 1000;
  await new Promise((r) => setTimeout(r, 1500));
  sse.destroy();
  agent.destroy();
  console.log(JSON.stringify({ sent, ok, offered_rate: Math.round(sent / elapsed), clicks_seen: clicksSeen,
    events: oldest.length, oldest_click_ms: { p50: pct(oldest, 50), p99: pct(oldest, 99), max: pct(oldest, 100) },
    newest_click_ms: { p50: pct(newest, 50), p99: pct(newest, 99) } }));
  process.exit(0);
} else if (mode === 'idle') {
  const [port, slug, count] = [Number(args[0]), args[1], Number(args[2])];
  const sockets = [];
  let ready = 0;
  await new Promise((resolve) => {
    let opened = 0;
    const openOne = () => {
      if (opened >= count) return;
      opened++;
      const s = net.connect(port, '127.0.0.1', () => {
        s.write(`GET /api/v1/links/${slug}/live HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n`);
      });
      let got = false;
      s.on('data', (d) => {
        if (!got && d.toString().includes('snapshot')) {
          got = true;
          if (++ready === count) resolve();
        }
      });
      s.on('error', (e) => console.error('socket error', e.message));
      sockets.push(s);
    };
    const pump = setInterval(() => {
      for (let i = 0; i < 200; i++) openOne();
      if (opened >= count) clearInterval(pump);
    }, 20);
  });
  console.log(JSON.stringify({ open: ready }));
  process.stdin.resume();
  process.stdin.on('end', () => process.exit(0));
} else if (mode === 'stats') {
  const [base, path, count, maxSeconds] = [args[0], args[1], Number(args[2]), Number(args[3] ?? Infinity)];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const url = new URL(base);
  const times = [];
  let bytes = 0;
  const deadline = Date.now() + maxSeconds * 1000;
  const failures = {};  // status (or error code) -> count: a timed-out statement answers 503, which is a result too
  for (let i = 0; i < count && Date.now() < deadline; i++) {
    const t0 = process.hrtime.bigint();
    const status = await new Promise((resolve) => {
      http.get({ host: url.hostname, port: url.port, path, agent }, (res) => {
        res.on('data', (d) => (bytes += d.length));
        res.on('end', () => resolve(res.statusCode));
      }).on('error', (e) => resolve(e.code ?? 'error'));
    });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (status !== 200) failures[status] = (failures[status] ?? 0) + 1;
  }
  agent.destroy();
  console.log(JSON.stringify({ path, count: times.length, failures, bytes_per_response: Math.round(bytes / times.length),
    ms: { p50: pct(times, 50).toFixed(2), p99: pct(times, 99).toFixed(2), max: pct(times, 100).toFixed(2) } }));
} else {
  console.error('usage: analytics-load.mjs latency|idle|stats ...');
  process.exit(2);
}
