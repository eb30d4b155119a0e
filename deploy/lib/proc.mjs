// Processes: commands run to completion, daemons started in their own process group (so that
// stopping one stops whatever it started), and the checks that tell they are up.
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { delimiter, join } from 'node:path';
import { alive, DeployError } from './state.mjs';

/** The path of `name` on PATH, or null. */
export function which(name) {
  if (name.includes('/')) return existsSync(name) ? name : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && existsSync(join(dir, name))) return join(dir, name);
  }
  return null;
}

/**
 * Runs a command to its end. Its output goes to the terminal unless `capture`; `input` is written
 * to its standard input (how secrets reach a CLI: never in its arguments).
 */
export function run(command, args, { cwd, env, input, capture = false, check = true } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    env: env ?? process.env,
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', capture ? 'pipe' : 'inherit', capture ? 'pipe' : 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (result.error) throw new DeployError(`${command}: ${result.error.message}`);
  if (check && result.status !== 0) {
    const tail = capture ? `\n${(result.stderr || result.stdout || '').trim().split('\n').slice(-15).join('\n')}` : '';
    throw new DeployError(`${[command, ...args].join(' ')} failed (exit ${result.status})${tail}`);
  }
  return result;
}

/**
 * Starts a long-running process in a session of its own, its output in `log`, which starts empty:
 * a readiness line left by an earlier run must not pass for this one's.
 */
export function daemon(command, args, { cwd, env, log }) {
  const fd = openSync(log, 'w');
  try {
    const child = spawn(command, args, { cwd, env, detached: true, stdio: ['ignore', fd, fd] });
    child.unref();
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** Whether `pid` is alive and its command line contains `marker` (a pid is reused once it dies). */
export function running(pid, marker) {
  if (!pid || !alive(pid)) return false;
  try {
    // A zombie's command line is empty: it has exited.
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
    return command.length > 0 && command.includes(marker);
  } catch {
    return false;
  }
}

/** Stops a process group: SIGTERM, then SIGKILL after `graceMs`. */
export async function stopGroup(pid, graceMs = 15_000) {
  const signal = (sig) => {
    try {
      process.kill(-pid, sig);
    } catch (e) {
      if (e.code !== 'ESRCH') throw e;
    }
  };
  signal('SIGTERM');
  const until = Date.now() + graceMs;
  while (groupAlive(pid) && Date.now() < until) await sleep(100);
  if (groupAlive(pid)) {
    signal('SIGKILL');
    while (groupAlive(pid)) await sleep(50);
  }
}

/**
 * Whether any process of the group still runs. A zombie does not count: it has exited, and
 * waits only for whoever reaps orphans (on some machines PID 1 does so once a second or so).
 */
function groupAlive(pgid) {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses, so read after the last ')'.
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z') return true;
  }
  return false;
}

/** Whether something accepts connections on 127.0.0.1:port. */
export function listening(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(2000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Sends one line to a Redis on loopback and resolves with the first reply line. */
export function redisCommand(port, line) {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let reply = '';
    socket.setTimeout(3000);
    socket.once('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (d) => {
      reply += d;
      if (reply.includes('\r\n')) {
        socket.end();
        resolve(reply.split('\r\n')[0]);
      }
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('no reply'));
    });
    socket.once('error', reject);
  });
}

/** GET a loopback URL; resolves with {status, body} or null when nothing answers. */
export async function probe(url, timeoutMs = 3000) {
  try {
    const r = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    return { status: r.status, body: await r.text() };
  } catch {
    return null;
  }
}

/**
 * Waits until `ready()` resolves truthy, failing early when the process `pid` dies; the error
 * carries the end of its log.
 */
export async function waitUntil(what, ready, { pid, log, timeoutMs = 180_000 }) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await ready();
    if (value) return value;
    if (pid && !alive(pid)) throw new DeployError(`${what} exited while starting; the end of ${log}:\n${tail(log)}`);
    if (Date.now() > until)
      throw new DeployError(`${what} was not ready in ${timeoutMs / 1000} s; the end of ${log}:\n${tail(log)}`);
    await sleep(200);
  }
}

export function tail(file, lines = 20) {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
