// deploy-all and destroy-all. Usage: see USAGE below, or README.md in this folder.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { deploy, destroy, only, say } from './lib/runner.mjs';
import { DeployError } from './lib/state.mjs';
import { awsSteps } from './targets/aws.mjs';
import { assertPortsFree, localSteps } from './targets/local.mjs';

const root = new URL('..', import.meta.url).pathname.replace(/\/$/, '');
const TARGETS = ['aws', 'local', 'localstack'];

const USAGE = `usage: deploy-all  [--target aws|local|localstack] [--dry-run] [--only PART,...] [options]
       destroy-all [--target aws|local|localstack] [--dry-run] [--only PART,...]

  --target T          where to (default aws)
  --dry-run           print every step and the plan; start, change and record nothing
                      (aws: also synthesizes the templates into infra/cdk.out, and diffs them
                      against the account when credentials exist)
  --only P,Q          just these parts (aws: worker, flyio, cloudrun, cloudflare, dispatcher, browser;
                      local: redis, lambda, flyio, cloudrun, cloudflare, dispatcher, browsers)
  --require-approval  aws: passed to cdk deploy (never | any-change | broadening; default broadening)
  --port-base N       local: ports N (dispatcher) to N+5 (default 8080); N+9 with --serverless
  --serverless        local: the dispatcher as AWS runs it: the API's and the drain's function.zip
                      under the local Lambda service, the API behind a function URL that checks
                      SigV4 (AWS_IAM), secrets read by ARN from a Secrets Manager on loopback
                      (moto_server); prints the credentials to sign with. The volunteer pages
                      are served on N+9, as the CDN serves them
  --schedule-seconds N  local --serverless: the drain's schedule, the safety net (default 60)
  --max-drains N        local --serverless: drains at once (default 2)
  --kicks on|off        local --serverless: off, only the schedule starts drains (for comparison)
  --volunteers N      local: headless Chromium volunteers, joining the edge coordinator in workerd
                      (default 2; 0 for none)
  --state-dir DIR     where the deployment's state is kept (default .packetfs/deploy/<target>)

A second run with nothing changed changes nothing; a run that failed resumes at the failed step.
Secrets (the worker token) live only in the providers' secret stores, or for local in the state
folder (mode 0600); they are never printed, but for the local AWS's test credentials of
--serverless, which sign requests to its function URL.`;

