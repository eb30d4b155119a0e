// A recording stand-in for the cloud CLIs (aws, cdk, flyctl, gcloud, wrangler), for testing the order and
// the inputs of deploy-all's aws target on a machine with no cloud account. Each call appends
// {cli, args, stdin} to $FAKE_CLI_LOG and answers as the real CLI does for the calls deploy-all
// makes. It stands in for the providers only; the CDK app itself is really synthesized.
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';

const [cli, ...args] = process.argv.slice(2);
const stdin = process.stdin.isTTY ? '' : readFileSync(0, 'utf8');
appendFileSync(process.env.FAKE_CLI_LOG, `${JSON.stringify({ cli, args, stdin })}\n`);
const state = `${process.env.FAKE_CLI_LOG}.state.json`;
const known = existsSync(state)
  ? JSON.parse(readFileSync(state, 'utf8'))
  : { stacks: [], flyApps: [], gcpSecrets: [], runServices: [] };
const save = () => writeFileSync(state, JSON.stringify(known));
const arg = (name) => args[args.indexOf(name) + 1];
const ARN = 'arn:aws:secretsmanager:us-east-1:111122223333:secret:PacketfsWorkerToken-AbCdEf';

function aws() {
  const command = args.slice(0, 2).join(' ');
  if (command === 'sts get-caller-identity')
    return out('{"Account":"111122223333","Arn":"arn:aws:iam::111122223333:user/ci"}');
  if (command === 'cloudformation describe-stacks') {
    const name = arg('--stack-name');
    if (name === 'CDKToolkit' || known.stacks.includes(name))
      return out(args.includes('--query') ? 'UPDATE_COMPLETE' : '{}');
    return fail(`Stack with id ${name} does not exist`);
  }
  if (command === 'secretsmanager get-secret-value' && arg('--secret-id') === ARN) return out(process.env.FAKE_TOKEN);
  return fail(`unexpected aws ${args.join(' ')}`);
}

function cdk() {
  if (args[0] === 'destroy') {
    const stacks = args.slice(3, args.indexOf('--force'));
    known.stacks = known.stacks.filter((s) => !stacks.includes(s));
    save();
    return out(`destroyed ${stacks.join(' ')}`);
  }
  if (args[0] !== 'deploy') return out('');
  const stacks = args.slice(3, args.indexOf('--require-approval'));
  const outputs = {};
  for (const stack of stacks) {
    known.stacks.push(stack);
    outputs[stack] = {
      PacketfsWorker: {
        WorkerFunctionName: 'PacketfsWorker-fn',
        WorkerTokenSecretArn: ARN,
        WorkerUrl: 'https://w.lambda-url.us-east-1.on.aws/',
      },
      PacketfsDispatcher: { DispatcherUrl: 'https://d.lambda-url.us-east-1.on.aws/', RedisUrlSecretArn: 'arn:redis' },
      PacketfsCost: { DashboardName: 'PacketFS' },
      PacketfsBrowserRuntime: {
        BrowserRuntimeUrl: 'https://d111.cloudfront.net/',
        BrowserRuntimeDomain: 'd111.cloudfront.net',
      },
    }[stack];
  }
  writeFileSync(arg('--outputs-file'), JSON.stringify(outputs));
  save();
  return out(`deployed ${stacks.join(' ')}`);
}

function flyctl() {
  if (args[0] === 'auth') return out('ci@example.com');
  if (args[0] === 'status') return known.flyApps.includes(arg('--app')) ? out('running') : fail('app not found');
  if (args[0] === 'apps' && args[1] === 'create') {
    known.flyApps.push(args[2]);
    save();
    return out('created');
  }
  if (args[0] === 'apps' && args[1] === 'destroy') {
    known.flyApps = known.flyApps.filter((a) => a !== args[2]);
    save();
    return out('destroyed');
  }
  return out('ok');
}

function gcloud() {
  const command = args.slice(0, 2).join(' ');
  if (command === 'auth list') return out('ci@example.com');
  if (command === 'config get-value') return out('packetfs-ci');
  if (command === 'projects describe') return out('123456789012');
  if (command === 'secrets describe')
    return known.gcpSecrets.includes(args[2]) ? out(args[2]) : fail(`NOT_FOUND: Secret ${args[2]}`);
  if (command === 'secrets create') {
    known.gcpSecrets.push(args[2]);
    save();
    return out('Created secret');
  }
  if (command === 'secrets delete') {
    known.gcpSecrets = known.gcpSecrets.filter((n) => n !== args[2]);
    save();
    return out('Deleted');
  }
  if (command === 'secrets versions' && args[2] === 'add' && known.gcpSecrets.includes(args[3]))
    return out('Created version [1]');
  if (command === 'secrets add-iam-policy-binding') return out('Updated IAM policy');
  if (command === 'run deploy') {
    known.runServices.push(args[2]);
    save();
    return out('Service URL: https://packetfs-worker-ci-uc.a.run.app');
  }
  if (command === 'run services' && args[2] === 'describe') {
    return known.runServices.includes(args[3])
      ? out('https://packetfs-worker-ci-uc.a.run.app')
      : fail(`Cannot find service [${args[3]}]`);
  }
  if (command === 'run services' && args[2] === 'delete') {
    known.runServices = known.runServices.filter((n) => n !== args[3]);
    save();
    return out('Deleted service');
  }
  return fail(`unexpected gcloud ${args.join(' ')}`);
}

function wrangler() {
  if (args[0] === 'deploy') return out('Uploaded packetfs-worker\nhttps://packetfs-worker.ci.workers.dev\n');
  return out('ok');
}

function out(text) {
  process.stdout.write(`${text}\n`);
  process.exit(0);
}

function fail(text) {
  process.stderr.write(`${text}\n`);
  process.exit(254);
}

({ aws, cdk, flyctl, gcloud, wrangler })[cli]();
