// --target aws (and localstack): the CDK app's four stacks, the Fly.io app, the Cloud Run service
// and the Cloudflare Worker, in the order their inputs exist:
//   worker stack (creates the worker token in Secrets Manager)
//   → Fly.io app, Cloud Run service and Cloudflare Worker (given that token through stdin)
//   → dispatcher and cost stacks (given their URLs as CDK context)
//   → browser runtime stack (uploads browser-runtime/ to its bucket, behind CloudFront, with
//     packetfs-runtime.json sending its pages to the Worker's volunteer coordinator)
//   → the Worker again, admitting the CDN's origin (PACKETFS_BROWSER_ALLOWED_ORIGINS): the two
//     URLs are known only once each is deployed.
// The token's value passes from `aws secretsmanager get-secret-value` to `fly secrets import`,
// `gcloud secrets versions add` and `wrangler secret put` through this process's memory only:
// never an argument, a file or the terminal.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { run, which } from '../lib/proc.mjs';
import { say } from '../lib/runner.mjs';
import { DeployError } from '../lib/state.mjs';
import { workerSources } from './local.mjs';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const infra = join(root, 'infra');
const cdkOut = join(infra, 'cdk.out');

const ZIPS = [
  'worker-lambda/target/function.zip',
  'dispatcher-function/lambda-url/target/function.zip',
  'dispatcher-function/lambda-drain/target/function.zip',
];
const INFRA_JAR = 'infra/target/packetfs-infra.jar';
const FLY_JAR = 'worker-flyio/target/quarkus-app/quarkus-run.jar';
const LOCALSTACK_ENDPOINT = 'http://localhost.localstack.cloud:4566';
/** The Secret Manager secret the Cloud Run service reads its worker token from. */
const CLOUDRUN_SECRET = 'packetfs-worker-token';
/**
 * The service as the worker needs it: reachable without Google credentials (the worker checks its
 * own bearer token; a dispatcher has no Google identity to sign with), as many requests per
 * instance as the worker takes (PACKETFS_WORKER_MAX_CONCURRENCY, 64), and 1 vCPU with 512 MiB,
 * which the cloudrun substrate's defaults bill.
 */
const CLOUDRUN_FLAGS = [
  '--allow-unauthenticated',
  '--port',
  '8080',
  '--concurrency',
  '64',
  '--cpu',
  '1',
  '--memory',
  '512Mi',
  '--timeout',
  '120',
  '--quiet',
];

const hash = (...parts) => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
const stamp = (relative) => {
  const s = statSync(join(root, relative));
  return `${relative}:${s.size}:${s.mtimeMs}`;
};

