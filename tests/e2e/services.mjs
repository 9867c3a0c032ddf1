// Private PostgreSQL and Redis servers for the distributed-mode fault tests (so a test may stop and restart
// them), and a fast HTTP load generator (pipelined keep-alive connections). Node built-ins only.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { sleep, waitFor } from './support.mjs';

const PG_BIN = '/usr/lib/postgresql/15/bin';
const children = new Set();
const dirs = new Set();
process.on('exit', () => {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {}
  }
  for (const d of dirs) {
    try {
      fs.rmSync(d, { recursive: true, force: true });
    } catch {}
  }
});

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Whether the private servers can be started here (Debian's postgresql-15 and redis-server). */
export function servicesAvailable() {
  return fs.existsSync(`${PG_BIN}/initdb`) && spawnSync('redis-server', ['--version']).status === 0;
}

/**
 * A private redis-server with an fsync'ed append-only file, so a stopped and restarted server keeps its
 * streams (as a production Redis with persistence does). With `persist: false` it keeps nothing on disk: a
 * restart starts empty (a Redis restarted with its data lost). Returns {url, port, stop(), start()}.
 */
export async function startRedis({ persist = true } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shortener-redis-'));
  dirs.add(dir);
  const port = await freePort();
  let proc;
  const start = async () => {
    const persistence = persist ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no'];
    proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', ...persistence,
      '--dir', dir, '--logfile', path.join(dir, 'redis.log')], { stdio: 'ignore' });
    children.add(proc);
    const p = proc;
    p.on('exit', () => children.delete(p));
    await waitFor(() => spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() === 'PONG',
      5000, 'redis-server to answer');
  };
  const stop = async () => {
    const p = proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise((r) => p.once('exit', r));
    p.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop };
}

/**
 * A private PostgreSQL 15 cluster (initdb in a temporary directory; as the postgres user when we are root,
 * since PostgreSQL refuses to run as root). Returns {port, dsn(db), createDb(name), stop(), start()}.
 */
// A data directory owned by the user PostgreSQL runs as (postgres when we are root: it refuses to run as root),
// and a runner of PostgreSQL's programs as that user.
function pgWorkspace(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  dirs.add(dir);
  fs.chmodSync(dir, 0o755);
  const asPostgres = process.getuid?.() === 0;
  if (asPostgres) {
    const uid = Number(spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const gid = Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim());
    fs.chownSync(dir, uid, gid);
  }
  const run = (bin, args) => {
    const cmd = asPostgres ? 'runuser' : `${PG_BIN}/${bin}`;
    const argv = asPostgres ? ['-u', 'postgres', '--', `${PG_BIN}/${bin}`, ...args] : args;
    const r = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')}: ${r.stderr || r.stdout || r.error}`);
    return r;
  };
  return { dir, run };
}

// Starts the cluster in `dir`/data on `port` (loopback only); returns {port, dsn, createDb, start, stop}.
async function servePostgres({ dir, run }, port) {
  const start = async () => {
    run('pg_ctl', ['-D', `${dir}/data`, '-l', `${dir}/pg.log`, '-w', '-t', '30', '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c full_page_writes=off -c max_connections=200`,
      'start']);
  };
  const stop = async () => {
    run('pg_ctl', ['-D', `${dir}/data`, '-m', 'fast', '-w', 'stop']);
  };
  await start();
  process.on('exit', () => {
    try {
      run('pg_ctl', ['-D', `${dir}/data`, '-m', 'immediate', 'stop']);
    } catch {}
  });
  const dsn = (db) => `postgres://shortener@127.0.0.1:${port}/${db}`;
  const createDb = (name) => {
    const r = spawnSync(`${PG_BIN}/createdb`, ['-h', '127.0.0.1', '-p', String(port), '-U', 'shortener', name], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`createdb ${name}: ${r.stderr}`);
    return dsn(name);
  };
  return { port, dsn, createDb, start, stop };
}

