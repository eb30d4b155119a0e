// Runs a target's steps in order. Each step has a fingerprint of everything it depends on; a step
// whose fingerprint matches the last successful run, and whose result is still there (its process
// up, its stack deployed), is "up to date" and left alone. A failed step is recorded as failed,
// and the next run starts from it: the steps before it are up to date.
import { DeployError, State } from './state.mjs';

export const say = (line = '') => process.stdout.write(`${line}\n`);

/**
 * @param steps [{name, part, summary, commands?: () => string[], always?, fingerprint?(ctx),
 *               upToDate?(saved, ctx), run(ctx, saved), dryRun?(ctx)}]
 */
export async function deploy({ target, stateDir, steps, dryRun, ctx = {} }) {
  const state = new State(stateDir);
  ctx.state = state;
  ctx.outputs = {};
  if (dryRun) {
    say(`Plan for --target ${target} (dry run: nothing is started, changed, uploaded or recorded):`);
    steps.forEach((step, i) => {
      say(`${String(i + 1).padStart(2)}. [${step.part}] ${step.name}: ${step.summary}`);
      for (const command of step.commands?.(ctx) ?? []) say(`      $ ${command}`);
    });
    for (const step of steps) {
      if (step.dryRun) await step.dryRun(ctx);
    }
    return { changed: 0, upToDate: 0 };
  }
  const unlock = state.lock();
  let changed = 0;
  let upToDate = 0;
  // What earlier runs learned, for the parts this run leaves alone (--only): the dispatcher
  // deployed alone still finds the Redis and the workers deployed before.
  for (const record of Object.values(state.data.steps)) {
    if (record.status === 'done') Object.assign(ctx.outputs, record.outputs);
  }
  try {
    for (const step of steps) {
      if (step.always) {
        Object.assign(ctx.outputs, (await step.run(ctx)) ?? {});
        continue;
      }
      const fingerprint = step.fingerprint ? await step.fingerprint(ctx) : '';
      const saved = state.step(step.name);
      if (
        saved?.status === 'done' &&
        saved.fingerprint === fingerprint &&
        (await (step.upToDate?.(saved, ctx) ?? true))
      ) {
        say(`✓ ${step.name}: up to date`);
        Object.assign(ctx.outputs, saved.outputs);
        upToDate++;
        continue;
      }
      say(`→ ${step.name}: ${step.summary}`);
      const started = Date.now();
      let outputs;
      try {
        outputs = (await step.run(ctx, saved)) ?? {};
      } catch (e) {
        state.save(step.name, { status: 'failed', fingerprint, error: e.message, outputs: saved?.outputs ?? {} });
        throw e;
      }
      say(`  done in ${seconds(started)}`);
      state.save(step.name, { status: 'done', fingerprint, outputs });
      Object.assign(ctx.outputs, outputs);
      changed++;
    }
  } finally {
    unlock();
  }
  say(changed === 0 ? 'up to date: nothing changed' : `${changed} step(s) changed, ${upToDate} up to date`);
  return { changed, upToDate };
}

/** Runs each step's `destroy` in reverse order, forgetting it once done. */
export async function destroy({ target, stateDir, steps, dryRun, ctx = {} }) {
  const state = new State(stateDir);
  ctx.state = state;
  if (dryRun) {
    say(`Plan to destroy --target ${target} (dry run: nothing is stopped or deleted):`);
    [...steps].reverse().forEach((step, i) => {
      const saved = state.step(step.name);
      say(
        `${String(i + 1).padStart(2)}. [${step.part}] ${step.name}: ${saved ? (step.undo ?? 'remove') : 'nothing recorded'}`,
      );
      for (const command of step.destroyCommands?.(saved, ctx) ?? []) say(`      $ ${command}`);
    });
    return;
  }
  const unlock = state.lock();
  try {
    for (const step of [...steps].reverse()) {
      const saved = state.step(step.name);
      if (!saved || !step.destroy) {
        if (saved) state.forget(step.name);
        continue;
      }
      say(`→ ${step.name}: ${step.undo ?? 'remove'}`);
      const started = Date.now();
      await step.destroy(saved, ctx);
      say(`  done in ${seconds(started)}`);
      state.forget(step.name);
    }
  } finally {
    unlock();
  }
}

const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** Keeps the steps of the named parts; names nothing known: an error listing what is. */
export function only(steps, names) {
  if (!names) return steps;
  const wanted = names
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const known = [...new Set(steps.filter((s) => !s.always).map((s) => s.part))];
  const unknown = wanted.filter((w) => !known.includes(w));
  if (wanted.length === 0 || unknown.length > 0) {
    throw new DeployError(
      `--only ${names}: ${unknown.length ? `unknown part(s) ${unknown.join(', ')}` : 'names nothing'};` +
        ` this target's parts are ${known.join(', ')}`,
    );
  }
  return steps.filter((s) => s.always || wanted.includes(s.part));
}