export function awsSteps(options) {
  const localstack = options.target === 'localstack';
  /** The environment of every aws/cdk command: LocalStack's endpoint and test credentials for localstack. */
  const awsEnv = () =>
    localstack
      ? {
          ...process.env,
          AWS_ENDPOINT_URL: LOCALSTACK_ENDPOINT,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
          JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20',
        }
      : { ...process.env, JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION: '20' };
  const aws = (args, opts = {}) => run('aws', args, { env: awsEnv(), capture: true, ...opts });
  const cdkCommand = () => process.env.PACKETFS_CDK ?? join(infra, 'node_modules/.bin/cdk');
  const cdk = (args, opts = {}) => run(cdkCommand(), args, { cwd: infra, env: awsEnv(), ...opts });
  const wrangler = () => process.env.PACKETFS_WRANGLER ?? join(root, 'node_modules/.bin/wrangler');
  const fly = () => which('flyctl') ?? which('fly');
  const gcloudCommand = () => process.env.PACKETFS_GCLOUD ?? which('gcloud');
  const gcloud = (args, opts = {}) => run(gcloudCommand(), args, { capture: true, ...opts });

  /** CDK context from what earlier steps learned; the synth of each run uses the latest. */
  const context = (ctx) => {
    const c = {};
    if (ctx.outputs.flyioUrl) c['packetfs:flyioUrl'] = ctx.outputs.flyioUrl;
    if (ctx.outputs.cloudrunUrl) c['packetfs:cloudrunUrl'] = ctx.outputs.cloudrunUrl;
    if (ctx.outputs.cloudflareUrl) c['packetfs:cloudflareUrl'] = ctx.outputs.cloudflareUrl;
    return c;
  };
  let synthesized = null;
  /** `cdk synth`, as the CLI runs the app: CDK_OUTDIR and CDK_CONTEXT_JSON. Only when the context changed. */
  const synth = (ctx) => {
    const c = JSON.stringify(context(ctx));
    if (synthesized === c) return;
    run('java', ['-jar', 'target/packetfs-infra.jar'], {
      cwd: infra,
      env: { ...awsEnv(), CDK_OUTDIR: 'cdk.out', CDK_CONTEXT_JSON: c },
      capture: true,
    });
    synthesized = c;
  };
  const template = (stack) => readFileSync(join(cdkOut, `${stack}.template.json`), 'utf8');

  /** Deploys stacks from the synthesized assembly; returns their outputs. */
  const deployStacks = (ctx, stacks) => {
    const outputsFile = join(ctx.state.dir, `outputs-${stacks[0]}.json`);
    cdk([
      'deploy',
      '--app',
      'cdk.out',
      ...stacks,
      '--require-approval',
      options.requireApproval,
      '--outputs-file',
      outputsFile,
      '--progress',
      'events',
    ]);
    const all = JSON.parse(readFileSync(outputsFile, 'utf8'));
    return Object.assign({}, ...stacks.map((s) => all[s] ?? {}));
  };
  /** A stack that still exists in a state CloudFormation calls complete (not a rollback). */
  const stackIsUp = (stack) => {
    const r = aws(
      [
        'cloudformation',
        'describe-stacks',
        '--stack-name',
        stack,
        '--query',
        'Stacks[0].StackStatus',
        '--output',
        'text',
      ],
      { check: false },
    );
    return r.status === 0 && /_COMPLETE$/.test(r.stdout.trim()) && !/ROLLBACK|DELETE/.test(r.stdout);
  };
  /** The worker token, read from Secrets Manager into memory. */
  const workerToken = (ctx) => {
    const arn = ctx.outputs.WorkerTokenSecretArn;
    if (!arn) throw new DeployError('the worker token comes from the worker stack: deploy it first (--only worker)');
    return aws([
      'secretsmanager',
      'get-secret-value',
      '--secret-id',
      arn,
      '--query',
      'SecretString',
      '--output',
      'text',
    ]).stdout.trim();
  };

  // ---- prerequisites, each with how to fix it ----
  const awsCredentials = () => {
    if (!which('aws'))
      return 'the AWS CLI is not installed: https://docs.aws.amazon.com/cli/latest/userguide/getting-started-install.html';
    if (localstack) return null; // LocalStack takes any credentials: the test ones are set
    const r = aws(['sts', 'get-caller-identity', '--output', 'json'], { check: false });
    if (r.status !== 0)
      return 'no AWS credentials: run `aws configure` (or `aws sso login`), or export AWS_PROFILE / AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';
    return null;
  };
  const bootstrapped = () => {
    const r = aws(['cloudformation', 'describe-stacks', '--stack-name', 'CDKToolkit', '--output', 'json'], {
      check: false,
    });
    return r.status === 0
      ? null
      : `this account and region are not bootstrapped for the CDK: run \`${localstack ? 'AWS_ENDPOINT_URL=' + LOCALSTACK_ENDPOINT + ' ' : ''}npx aws-cdk@2 bootstrap\` once`;
  };
  const localstackUp = () => {
    if (!localstack) return null;
    const reasons = [];
    if (!which('docker') || run('docker', ['info'], { capture: true, check: false }).status !== 0) {
      reasons.push('no Docker engine (LocalStack runs in Docker; start dockerd, or use --target local)');
    }
    if (!process.env.LOCALSTACK_AUTH_TOKEN) {
      reasons.push(
        'LOCALSTACK_AUTH_TOKEN is not set (LocalStack images need one since March 2026: https://app.localstack.cloud)',
      );
    }
    return reasons.length ? reasons.join('; ') : null;
  };
  const flyReady = () => {
    if (!fly()) return 'flyctl is not installed (it is on no package registry): curl -L https://fly.io/install.sh | sh';
    if (!process.env.FLY_API_TOKEN && run(fly(), ['auth', 'whoami'], { capture: true, check: false }).status !== 0) {
      return 'not logged in to Fly.io: run `flyctl auth login`, or export FLY_API_TOKEN (flyctl tokens create deploy)';
    }
    return null;
  };
  const cloudrunReady = () => {
    if (!gcloudCommand() || !existsSync(gcloudCommand())) {
      return 'gcloud is not installed (it is on no package registry): https://cloud.google.com/sdk/docs/install, then `gcloud init`';
    }
    if (!gcloudProject()) {
      return 'no Google Cloud project: run `gcloud config set project PROJECT`, or export CLOUDSDK_CORE_PROJECT';
    }
    const account = gcloud(['auth', 'list', '--filter=status:ACTIVE', '--format=value(account)'], { check: false });
    if (!process.env.CLOUDSDK_AUTH_ACCESS_TOKEN && (account.status !== 0 || !account.stdout.trim())) {
      return 'not logged in to Google Cloud: run `gcloud auth login`, or `gcloud auth activate-service-account --key-file KEY.json`';
    }
    return null;
  };
  const cloudflareReady = () => {
    if (!existsSync(wrangler())) return "wrangler is not installed: npm ci (at the repository's root)";
    if (!process.env.CLOUDFLARE_API_TOKEN) {
      return 'no Cloudflare API token: export CLOUDFLARE_API_TOKEN (My Profile → API Tokens → "Edit Cloudflare Workers"), and CLOUDFLARE_ACCOUNT_ID if it can see several accounts';
    }
    return null;
  };
  const checks = {
    worker: [localstackUp, awsCredentials, bootstrapped],
    dispatcher: [localstackUp, awsCredentials, bootstrapped],
    browser: [localstackUp, awsCredentials, bootstrapped],
    flyio: [flyReady, awsCredentials],
    cloudrun: [cloudrunReady, awsCredentials],
    cloudflare: [cloudflareReady, awsCredentials],
  };
  /** The first failing check of a part (later checks assume the earlier ones pass). */
  const problem = (part) => {
    for (const check of checks[part] ?? []) {
      const p = check();
      if (p) return p;
    }
    return null;
  };

  /**
   * A step that deploys CDK stacks from the assembly synthesized with what earlier steps learned;
   * up to date while their templates are unchanged and every stack stands. Destroyed in reverse.
   */
  function stackStep(name, summary, stacks, { note = '', after = (o) => o } = {}) {
    const reversed = [...stacks].reverse();
    return {
      name,
      part: name,
      summary: `cdk deploy ${stacks.join(' ')}: ${summary}`,
      commands: () => [
        `cdk deploy --app cdk.out ${stacks.join(' ')} --require-approval ${options.requireApproval}` +
          ` --outputs-file <state>/outputs-${stacks[0]}.json${note}`,
      ],
      fingerprint: (ctx) => {
        synth(ctx);
        return hash(...stacks.map(template));
      },
      upToDate: () => stacks.every(stackIsUp),
      run: (ctx) => after(deployStacks(ctx, stacks), ctx),
      undo: `cdk destroy ${reversed.join(' ')}`,
      destroyCommands: () => [`cdk destroy --app cdk.out ${reversed.join(' ')} --force`],
      destroy: () => cdk(['destroy', '--app', 'cdk.out', ...reversed, '--force']),
    };
  }

  const parts = (ctx) => [...new Set(ctx.steps.filter((s) => !s.always).map((s) => s.part))];

  const steps = [
    {
      name: 'check',
      part: 'aws',
      always: true,
      summary: 'the tools, credentials and logins each part needs',
      commands: () => [
        'aws sts get-caller-identity; aws cloudformation describe-stacks --stack-name CDKToolkit',
        'flyctl auth whoami (or FLY_API_TOKEN); gcloud auth list and its project; CLOUDFLARE_API_TOKEN and node_modules/.bin/wrangler',
      ],
      async run(ctx) {
        for (const tool of ['java', 'node']) if (!which(tool)) throw new DeployError(`${tool} is not installed`);
        const stopped = [];
        for (const part of parts(ctx)) {
          const p = problem(part);
          if (p) stopped.push({ part, problem: p });
        }
        for (const { part, problem: p } of stopped) say(`✗ ${part}: ${p}`);
        ctx.stopped = stopped;
        const skip = new Set(stopped.map((s) => s.part));
        ctx.steps.splice(0, ctx.steps.length, ...ctx.steps.filter((s) => s.always || !skip.has(s.part)));
      },
      dryRun(ctx) {
        say('\nPrerequisites:');
        for (const part of parts(ctx)) say(`  ${part}: ${problem(part) ?? 'ready'}`);
      },
    },
    {
      name: 'build',
      part: 'aws',
      always: true,
      summary:
        'the three function.zip files, the CDK app and the HTTP worker for Fly.io and Cloud Run (built if missing); the CDK CLI',
      commands: () => [
        'mvn -B -pl worker-lambda,dispatcher-function/lambda-url,dispatcher-function/lambda-drain,worker-flyio,infra -am package -DskipTests  # if missing',
        '(cd infra && npm ci)  # the aws-cdk CLI, for diff and deploy',
      ],
      async run(ctx) {
        build();
        if (
          !process.env.PACKETFS_CDK &&
          !existsSync(cdkCommand()) &&
          parts(ctx).some((p) => ['worker', 'dispatcher', 'browser'].includes(p))
        ) {
          say('  installing the AWS CDK CLI (npm ci in infra)');
          run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: infra });
        }
      },
      dryRun: () => build(),
    },
    {
      name: 'synth',
      part: 'aws',
      always: true,
      summary: 'cdk synth: the templates and assets of every stack, into infra/cdk.out',
      commands: () => ['(cd infra && CDK_OUTDIR=cdk.out java -jar target/packetfs-infra.jar)'],
      async run(ctx) {
        synth(ctx);
      },
      dryRun(ctx) {
        synth(ctx);
        const templates = readdirSync(cdkOut).filter((f) => f.endsWith('.template.json'));
        say(`\nSynthesized into infra/cdk.out: ${templates.join(', ')}`);
        if (!localstack && which('aws') && awsCredentials() === null && existsSync(cdkCommand())) {
          say('Differences from what is deployed (cdk diff):');
          cdk(['diff', '--app', 'cdk.out'], { check: false });
        } else {
          say('No cdk diff: it needs AWS credentials and the CDK CLI (cd infra && npm ci).');
        }
      },
    },
    stackStep('worker', 'the Lambda worker (SnapStart, alias live, IAM function URL) and its token secret', [
      'PacketfsWorker',
    ]),
  ];
  if (!localstack) {
    steps.push(
      {
        name: 'flyio',
        part: 'flyio',
        summary: 'the Fly.io app: created if missing, the worker token as a Fly secret, fly deploy',
        commands: () => [
          'flyctl status --app APP || flyctl apps create APP',
          'aws secretsmanager get-secret-value … | flyctl secrets import --app APP --stage   # the token through stdin',
          '(cd worker-flyio && flyctl deploy --app APP --remote-only --yes)',
        ],
        fingerprint: (ctx) =>
          hash(
            stamp(FLY_JAR),
            stamp('worker-flyio/fly.toml'),
            stamp('worker-flyio/Dockerfile'),
            ctx.outputs.WorkerTokenSecretArn ?? '',
            flyApp(ctx),
          ),
        upToDate: (saved, ctx) =>
          run(fly(), ['status', '--app', flyApp(ctx)], { capture: true, check: false }).status === 0,
        run(ctx) {
          const app = flyApp(ctx);
          if (run(fly(), ['status', '--app', app], { capture: true, check: false }).status !== 0) {
            run(fly(), ['apps', 'create', app, '--org', process.env.FLY_ORG ?? 'personal']);
          }
          run(fly(), ['secrets', 'import', '--app', app, '--stage'], {
            input: `PACKETFS_WORKER_TOKEN=${workerToken(ctx)}\n`,
            capture: true,
          });
          run(fly(), ['deploy', '--app', app, '--remote-only', '--yes'], { cwd: join(root, 'worker-flyio') });
          return { flyApp: app, flyioUrl: `https://${app}.fly.dev` };
        },
        undo: 'flyctl apps destroy',
        destroyCommands: (saved) => [`flyctl apps destroy ${saved?.outputs?.flyApp ?? 'APP'} --yes`],
        destroy: (saved) => run(fly(), ['apps', 'destroy', saved.outputs.flyApp, '--yes']),
      },
      {
        name: 'cloudrun',
        part: 'cloudrun',
        summary: 'the Cloud Run service: the same worker image, the worker token in Secret Manager, gcloud run deploy',
        commands: () => [
          'gcloud secrets describe packetfs-worker-token || gcloud secrets create packetfs-worker-token',
          'aws secretsmanager get-secret-value … | gcloud secrets versions add packetfs-worker-token --data-file=-   # the token through stdin',
          'gcloud secrets add-iam-policy-binding packetfs-worker-token --member serviceAccount:<runtime> --role roles/secretmanager.secretAccessor',
          `(cd worker-flyio && gcloud run deploy SERVICE --source . --region REGION --set-secrets PACKETFS_WORKER_TOKEN=packetfs-worker-token:latest ${CLOUDRUN_FLAGS.join(' ')})`,
        ],
        fingerprint: (ctx) =>
          hash(
            stamp(FLY_JAR),
            stamp('worker-flyio/Dockerfile'),
            stamp('worker-flyio/.gcloudignore'),
            ctx.outputs.WorkerTokenSecretArn ?? '',
            gcloudProject() ?? '',
            cloudRunService(),
            cloudRunRegion(),
            CLOUDRUN_FLAGS.join(' '),
          ),
        upToDate: () => serviceUrl() !== null,
        run(ctx) {
          const token = workerToken(ctx);
          if (gcloud(['secrets', 'describe', CLOUDRUN_SECRET], { check: false }).status !== 0) {
            gcloud(['secrets', 'create', CLOUDRUN_SECRET, '--replication-policy', 'automatic']);
          }
          gcloud(['secrets', 'versions', 'add', CLOUDRUN_SECRET, '--data-file=-'], { input: token });
          // The service runs as the project's default compute account unless told otherwise; it reads the token.
          const number = gcloud([
            'projects',
            'describe',
            gcloudProject(),
            '--format=value(projectNumber)',
          ]).stdout.trim();
          gcloud([
            'secrets',
            'add-iam-policy-binding',
            CLOUDRUN_SECRET,
            '--member',
            `serviceAccount:${number}-compute@developer.gserviceaccount.com`,
            '--role',
            'roles/secretmanager.secretAccessor',
          ]);
          gcloud(
            [
              'run',
              'deploy',
              cloudRunService(),
              '--source',
              '.',
              '--region',
              cloudRunRegion(),
              '--set-secrets',
              `PACKETFS_WORKER_TOKEN=${CLOUDRUN_SECRET}:latest`,
              '--set-env-vars',
              `PACKETFS_WORKER_LOCATION=${cloudRunRegion()}`,
              ...CLOUDRUN_FLAGS,
            ],
            { cwd: join(root, 'worker-flyio'), capture: false },
          );
          const url = serviceUrl();
          if (!url) throw new DeployError(`gcloud run deploy finished but the service ${cloudRunService()} has no URL`);
          return { cloudrunService: cloudRunService(), cloudrunRegion: cloudRunRegion(), cloudrunUrl: url };
        },
        undo: 'gcloud run services delete',
        destroyCommands: (saved) => [
          `gcloud run services delete ${saved?.outputs?.cloudrunService ?? 'SERVICE'} --region ${saved?.outputs?.cloudrunRegion ?? 'REGION'} --quiet`,
          `gcloud secrets delete ${CLOUDRUN_SECRET} --quiet`,
        ],
        destroy(saved) {
          gcloud([
            'run',
            'services',
            'delete',
            saved.outputs.cloudrunService,
            '--region',
            saved.outputs.cloudrunRegion,
            '--quiet',
          ]);
          gcloud(['secrets', 'delete', CLOUDRUN_SECRET, '--quiet'], { check: false });
        },
      },
      {
        name: 'cloudflare',
        part: 'cloudflare',
        summary: 'wrangler deploy of the Worker, then the worker token as a Worker secret',
        commands: () => [
          '(cd worker-cloudflare && wrangler deploy)',
          'aws secretsmanager get-secret-value … | wrangler secret put PACKETFS_WORKER_TOKEN   # the token through stdin',
        ],
        fingerprint: (ctx) => hash(...workerSources().map(stamp), ctx.outputs.WorkerTokenSecretArn ?? ''),
        upToDate: () =>
          run(wrangler(), ['deployments', 'status'], {
            cwd: join(root, 'worker-cloudflare'),
            capture: true,
            check: false,
          }).status === 0,
        run(ctx) {
          const token = workerToken(ctx);
          const url = deployWorker(ctx);
          run(wrangler(), ['secret', 'put', 'PACKETFS_WORKER_TOKEN'], {
            cwd: join(root, 'worker-cloudflare'),
            input: `${token}\n`,
            capture: true,
          });
          return { cloudflareUrl: url };
        },
        undo: 'wrangler delete',
        destroyCommands: () => ['(cd worker-cloudflare && wrangler delete --force)'],
        destroy: () => run(wrangler(), ['delete', '--force'], { cwd: join(root, 'worker-cloudflare') }),
      },
    );
  }
  /** The volunteers' pages come from the CDN: the Worker's coordinator admits that origin. */
  const cdnOrigin = (ctx) => (ctx.outputs.BrowserRuntimeDomain ? `https://${ctx.outputs.BrowserRuntimeDomain}` : null);
  /** wrangler deploy, admitting the CDN's origin once it is known; the workers.dev URL it printed. */
  function deployWorker(ctx) {
    const origin = cdnOrigin(ctx);
    const out = run(
      wrangler(),
      ['deploy', ...(origin ? ['--var', `PACKETFS_BROWSER_ALLOWED_ORIGINS:${origin}`] : [])],
      {
        cwd: join(root, 'worker-cloudflare'),
        capture: true,
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      },
    );
    const url = /https:\/\/[\w.-]+\.workers\.dev/.exec(out.stdout)?.[0];
    if (!url) throw new DeployError(`wrangler deploy did not print the Worker's workers.dev URL:\n${out.stdout}`);
    return url;
  }
  steps.push(
    stackStep(
      'dispatcher',
      'the API and the scheduled drain (told the Fly.io, Cloud Run and Worker URLs), the cost dashboard and alarms',
      ['PacketfsDispatcher', 'PacketfsCost'],
      {
        note: '   # cdk.out synthesized again with packetfs:flyioUrl, packetfs:cloudrunUrl and packetfs:cloudflareUrl',
        after(o, ctx) {
          if (localstack && ctx.outputs.localRedisUrl) {
            aws([
              'secretsmanager',
              'put-secret-value',
              '--secret-id',
              o.RedisUrlSecretArn,
              '--secret-string',
              ctx.outputs.localRedisUrl,
            ]);
          }
          return { ...o, dispatcherUrl: o.DispatcherUrl };
        },
      },
    ),
    stackStep(
      'browser',
      "browser-runtime/ and the kernel uploaded to a private bucket behind CloudFront; its pages join the Worker's coordinator",
      ['PacketfsBrowserRuntime'],
    ),
  );
  if (!localstack) {
    steps.push({
      name: 'cloudflare-origin',
      part: 'cloudflare',
      summary: "the Worker deployed again, its volunteer coordinator admitting the CDN's pages",
      commands: () => [
        '(cd worker-cloudflare && wrangler deploy --var PACKETFS_BROWSER_ALLOWED_ORIGINS:https://<CDN domain>)',
      ],
      fingerprint: (ctx) => hash(...workerSources().map(stamp), cdnOrigin(ctx) ?? ''),
      run(ctx) {
        if (!cdnOrigin(ctx)) {
          say('  no CDN deployed (--only): the Worker admits only its own pages');
          return {};
        }
        deployWorker(ctx);
        return { volunteerOrigin: cdnOrigin(ctx) };
      },
    });
  }
  if (localstack) {
    steps.unshift(...localstackSteps());
  }
  return steps;

  /** Builds what is missing. */
  function build() {
    const missing = [...ZIPS, INFRA_JAR, FLY_JAR].filter((f) => !existsSync(join(root, f)));
    if (missing.length === 0) return;
    if (!which('mvn')) throw new DeployError(`not built: ${missing.join(', ')}; and Maven is not installed`);
    say(`  building: ${missing.join(', ')}`);
    run(
      'mvn',
      [
        '-B',
        '-q',
        '-ntp',
        '-pl',
        'worker-lambda,dispatcher-function/lambda-url,dispatcher-function/lambda-drain,worker-flyio,infra',
        '-am',
        'package',
        '-DskipTests',
      ],
      { cwd: root },
    );
  }

  /** The Google Cloud project gcloud deploys into: CLOUDSDK_CORE_PROJECT, else gcloud's configured one. */
  function gcloudProject() {
    if (process.env.CLOUDSDK_CORE_PROJECT) return process.env.CLOUDSDK_CORE_PROJECT;
    if (!gcloudCommand() || !existsSync(gcloudCommand())) return null;
    const r = gcloud(['config', 'get-value', 'project'], { check: false });
    const project = r.status === 0 ? r.stdout.trim() : '';
    return project && project !== '(unset)' ? project : null;
  }

  function cloudRunService() {
    return process.env.PACKETFS_CLOUDRUN_SERVICE ?? 'packetfs-worker';
  }

  function cloudRunRegion() {
    return process.env.PACKETFS_CLOUDRUN_REGION ?? 'us-central1';
  }

  /** The deployed service's https URL, or null when it does not exist. */
  function serviceUrl() {
    const r = gcloud(
      ['run', 'services', 'describe', cloudRunService(), '--region', cloudRunRegion(), '--format=value(status.url)'],
      { check: false },
    );
    const url = r.status === 0 ? r.stdout.trim() : '';
    return url.startsWith('https://') ? url : null;
  }

  /** The Fly.io app's name: PACKETFS_FLY_APP, else one made up once (app names are global on Fly.io). */
  function flyApp(ctx) {
    return (
      process.env.PACKETFS_FLY_APP ??
      ctx.state.secret('fly-app-name', () => `packetfs-worker-${randomBytes(3).toString('hex')}`)
    );
  }

  /** localstack: the LocalStack and Redis containers, and the CDK bootstrap inside LocalStack. */
  function localstackSteps() {
    const container = (name, image, args) => ({
      name,
      part: 'worker',
      summary: `the ${image} container ${name}`,
      commands: () => [`docker run -d --name ${name} ${args.join(' ')} ${image}`],
      fingerprint: () => hash(image, ...args),
      upToDate: () =>
        run('docker', ['inspect', '-f', '{{.State.Running}}', name], { capture: true, check: false }).stdout.trim() ===
        'true',
      run() {
        run('docker', ['rm', '-f', name], { capture: true, check: false });
        run('docker', ['run', '-d', '--name', name, ...args, image], { capture: true });
        return name === 'packetfs-redis' ? { localRedisUrl: `redis://${containerIp(name)}:6379` } : {};
      },
      undo: `docker rm -f ${name}`,
      destroy: () => run('docker', ['rm', '-f', name], { capture: true, check: false }),
    });
    return [
      container('packetfs-localstack', 'localstack/localstack:latest', [
        '-p',
        '127.0.0.1:4566:4566',
        '-e',
        'LOCALSTACK_AUTH_TOKEN',
        '-v',
        '/var/run/docker.sock:/var/run/docker.sock',
      ]),
      container('packetfs-redis', 'redis:7-alpine', []),
      {
        name: 'bootstrap',
        part: 'worker',
        summary: 'cdk bootstrap inside LocalStack',
        commands: () => [`AWS_ENDPOINT_URL=${LOCALSTACK_ENDPOINT} cdk bootstrap aws://000000000000/us-east-1`],
        fingerprint: () => 'bootstrap',
        upToDate: () => bootstrapped() === null,
        run: () => cdk(['bootstrap', 'aws://000000000000/us-east-1']),
      },
    ];
  }
}

function containerIp(name) {
  return run('docker', ['inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', name], {
    capture: true,
  }).stdout.trim();
}
