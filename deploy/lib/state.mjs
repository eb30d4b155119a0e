// The deployment's state: one folder per target (git-ignored), holding state.json (each step's
// status, fingerprint and outputs), the processes' logs, and secrets/ (mode 0700; files 0600).
// Written atomically, so an interrupted run leaves the last complete state behind.
import {
  chmodSync,
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';

export class State {
  constructor(dir) {
    this.dir = dir;
    this.file = join(dir, 'state.json');
    this.data = existsSync(this.file) ? JSON.parse(readFileSync(this.file, 'utf8')) : { steps: {} };
  }

  step(name) {
    return this.data.steps[name];
  }

  save(name, record) {
    this.data.steps[name] = { ...record, at: new Date().toISOString() };
    this.flush();
  }

  forget(name) {
    delete this.data.steps[name];
    this.flush();
  }

  flush() {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${this.file}.${process.pid}`;
    writeFileSync(tmp, `${JSON.stringify(this.data, null, 2)}\n`);
    renameSync(tmp, this.file);
  }

  logFile(name) {
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    return join(this.dir, 'logs', `${name}.log`);
  }

  /** A secret kept in this folder only (0600), created by `make` the first time. */
  secret(name, make) {
    const folder = join(this.dir, 'secrets');
    mkdirSync(folder, { recursive: true, mode: 0o700 });
    chmodSync(folder, 0o700);
    const file = join(folder, name);
    if (!existsSync(file)) writeFileSync(file, make(), { mode: 0o600 });
    return readFileSync(file, 'utf8').trim();
  }

  /** Holds the folder for one run at a time; a lock whose process is gone is taken over. */
  lock() {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(file, 'wx');
        writeFileSync(fd, String(process.pid));
        closeSync(fd);
        return () => rmSync(file, { force: true });
      } catch (e) {
        if (e.code !== 'EEXIST') throw e;
        const holder = Number(readFileSync(file, 'utf8'));
        if (holder && alive(holder)) {
          throw new DeployError(
            `another deploy-all or destroy-all (pid ${holder}) is using ${this.dir}; wait for it to end`,
          );
        }
        rmSync(file, { force: true });
      }
    }
    throw new DeployError(`cannot lock ${this.dir}`);
  }
}

export function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/** An error whose message is for the user as it stands: no stack trace. */
export class DeployError extends Error {}
