// What the deploy tests share: the repository's scripts run as a user runs them.
import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

/** Runs scripts/<script> to its end; resolves with {code, out} (stdout and stderr together). */
export function cli(script, args, env = {}) {
  return new Promise((resolve) => {
    const child = spawn(join(root, 'scripts', script), args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('close', (code) => resolve({ code, out }));
  });
}
