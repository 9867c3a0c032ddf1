// Shared helpers for the end-to-end tests: start/stop the real binary, talk to it over HTTP and raw TCP.
// No npm dependencies: node:test, node:net, node:child_process and the global fetch only.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The binary under test: $SHORTENER_BIN, else <repo>/build/shortener. */
export const BIN = process.env.SHORTENER_BIN
  ? path.resolve(process.env.SHORTENER_BIN)
  : path.resolve(here, '../../build/shortener');

const live = new Set();
const ownDirs = new Set();

// Last line of defence: never leave a server behind, even when a test forgets to stop it or crashes.
process.on('exit', () => {
  for (const proc of live) {
    try {
      proc.kill('SIGKILL');
    } catch {}
  }
  for (const dir of ownDirs) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {}
  }
});

/** A fresh temporary directory, removed when the test process exits. */
export function makeDataDir() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shortener-e2e-'));
  ownDirs.add(dir);
  return dir;
}

/** The environment of a child: ours minus any shortener/database settings, so the host cannot leak in. */
function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (k.startsWith('SHORTENER_') || k === 'DATABASE_URL' || k === 'REDIS_URL') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Runs the binary to completion (CLI tests), with `input` on its stdin. Returns {status, stdout, stderr}. */
export function runCli(args, { env = {}, timeout = 10_000, input } = {}) {
  const r = spawnSync(BIN, args, {
    env: cleanEnv({ SHORTENER_DATA_DIR: makeDataDir(), ...env }),
    encoding: 'utf8',
    timeout,
    input,
  });
  if (r.error) throw r.error;
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Starts `shortener serve` on 127.0.0.1:0 and resolves once it logged {"msg":"listening"}.
 * Returns {port, base, publicUrl, proc, dataDir, stderrLines, logs(), exited, stop(signal)}.
 *
 * With SHORTENER_E2E_DISTRIBUTED=1 (and SHORTENER_TEST_PG_DSN / SHORTENER_TEST_REDIS_URL, see
 * scripts/test-services.sh) the server runs in distributed mode: a fresh PostgreSQL database per data dir, its
 * own Redis key prefix, and a `shortener worker` that lives and dies with it. `distributed` is then true.
 */
export async function startServer({ env = {}, dataDir, args = [] } = {}) {
  dataDir ??= makeDataDir();
  if (!DISTRIBUTED || env.DATABASE_URL !== undefined || env.REDIS_URL !== undefined) {
    return launch('serve', { env, dataDir, args });
  }
  const shared = { ...distributedEnv(dataDir), ...env };
  const server = await launch('serve', { env: shared, dataDir, args });
  const worker = await startWorker({ env: shared, dataDir });
  const stopServer = server.stop;
  server.distributed = true;
  server.databaseUrl = shared.DATABASE_URL;
  server.worker = worker;
  server.stop = async (signal = 'SIGTERM') => {
    const code = await stopServer(signal);
    await worker.stop(signal === 'SIGKILL' ? 'SIGKILL' : 'SIGTERM');
    return code;
  };
  return server;
}

/** True when the shared suite runs in distributed mode (SHORTENER_E2E_DISTRIBUTED=1). */
export const DISTRIBUTED = process.env.SHORTENER_E2E_DISTRIBUTED === '1';

const databases = new Map();  // data dir -> database name, so a restart on the same data dir keeps its data

/** DATABASE_URL, REDIS_URL and a Redis prefix for a distributed server on `dataDir` (database created once). */
export function distributedEnv(dataDir) {
  const pg = process.env.SHORTENER_TEST_PG_DSN;
  const redis = process.env.SHORTENER_TEST_REDIS_URL;
  if (!pg || !redis) throw new Error('distributed mode needs SHORTENER_TEST_PG_DSN and SHORTENER_TEST_REDIS_URL');
  let name = databases.get(dataDir);
  if (!name) {
    name = `e2e_${process.pid}_${databases.size}_${Date.now() % 100000}`;
    createDatabase(pg, name);
    databases.set(dataDir, name);
  }
  const url = new URL(pg);
  url.pathname = `/${name}`;
  return { DATABASE_URL: url.toString(), REDIS_URL: redis, SHORTENER_REDIS_PREFIX: `${name}:` };
}

/** CREATE DATABASE `name` on the server of the DSN `dsn` (with createdb, which Debian's postgresql-15 ships). */
export function createDatabase(dsn, name) {
  const url = new URL(dsn);
  const r = spawnSync('/usr/lib/postgresql/15/bin/createdb',
    ['-h', url.hostname, '-p', url.port || '5432', '-U', decodeURIComponent(url.username || 'postgres'), name],
    { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`createdb ${name}: ${r.stderr || r.error}`);
}

/**
 * Starts `shortener worker` (distributed mode: give DATABASE_URL/REDIS_URL in `env`) and resolves once it
 * logged {"msg":"worker_started"}. Returns the same shape as startServer, without port and base.
 */
export function startWorker({ env = {}, dataDir, args = [] } = {}) {
  return launch('worker', { env, dataDir: dataDir ?? makeDataDir(), args, readyMsg: 'worker_started' });
}

// Runs `shortener <command>` and waits for its readiness log line (`readyMsg`).
async function launch(command, { env = {}, dataDir, args = [], readyMsg = 'listening' }) {
  if (!fs.existsSync(BIN)) throw new Error(`shortener binary not found at ${BIN} (set SHORTENER_BIN)`);
  // Rate limits are off unless a test sets them: the suite creates hundreds of links from one address. A test
  // passes null to get the built-in default instead.
  const childEnv = cleanEnv({
    SHORTENER_LISTEN: '127.0.0.1:0',
    SHORTENER_DATA_DIR: dataDir,
    SHORTENER_RATE_LIMIT_CREATE: 'off',
    SHORTENER_RATE_LIMIT_API: 'off',
    SHORTENER_RATE_LIMIT_AUTHENTICATED: 'off',
    // The destination health checker stays off unless a test turns it on (health.test.mjs): it would otherwise
    // send requests to the suites' example destinations.
    SHORTENER_HEALTH_INTERVAL_S: '0',
    ...env,
  });
  for (const [k, v] of Object.entries(childEnv)) if (v === null || v === undefined) delete childEnv[k];
  const proc = spawn(BIN, [command, ...args], {
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  live.add(proc);
  const stderrLines = [];
  const stdoutChunks = [];
  let exitCode;
  let spawnError;
  const exited = new Promise((resolve) => {
    proc.on('exit', (code, signal) => {
      live.delete(proc);
      exitCode = code ?? signal;
      resolve(exitCode);
    });
    // spawn failures (EACCES, ENOENT, ...) emit 'error' and no 'exit'.
    proc.on('error', (e) => {
      live.delete(proc);
      spawnError = e;
      exitCode ??= `spawn error ${e.code ?? e.message}`;
      resolve(exitCode);
    });
  });
  proc.stdout.on('data', (d) => stdoutChunks.push(d));
  let partial = '';
  const lineWaiters = [];
  proc.stderr.setEncoding('utf8');
  proc.stderr.on('data', (chunk) => {
    partial += chunk;
    let nl;
    while ((nl = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      stderrLines.push(line);
      for (const w of [...lineWaiters]) w(line);
    }
  });

  const logs = () =>
    stderrLines.flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });

  const listening = await new Promise((resolve, reject) => {
    const fail = (why) => {
      clearTimeout(timer);
      lineWaiters.length = 0;
      reject(new Error(`${why}\n--- server stderr ---\n${stderrLines.join('\n')}${partial}`));
    };
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      fail(`${command} did not log "${readyMsg}" within 10 s`);
    }, 10_000);
    exited.then((code) => fail(spawnError ? `cannot start ${BIN}: ${spawnError.message}` : `server exited (${code}) before listening`));
    const check = (line) => {
      let entry;
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      if (entry.msg === readyMsg) {
        clearTimeout(timer);
        lineWaiters.length = 0;
        resolve(entry);
      }
    };
    for (const l of stderrLines) check(l);
    lineWaiters.push(check);
  });

  const port = listening.port === undefined ? undefined : Number(listening.port);
  let stopping;
  const stop = (signal = 'SIGTERM') => {
    if (stopping) return stopping;
    if (exitCode !== undefined) return Promise.resolve(exitCode);
    stopping = (async () => {
      proc.kill(signal);
      const killer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
      const code = await exited;
      clearTimeout(killer);
      return code;
    })();
    return stopping;
  };

  /** Resolves with the first parsed log entry matching `pred` (already logged or future). */
  const waitForLog = (pred, timeoutMs = 5000) =>
    waitFor(() => logs().find(pred), timeoutMs, 'log entry');

  return {
    port,
    base: `http://127.0.0.1:${port}`,
    publicUrl: listening.public_url,
    listening,
    proc,
    dataDir,
    stderrLines,
    stdout: () => Buffer.concat(stdoutChunks).toString('utf8'),
    logs,
    waitForLog,
    exited,
    stop,
  };
}

/** JSON request helper: returns {status, headers, body (parsed JSON or null), text}. */
export async function api(base, pathname, { method = 'GET', json, headers = {}, body } = {}) {
  const init = { method, headers: { ...headers }, redirect: 'manual' };
  if (json !== undefined) {
    init.body = JSON.stringify(json);
    init.headers['content-type'] ??= 'application/json';
  } else if (body !== undefined) {
    init.body = body;
  }
  const res = await fetch(base + pathname, init);
  const text = await res.text();
  let parsed = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {}
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** POST /api/v1/links with a JSON body. */
export function createLink(base, body) {
  return api(base, '/api/v1/links', { method: 'POST', json: body });
}

/** A desktop browser's User-Agent. Node's fetch sends "node", which the bot list knows: bots leave click limits
 * alone, so tests that use up a limit must look like a person. */
export const BROWSER_UA = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36';
export const AS_BROWSER = { headers: { 'user-agent': BROWSER_UA } };

/** GET (or HEAD) /{slug} without following the redirect: returns {status, location, headers, text}. */
export async function follow(base, slug, { method = 'GET', headers = {} } = {}) {
  const res = await fetch(`${base}/${slug}`, { method, headers, redirect: 'manual' });
  const text = await res.text();
  return { status: res.status, location: res.headers.get('location'), headers: res.headers, text };
}

/** Current click count of a link, via the API. */
export async function clicksOf(base, slug) {
  const r = await api(base, `/api/v1/links/${slug}`);
  if (r.status !== 200) throw new Error(`GET link ${slug}: ${r.status} ${r.text}`);
  return r.body.clicks;
}

/** Polls `predicate` (sync or async) every `intervalMs` until it returns a truthy value, which is returned. */
export async function waitFor(predicate, timeoutMs = 5000, what = 'condition', intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const v = await predicate();
      if (v) return v;
      lastError = undefined;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` + (lastError ? `: ${lastError.message}` : ''));
    }
    await sleep(intervalMs);
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes `text` on a fresh TCP connection and resolves with everything the server sent, once the server
 * closed the connection or `timeoutMs` passed (whichever first). Socket errors (e.g. a reset after the
 * server answered) end the read; they are not thrown.
 */
export function rawRequest(port, text, { timeoutMs = 3000 } = {}) {
  return rawExchange(port, text, { timeoutMs }).then((r) => r.text);
}

/** Like rawRequest, with details: {text, closed (server ended the connection), error, ms}. */
export function rawExchange(port, text, { timeoutMs = 3000 } = {}) {
  return new Promise((resolve) => {
    const started = Date.now();
    const chunks = [];
    let done = false;
    const socket = net.connect({ host: '127.0.0.1', port });
    const finish = (closed, error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ text: Buffer.concat(chunks).toString('latin1'), closed, error, ms: Date.now() - started });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('connect', () => socket.write(text));
    socket.on('data', (d) => chunks.push(d));
    socket.on('end', () => finish(true));
    socket.on('close', () => finish(true));
    socket.on('error', (e) => finish(true, e));
  });
}

/**
 * Splits raw HTTP/1.1 response text into responses: [{status, headers (lower-case names), body}].
 * Bodies are delimited by Content-Length; `headOnly` marks responses to HEAD (no body).
 * Returns what could be parsed completely; `rest` holds any trailing partial data.
 */
export function parseResponses(text, { headOnly = [] } = {}) {
  const out = [];
  let pos = 0;
  while (pos < text.length) {
    const end = text.indexOf('\r\n\r\n', pos);
    if (end < 0) break;
    const lines = text.slice(pos, end).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
    if (!m) break;
    const headers = {};
    for (const l of lines.slice(1)) {
      const i = l.indexOf(':');
      if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
    }
    const status = Number(m[1]);
    const len = headOnly[out.length] || status === 204 || status === 304 ? 0 : Number(headers['content-length'] ?? 0);
    const bodyStart = end + 4;
    if (bodyStart + len > text.length) break;
    out.push({ status, headers, body: text.slice(bodyStart, bodyStart + len) });
    pos = bodyStart + len;
  }
  out.rest = text.slice(pos);
  return out;
}

/**
 * A persistent raw connection for keep-alive and pipelining tests: write(), then readResponses(n) waits
 * until n complete responses arrived (or the timeout), consuming them.
 */
export async function openRaw(port) {
  const socket = net.connect({ host: '127.0.0.1', port });
  await new Promise((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let buffered = '';
  let closed = false;
  let error;
  const wake = new Set();
  socket.on('data', (d) => {
    buffered += d.toString('latin1');
    for (const w of [...wake]) w();
  });
  const onClose = (e) => {
    closed = true;
    if (e instanceof Error) error = e;
    for (const w of [...wake]) w();
  };
  socket.on('end', onClose);
  socket.on('close', onClose);
  socket.on('error', onClose);
  const waitUntil = (pred, timeoutMs) =>
    new Promise((resolve) => {
      const check = () => {
        if (pred()) {
          cleanup();
          resolve(true);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        resolve(false);
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        wake.delete(check);
      };
      wake.add(check);
      check();
    });
  return {
    socket,
    get closed() {
      return closed;
    },
    get error() {
      return error;
    },
    get buffered() {
      return buffered;
    },
    write: (text) => new Promise((resolve) => socket.write(text, () => resolve())),
    async readResponses(n, { timeoutMs = 3000, headOnly = [] } = {}) {
      await waitUntil(() => parseResponses(buffered, { headOnly }).length >= n || closed, timeoutMs);
      const parsed = parseResponses(buffered, { headOnly });
      const taken = parsed.slice(0, n);
      // Drop what was consumed.
      let consumed = 0;
      for (const r of taken) {
        const idx = buffered.indexOf('\r\n\r\n', consumed);
        consumed = idx + 4 + r.body.length;
      }
      buffered = buffered.slice(consumed);
      return taken;
    },
    waitClosed: (timeoutMs = 3000) => waitUntil(() => closed, timeoutMs),
    close: () => socket.destroy(),
  };
}

/** A JSON-error assertion helper: status, error.code and a non-empty message. */
export function errorOf(r) {
  return { status: r.status, code: r.body?.error?.code, hasMessage: typeof r.body?.error?.message === 'string' && r.body.error.message.length > 0 };
}