async function main(argv) {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        target: { type: 'string', default: 'aws' },
        'dry-run': { type: 'boolean', default: false },
        only: { type: 'string' },
        'require-approval': { type: 'string', default: 'broadening' },
        'port-base': { type: 'string', default: process.env.PACKETFS_LOCAL_PORT_BASE ?? '8080' },
        volunteers: { type: 'string', default: '2' },
        serverless: { type: 'boolean', default: false },
        'schedule-seconds': { type: 'string', default: '60' },
        'max-drains': { type: 'string', default: '2' },
        kicks: { type: 'string', default: 'on' },
        'state-dir': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
    }).values;
  } catch (e) {
    throw new UsageError(e.message);
  }
  if (parsed.help) {
    say(USAGE);
    return 0;
  }
  const target = parsed.target;
  if (!TARGETS.includes(target)) throw new UsageError(`unknown target '${target}': one of ${TARGETS.join(', ')}`);
  if (!['never', 'any-change', 'broadening'].includes(parsed['require-approval'])) {
    throw new UsageError(`--require-approval ${parsed['require-approval']}: one of never, any-change, broadening`);
  }
  const portBase = integer('--port-base', parsed['port-base'], 1024, 65530);
  const volunteers = integer('--volunteers', parsed.volunteers, 0, 16);
  if (parsed.serverless && target !== 'local') throw new UsageError('--serverless is for --target local');
  const stateDir =
    parsed['state-dir'] ??
    process.env.PACKETFS_DEPLOY_STATE ??
    join(root, '.packetfs', 'deploy', parsed.serverless ? 'local-serverless' : target);
  const options = {
    portBase,
    volunteers,
    requireApproval: parsed['require-approval'],
    stateDir,
    target,
    serverless: parsed.serverless,
    scheduleSeconds: integer('--schedule-seconds', parsed['schedule-seconds'], 1, 86400),
    maxDrains: integer('--max-drains', parsed['max-drains'], 1, 16),
    kicks: parsed.kicks !== 'off',
  };
  if (!['on', 'off'].includes(parsed.kicks)) throw new UsageError(`--kicks ${parsed.kicks}: on or off`);
  const all = target === 'local' ? localSteps(options) : awsSteps(options);
  const steps = only(all, parsed.only);
  const ctx = { steps, options };
  if (command === 'deploy') {
    await deploy({ target, stateDir, steps, dryRun: parsed['dry-run'], ctx });
    const url = ctx.outputs?.dispatcherUrl;
    if (url) say(`dispatcher: ${url}`);
    // The function URL checks SigV4: the local AWS's credentials (these, and only here, are printed).
    if (ctx.outputs?.signWith) say(`sign with: ${ctx.outputs.signWith}`);
    if (url) for (const line of reach(url, ctx.outputs, target)) say(line);
    if (ctx.stopped?.length) {
      say(`not deployed, for want of a prerequisite: ${ctx.stopped.map((s) => s.part).join(', ')} (see ✗ above)`);
      return 1;
    }
    return 0;
  }
  await destroy({ target, stateDir, steps, dryRun: parsed['dry-run'], ctx });
  if (!parsed['dry-run'] && target === 'local') {
    if (!parsed.only) rmSync(stateDir, { recursive: true, force: true });
    const still = await assertPortsFree(steps);
    if (still.length)
      throw new DeployError(
        `still listening on 127.0.0.1: ${still.join(', ')} (not started by deploy-all, or not stopped)`,
      );
    say('nothing of the local fabric is left running');
  }
  return 0;
}

/** The commands that reach the dispatcher just deployed: a job, its dashboard. */
function reach(url, outputs, target) {
  const job = '--op crc32c --data-base64 MTIzNDU2Nzg5';
  if (target === 'local' && !outputs.signWith) {
    return ['reach it:', `  ./scripts/pfs run --server ${url} ${job}`, `  open ${url}/dashboard`];
  }
  if (outputs.signWith) {
    return [
      'reach it (signed with the credentials above):',
      `  env ${outputs.signWith} ./scripts/pfs run --aws-sigv4 --server ${url} ${job}`,
      `  env ${outputs.signWith} ./scripts/pfs dashboard --aws-sigv4 --server ${url}`,
    ];
  }
  // AWS: pfs signs a *.lambda-url.* URL with the default credentials chain (auth AWS_IAM, the
  // default); a URL deployed with auth NONE takes the API key instead.
  const lines = [
    'reach it (pfs signs with your AWS credentials, which need lambda:InvokeFunctionUrl on the URL):',
    `  ./scripts/pfs run --server ${url} ${job}`,
    `  ./scripts/pfs dashboard --server ${url}`,
  ];
  if (outputs.ApiKeySecretArn) {
    lines.push(
      '  # deployed with packetfs:dispatcherUrlAuth=NONE: no signature, the API key instead',
      `  export PACKETFS_API_KEY="$(aws secretsmanager get-secret-value --secret-id ${outputs.ApiKeySecretArn} --query SecretString --output text)"`,
    );
  }
  return lines;
}

function integer(name, text, min, max) {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < min || n > max)
    throw new UsageError(`${name} ${text}: a whole number from ${min} to ${max}`);
  return n;
}

class UsageError extends Error {}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    if (e instanceof UsageError) {
      process.stderr.write(
        `${process.argv[2] === 'deploy' ? 'deploy-all' : 'destroy-all'}: ${e.message}\n\n${USAGE}\n`,
      );
      process.exit(2);
    }
    if (e instanceof DeployError) {
      process.stderr.write(`error: ${e.message}\n`);
      process.exit(1);
    }
    process.stderr.write(`${e.stack}\n`);
    process.exit(1);
  },
);