/** A private PostgreSQL 15 on loopback (trust auth, user shortener). Returns {port, dsn(db), createDb, start, stop}. */
export async function startPostgres() {
  const ws = pgWorkspace('shortener-pg-');
  ws.run('initdb', ['-D', `${ws.dir}/data`, '-U', 'shortener', '-A', 'trust', '-E', 'UTF8', '--no-locale']);
  return servePostgres(ws, await freePort());
}

/**
 * A hot standby of `primary` (a startPostgres() server): pg_basebackup over the replication protocol with a
 * standby.signal and primary_conninfo (-R), then streaming. Same interface as startPostgres.
 */
export async function startStandby(primary) {
  const ws = pgWorkspace('shortener-standby-');
  ws.run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'shortener', '-D', `${ws.dir}/data`,
    '-R', '-X', 'stream', '-c', 'fast']);
  return servePostgres(ws, await freePort());
}

/** SELECT through psql against `dsn`; returns the trimmed single value. */
export function psqlValue(dsn, sql) {
  const r = spawnSync('psql', [dsn, '-Atc', sql], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`psql: ${r.stderr}`);
  return r.stdout.trim();
}

/**
 * Sends `total` GET /{slug} requests over `connections` keep-alive connections, `depth` pipelined at a time on
 * each (the load of many concurrent clients), to the ports in `ports` (round robin per connection). Resolves
 * with {ok (3xx), failed (other statuses, resets, timeouts), statuses}. `onProgress(done)` runs now and then.
 */
export async function burst(ports, slug, total, { connections = 32, depth = 32, onProgress, timeoutMs = 10_000 } = {}) {
  ports = Array.isArray(ports) ? ports : [ports];
  let next = 0;
  let done = 0;
  const result = { ok: 0, failed: 0, statuses: {} };
  const request = Buffer.from(`GET /${slug} HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: e2e-burst/1.0\r\n\r\n`);
  const take = () => {
    const n = Math.min(depth, total - next);
    next += n;
    return n;
  };
  const worker = async (port) => {
    for (;;) {
      let n = take();
      if (n <= 0) return;
      let socket;
      try {
        socket = await new Promise((resolve, reject) => {
          const s = net.connect({ host: '127.0.0.1', port });
          s.once('connect', () => resolve(s));
          s.once('error', reject);
        });
      } catch {
        result.failed += n;
        done += n;
        continue;
      }
      // Reuse the connection for as many rounds as possible.
      let alive = true;
      while (alive && n > 0) {
        const got = await roundTrip(socket, request, n, timeoutMs);
        for (const st of got.statuses) {
          result.statuses[st] = (result.statuses[st] ?? 0) + 1;
          if (st >= 300 && st < 400) result.ok++;
          else result.failed++;
        }
        const missing = n - got.statuses.length;
        result.failed += missing;
        done += n;
        onProgress?.(done);
        if (missing > 0 || got.closed) alive = false;
        else n = take();
      }
      socket.destroy();
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => worker(ports[i % ports.length])));
  return result;
}

// Writes `n` pipelined requests and reads `n` responses (status line + headers + Content-Length body).
function roundTrip(socket, request, n, timeoutMs) {
  return new Promise((resolve) => {
    const statuses = [];
    let buf = Buffer.alloc(0);
    let finished = false;
    const finish = (closed) => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('close', onClose);
      socket.off('error', onClose);
      resolve({ statuses, closed });
    };
    const onData = (d) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      for (;;) {
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) break;
        const head = buf.subarray(0, end).toString('latin1');
        const m = /^HTTP\/1\.1 (\d{3})/.exec(head);
        const cl = /\r\ncontent-length:\s*(\d+)/i.exec(head);
        const len = cl ? Number(cl[1]) : 0;
        if (buf.length < end + 4 + len) break;
        statuses.push(m ? Number(m[1]) : 0);
        buf = buf.subarray(end + 4 + len);
        if (statuses.length === n) return finish(false);
      }
    };
    const onClose = () => finish(true);
    const timer = setTimeout(() => finish(true), timeoutMs);
    socket.on('data', onData);
    socket.on('close', onClose);
    socket.on('error', onClose);
    const chunk = Buffer.concat(Array.from({ length: n }, () => request));
    socket.write(chunk);
  });
}

export { sleep };
