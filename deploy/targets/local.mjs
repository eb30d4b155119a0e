// --target local: the whole fabric on this machine, from the real artifacts. A redis-server; the
// Lambda worker's function.zip under AWS's runtime interface client behind a loopback Lambda
// service (lambda-local), so the dispatcher's LambdaAdapter goes through the AWS SDK's Invoke;
// the Fly.io worker's jar; the same jar as Google Cloud Run runs its image (told its port by PORT);
// the Cloudflare Worker in workerd, its Durable Objects the volunteers' coordinator; the dispatcher
// (`pfs serve`) on that Redis with every substrate configured; headless Chromium volunteers, when
// chromium is installed, joining the coordinator in workerd.
// Every process listens on 127.0.0.1 only, runs in a process group of its own, and is recorded
// by pid, so that destroy-all stops exactly what deploy-all started.
//
// --serverless: the dispatcher as AWS runs it instead of `pfs serve`. The API's function.zip
// (dispatcher-function/lambda-url) behind a function URL that checks SigV4 as AWS_IAM does, and
// the drain's (dispatcher-function/lambda-drain), each under AWS's runtime interface client in
// the local Lambda service; the API starts drains with an asynchronous Invoke, a schedule starts
// one every minute; both read their secrets by ARN, through the AWS SDK, from a Secrets Manager
// on loopback (moto_server). Its volunteers join the edge coordinator in workerd, from pages served
// as the CDN serves them (deploy/lib/runtime-site.mjs).
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { daemon, listening, probe, redisCommand, run, running, stopGroup, waitUntil, which } from '../lib/proc.mjs';
import { CHROMIUM_FLAGS } from '../lib/chromium.mjs';
import { runtimeFiles } from '../lib/runtime-site.mjs';
import { say } from '../lib/runner.mjs';
import { DeployError } from '../lib/state.mjs';

const root = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
const LAMBDA_FUNCTION = 'packetfs-worker';
/** The access key the local Lambda service accepts; not a credential anywhere else. */
const LAMBDA_ACCESS_KEY = 'AKIAPACKETFSLOCAL001';

const ARTIFACTS = {
  dispatcher: {
    file: 'dispatcher-function/server/target/quarkus-app/quarkus-run.jar',
    module: 'dispatcher-function/server',
  },
  flyio: { file: 'worker-flyio/target/quarkus-app/quarkus-run.jar', module: 'worker-flyio' },
  lambdaZip: { file: 'worker-lambda/target/function.zip', module: 'worker-lambda' },
  lambdaService: { file: 'lambda-local/target/packetfs-lambda-local.jar', module: 'lambda-local' },
  lambdaRic: { file: 'lambda-local/target/lambda-ric', module: 'lambda-local' },
};
/** What --serverless runs instead of the dispatcher's jar. */
const SERVERLESS_ARTIFACTS = {
  apiZip: { file: 'dispatcher-function/lambda-url/target/function.zip', module: 'dispatcher-function/lambda-url' },
  drainZip: {
    file: 'dispatcher-function/lambda-drain/target/function.zip',
    module: 'dispatcher-function/lambda-drain',
  },
};
const DRAIN_FUNCTION = 'packetfs-drain';
const DRAIN_ALIAS_ARN = `arn:aws:lambda:us-east-1:123456789012:function:${DRAIN_FUNCTION}:live`;
/** Drains at once on this machine unless told (--max-drains): each is a JVM on the same cores. */
const LOCAL_MAX_DRAINS = 2;

let workerFiles = null;

/**
 * What the Worker's bundle is made of, relative to the repository: the files npm packs of
 * worker-cloudflare and of each workspace package it depends on (their package.json's "files":
 * the sources, wrangler.toml, the kernel, the window reader, the rules it imports).
 */
export function workerSources() {
  if (workerFiles) return workerFiles;
  const dirs = new Map(); // package name → its folder in the workspace
  for (const folder of JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).workspaces) {
    dirs.set(JSON.parse(readFileSync(join(root, folder, 'package.json'), 'utf8')).name, folder);
  }
  const worker = JSON.parse(readFileSync(join(root, 'worker-cloudflare/package.json'), 'utf8'));
  const packages = [worker.name, ...Object.keys(worker.dependencies ?? {})].map((name) => dirs.get(name));
  const packed = JSON.parse(
    run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts', ...packages.flatMap((p) => ['--workspace', p])], {
      cwd: root,
      capture: true,
    }).stdout,
  );
  workerFiles = packed.flatMap((p) => p.files.map((f) => `${dirs.get(p.name)}/${f.path}`)).sort();
  return workerFiles;
}

/** Size and modification time: what changes when a build changes the file. */
function stamp(relative) {
  const s = statSync(join(root, relative));
  return `${relative}:${s.size}:${s.mtimeMs}`;
}

const hash = (...parts) => createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);

/**
 * A clean environment for a child: the user's PACKETFS_*, QUARKUS_* and AWS_* settings are not
 * inherited (the fabric's configuration is what this file says), and `extra` is added.
 */
function childEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!/^(PACKETFS_|QUARKUS_|AWS_)/.test(k)) env[k] = v;
  }
  return { ...env, ...extra };
}

function chromium() {
  const configured = process.env.CHROMIUM;
  if (configured) return existsSync(configured) ? configured : null;
  return which('chromium') ?? which('chromium-browser');
}

export function localSteps(options) {
  const base = options.portBase;
  const serverless = options.serverless === true;
  const maxDrains = options.maxDrains ?? LOCAL_MAX_DRAINS;
  const ports = {
    dispatcher: base,
    flyio: base + 1,
    cloudflare: base + 2,
    lambda: base + 3,
    redis: base + 4,
    cloudrun: base + 5,
    ...(serverless ? { api: base + 6, drain: base + 7, secrets: base + 8, site: base + 9 } : {}),
  };
  const artifacts = serverless
    ? Object.fromEntries(Object.entries({ ...ARTIFACTS, ...SERVERLESS_ARTIFACTS }).filter(([k]) => k !== 'dispatcher'))
    : ARTIFACTS;
  const volunteers = options.volunteers;
  const url = (port) => `http://127.0.0.1:${port}`;
  /**
   * Where the volunteer pages come from: `pfs serve`'s /browser-runtime/, or (--serverless, where no
   * process of the dispatcher serves pages) the runtime site, as the CDN serves them on AWS.
   */
  const pages = serverless ? `${url(ports.site)}/` : `${url(ports.dispatcher)}/browser-runtime/`;
  const pagesOrigin = serverless ? url(ports.site) : url(ports.dispatcher);

  /** A service step: a daemon on a port, up when its process runs and `healthy()` says so. */
  const service = ({ name, part, summary, port, marker, inputs, command, healthy, ready, names }) => ({
    name,
    part,
    summary,
    port,
    commands: () => [command(null).display],
    fingerprint: (ctx) => hash(String(port), ...inputs(ctx)),
    upToDate: async (saved) => running(saved.outputs.pid, marker) && (await healthy()),
    async run(ctx, saved) {
      if (saved?.outputs?.pid && running(saved.outputs.pid, marker)) await stopGroup(saved.outputs.pid);
      if (await listening(port)) throw new DeployError(`port ${port} (${name}) is taken by another process`);
      const log = ctx.state.logFile(name);
      const { cmd, args, cwd, env } = command(ctx);
      const pid = daemon(cmd, args, { cwd, env, log });
      await waitUntil(name, ready ? () => ready(ctx) : healthy, { pid, log });
      // Named for the steps after it, as well.
      return { pid, port, url: url(port), log, ...names(pid) };
    },
    undo: `stop it (port ${port})`,
    destroyCommands: (saved) => (saved?.outputs?.pid ? [`kill -TERM -${saved.outputs.pid}`] : []),
    async destroy(saved) {
      if (saved.outputs?.pid && running(saved.outputs.pid, marker)) await stopGroup(saved.outputs.pid);
    },
  });

  const readyLine = (name) => async (ctx) => /^READY /m.test(readFileSync(ctx.state.logFile(name), 'utf8'));
  const healthOk = (port) => async () => (await probe(`${url(port)}/health`))?.status === 200;
  const token = (ctx) => ctx.state.secret('worker-token', () => randomBytes(32).toString('hex'));

  /**
   * worker-flyio's jar on loopback as the platform `name` starts it: `platform` is the environment
   * that tells it its port (and whatever else that platform sets).
   */
  const httpWorker = (name, summary, platform) =>
    service({
      name,
      part: name,
      names: () => ({ [`${name}Url`]: url(ports[name]) }),
      summary,
      port: ports[name],
      marker: ARTIFACTS.flyio.file,
      inputs: (ctx) => [stamp(ARTIFACTS.flyio.file), hash(token(ctx))],
      command: (ctx) => {
        const args = ['-jar', ARTIFACTS.flyio.file];
        const shown = Object.entries(platform).map(([k, v]) => `${k}=${v}`);
        if (!ctx) return { display: `PACKETFS_WORKER_TOKEN=<secret> ${shown.join(' ')} java ${args.join(' ')}` };
        return {
          cmd: 'java',
          args,
          cwd: root,
          env: childEnv({
            PACKETFS_WORKER_TOKEN: token(ctx),
            PACKETFS_FETCH_ALLOW_HOSTS: '127.0.0.1',
            QUARKUS_HTTP_HOST: '127.0.0.1',
            PACKETFS_WORKER_LOCATION: 'local',
            ...platform,
          }),
        };
      },
      healthy: healthOk(ports[name]),
    });

  const steps = [
    {
      name: 'check',
      part: 'local',
      always: true,
      summary: 'the tools on PATH, the ports free',
      commands: () => [
        `ports: ${Object.entries(ports)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')} on 127.0.0.1`,
      ],
      async run(ctx) {
        const missing = [];
        if (serverless && !which('moto_server'))
          missing.push("moto_server (the Secrets Manager on loopback; Python's moto[server])");
        if (!which('java')) missing.push('java (a JDK 17 or newer: apt-get install openjdk-17-jdk-headless)');
        if (selected(ctx, 'redis') && !which('redis-server'))
          missing.push('redis-server (apt-get install redis-server)');
        if (missing.length) throw new DeployError(`missing: ${missing.join('; ')}`);
        const taken = [];
        for (const step of ctx.steps.filter((s) => s.port)) {
          const saved = ctx.state.step(step.name);
          const ours = saved?.outputs?.pid && running(saved.outputs.pid, '') && saved.outputs.port === step.port;
          if (!ours && (await listening(step.port))) taken.push(`${step.port} (${step.name})`);
        }
        if (taken.length) {
          throw new DeployError(
            `port ${taken.join(', ')} already taken by another process; nothing was started.` +
              ` Stop it, or choose other ports with --port-base N (uses N to N+${serverless ? 9 : 5})`,
          );
        }
      },
    },
    {
      name: 'build',
      part: 'local',
      always: true,
      summary: 'the artifacts each process runs (built if missing)',
      commands: () =>
        Object.values(artifacts).map(
          (a) => `test -e ${a.file}  # else: mvn -B -pl ${a.module} -am package -DskipTests`,
        ),
      async run(ctx) {
        const missing = Object.values(artifacts).filter((a) => !existsSync(join(root, a.file)));
        if (missing.length) {
          if (!which('mvn'))
            throw new DeployError(`not built: ${missing.map((a) => a.file).join(', ')}; and Maven is not installed`);
          const modules = [...new Set(missing.map((a) => a.module))].join(',');
          say(`  building ${modules}`);
          run('mvn', ['-B', '-q', '-ntp', '-pl', modules, '-am', 'package', '-DskipTests'], { cwd: root });
        }
        if (selected(ctx, 'cloudflare') && !existsSync(join(root, 'node_modules/miniflare'))) {
          say("  installing workerd (npm ci at the repository's root)");
          run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root });
        }
      },
    },
    service({
      name: 'redis',
      part: 'redis',
      names: () => ({ redisUrl: `redis://127.0.0.1:${ports.redis}` }),
      summary: `redis-server on redis://127.0.0.1:${ports.redis}, nothing kept on disk`,
      port: ports.redis,
      marker: 'redis-server',
      inputs: () => [],
      command: (ctx) => {
        const args = ['--bind', '127.0.0.1', '--port', String(ports.redis), '--save', '', '--appendonly', 'no'];
        if (!ctx) return { display: `redis-server ${args.map((a) => a || '""').join(' ')}` };
        const dir = join(ctx.state.dir, 'redis');
        mkdirSync(dir, { recursive: true });
        return { cmd: 'redis-server', args: [...args, '--dir', dir], env: childEnv({}) };
      },
      healthy: async () => (await redisCommand(ports.redis, 'PING').catch(() => '')) === '+PONG',
    }),
    service({
      name: 'lambda',
      part: 'lambda',
      names: () => ({ lambdaUrl: url(ports.lambda) }),
      summary: `worker-lambda's function.zip under AWS's runtime interface client, behind a local Lambda Invoke API on ${url(ports.lambda)}`,
      port: ports.lambda,
      marker: 'packetfs-lambda-local.jar',
      inputs: (ctx) => [stamp(ARTIFACTS.lambdaZip.file), stamp(ARTIFACTS.lambdaService.file), hash(token(ctx))],
      command: (ctx) => {
        const args = [
          '-jar',
          ARTIFACTS.lambdaService.file,
          '--function-zip',
          ARTIFACTS.lambdaZip.file,
          '--ric-dir',
          ARTIFACTS.lambdaRic.file,
          '--port',
          String(ports.lambda),
          '--environments',
          '2',
          '--reserved-concurrency',
          '8',
        ];
        if (!ctx) return { display: `PACKETFS_WORKER_TOKEN=<secret> java ${args.join(' ')}` };
        return {
          cmd: 'java',
          args,
          cwd: root,
          env: childEnv({
            PACKETFS_WORKER_TOKEN: token(ctx),
            PACKETFS_FETCH_ALLOW_HOSTS: '127.0.0.1',
            AWS_ACCESS_KEY_ID: LAMBDA_ACCESS_KEY,
          }),
        };
      },
      // Unsigned, the Invoke API answers 403: it is up.
      healthy: async () =>
        (await probe(`${url(ports.lambda)}/2015-03-31/functions/${LAMBDA_FUNCTION}/configuration`))?.status === 403,
      // It prints READY once every execution environment has initialised.
      ready: readyLine('lambda'),
    }),
    httpWorker('flyio', `worker-flyio's jar on ${url(ports.flyio)}`, { QUARKUS_HTTP_PORT: String(ports.flyio) }),
    // Cloud Run's container contract: the port from PORT, and K_SERVICE.
    httpWorker(
      'cloudrun',
      `worker-flyio's jar again, as Google Cloud Run runs its image (its port from PORT), on ${url(ports.cloudrun)}`,
      { PORT: String(ports.cloudrun), K_SERVICE: 'packetfs-worker' },
    ),
    service({
      name: 'cloudflare',
      part: 'cloudflare',
      names: () => ({ cloudflareUrl: url(ports.cloudflare) }),
      summary: `worker-cloudflare in workerd (Miniflare), bundled as wrangler deploys it, on ${url(ports.cloudflare)}`,
      port: ports.cloudflare,
      marker: 'serve-workerd.mjs',
      inputs: (ctx) => [...workerSources().map(stamp), hash(token(ctx))],
      command: (ctx) => {
        const args = [
          'test/serve-workerd.mjs',
          '--port',
          String(ports.cloudflare),
          '--from-env',
          'PACKETFS_WORKER_TOKEN',
          'PACKETFS_FETCH_ALLOW_HOSTS=127.0.0.1',
          'PACKETFS_FETCH_DOH_URL=',
          'PACKETFS_WORKER_LOCATION=local',
          // The volunteer pages' origin: the edge coordinator admits them.
          `PACKETFS_BROWSER_ALLOWED_ORIGINS=${pagesOrigin}`,
        ];
        if (!ctx) return { display: `(cd worker-cloudflare && PACKETFS_WORKER_TOKEN=<secret> node ${args.join(' ')})` };
        return {
          cmd: process.execPath,
          args,
          cwd: join(root, 'worker-cloudflare'),
          env: childEnv({ PACKETFS_WORKER_TOKEN: token(ctx) }),
        };
      },
      healthy: healthOk(ports.cloudflare),
    }),
    ...(serverless
      ? [...serverlessSteps(), runtimeSite()]
      : [
          service({
            name: 'dispatcher',
            part: 'dispatcher',
            names: (pid) => ({ dispatcherUrl: url(ports.dispatcher), dispatcherPid: String(pid) }),
            summary: `the dispatcher (pfs serve) on ${url(ports.dispatcher)}, its queue on the Redis, every running substrate configured`,
            port: ports.dispatcher,
            marker: 'dispatcher-function/server/target/quarkus-app/quarkus-run.jar',
            inputs: (ctx) => [
              stamp(ARTIFACTS.dispatcher.file),
              hash(token(ctx)),
              JSON.stringify(dispatcherEnv(ctx, true)),
            ],
            command: (ctx) => {
              const args = ['-Xmx1g', '-jar', ARTIFACTS.dispatcher.file];
              if (!ctx) {
                return {
                  display:
                    `PACKETFS_REDIS_URL=redis://127.0.0.1:${ports.redis} PACKETFS_WORKER_TOKEN=<secret> ` +
                    `PACKETFS_SUBSTRATES_{FLYIO,CLOUDRUN,CLOUDFLARE}_URL=… PACKETFS_SUBSTRATES_LAMBDA_ENDPOINT=${url(ports.lambda)} ` +
                    `QUARKUS_HTTP_PORT=${ports.dispatcher} java ${args.join(' ')}`,
                };
              }
              return { cmd: 'java', args, cwd: root, env: childEnv(dispatcherEnv(ctx, false)) };
            },
            healthy: async () => (await probe(`${url(ports.dispatcher)}/health`))?.status === 200,
          }),
        ]),
    browsersStep(),
  ];

  /**
   * Headless Chromium pages as volunteers. They join the edge coordinator in workerd when the
   * Worker runs (the pages are told so by packetfs-runtime.json), else `pfs serve`'s /browser.
   */
  function browsersStep() {
    return {
      name: 'browsers',
      part: 'browsers',
      summary: `${volunteers} headless Chromium volunteer(s) on ${pages}, joining the coordinator the page names: the Worker's in workerd when it runs (when chromium is installed)`,
      commands: () => [`chromium --headless --no-sandbox --disable-gpu … --user-data-dir=<state>/chromium-N ${pages}`],
      fingerprint: (ctx) =>
        hash(
          String(volunteers),
          String(chromium()),
          ctx.outputs.dispatcherPid ?? '',
          ctx.outputs.sitePid ?? '',
          ctx.outputs.cloudflareUrl ?? '',
        ),
      upToDate: async (saved) => (saved.outputs.pids ?? []).every((pid) => running(pid, 'chrom')),
      async run(ctx, saved) {
        for (const pid of saved?.outputs?.pids ?? []) if (running(pid, 'chrom')) await stopGroup(pid);
        const browser = chromium();
        if (!browser || volunteers === 0) {
          say(
            `  no volunteers: ${browser ? '--volunteers 0' : 'chromium is not installed (apt-get install chromium)'}`,
          );
          return { pids: [] };
        }
        if (serverless ? !ctx.outputs.cloudflareUrl || !ctx.outputs.sitePid : !ctx.outputs.dispatcherPid)
          throw new DeployError(
            serverless
              ? "the serverless fabric's volunteers join the edge coordinator: deploy it too (--only cloudflare,dispatcher,browsers)"
              : 'volunteers need the dispatcher: deploy it too (--only dispatcher,browsers)',
          );
        const count = () => volunteersJoined(ctx, token(ctx));
        const before = await count();
        const pids = [];
        for (let i = 0; i < volunteers; i++) {
          const profile = join(ctx.state.dir, `chromium-${i}`);
          rmSync(profile, { recursive: true, force: true });
          const log = ctx.state.logFile(`browser-${i}`);
          pids.push(
            daemon(browser, [...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, pages], { env: childEnv({}), log }),
          );
        }
        await waitUntil('the volunteers', async () => (await count()) >= before + volunteers, {
          log: ctx.state.logFile('browser-0'),
          timeoutMs: 60_000,
        });
        return { pids };
      },
      undo: 'close the volunteers',
      async destroy(saved) {
        for (const pid of saved.outputs?.pids ?? []) if (running(pid, 'chrom')) await stopGroup(pid, 5000);
      },
    };
  }

  /** --serverless: the runtime's files and packetfs-runtime.json on loopback, as the CDN serves them. */
  function runtimeSite() {
    return service({
      name: 'site',
      part: 'browsers',
      names: (pid) => ({ siteUrl: url(ports.site), sitePid: String(pid) }),
      summary: `the volunteer runtime's files on ${url(ports.site)}, as the CDN serves them, sending pages to the edge coordinator`,
      port: ports.site,
      marker: 'runtime-site.mjs',
      inputs: (ctx) => [
        ...runtimeFiles().map(stamp),
        stamp('deploy/lib/runtime-site.mjs'),
        ctx.outputs.cloudflareUrl ?? '',
      ],
      command: (ctx) => {
        const coordinator = `ws://127.0.0.1:${ports.cloudflare}/browser`;
        const args = ['deploy/lib/runtime-site.mjs', '--port', String(ports.site), '--coordinator', coordinator];
        if (!ctx) return { display: `node ${args.join(' ')}` };
        return { cmd: process.execPath, args, cwd: root, env: childEnv({}) };
      },
      healthy: async () => (await probe(`${url(ports.site)}/packetfs-runtime.json`))?.status === 200,
    });
  }

  /**
   * Volunteers connected now, as the dispatcher that leases to them sees them: `pfs serve`'s count
   * (which it reads from the edge coordinator when they are there), or for --serverless, whose
   * drains come and go, the edge coordinator's own.
   */
  async function volunteersJoined(ctx, workerToken) {
    if (serverless) {
      const r = await fetch(`${ctx.outputs.cloudflareUrl}/browser/stats`, {
        headers: { authorization: `Bearer ${workerToken}` },
      }).catch(() => null);
      return r?.ok ? (await r.json()).volunteers : 0;
    }
    return browserNodes(ports.dispatcher);
  }

  /** The secret key of the local AWS: the function URL checks signatures with it. */
  const secretKey = (ctx) => ctx.state.secret('aws-secret-key', () => randomBytes(20).toString('hex'));

  /**
   * --serverless: a Secrets Manager on loopback holding the Redis URL and the worker token, the
   * drain's function.zip (Invoke API, a schedule), and the API's (Invoke API, its function URL on
   * the dispatcher's port, AWS_IAM).
   */
  function serverlessSteps() {
    const secrets = service({
      name: 'secrets',
      part: 'dispatcher',
      names: () => ({ secretsUrl: url(ports.secrets) }),
      summary: `Secrets Manager on ${url(ports.secrets)} (moto_server): the Redis URL and the worker token, read by ARN`,
      port: ports.secrets,
      marker: 'moto_server',
      inputs: (ctx) => [ctx.outputs.redisUrl ?? '', hash(token(ctx))],
      command: (ctx) => {
        const args = ['-H', '127.0.0.1', '-p', String(ports.secrets)];
        if (!ctx)
          return {
            display: `moto_server ${args.join(' ')}  # then CreateSecret packetfs/redis-url, packetfs/worker-token`,
          };
        return { cmd: 'moto_server', args, env: childEnv({}) };
      },
      healthy: async () => (await probe(`${url(ports.secrets)}/moto-api/data.json`))?.status === 200,
    });
    const startMoto = secrets.run;
    secrets.run = async (ctx, saved) => {
      const out = await startMoto(ctx, saved);
      const endpoint = url(ports.secrets);
      return {
        ...out,
        redisSecretArn: await createSecret(endpoint, 'packetfs/redis-url', ctx.outputs.redisUrl),
        tokenSecretArn: await createSecret(endpoint, 'packetfs/worker-token', token(ctx)),
      };
    };
    const lambdaService = (name, zip, port, extraArgs, env, summary) =>
      service({
        name,
        part: 'dispatcher',
        names: () => ({}),
        summary,
        port,
        marker: 'packetfs-lambda-local.jar',
        inputs: (ctx) => [
          stamp(zip),
          stamp(ARTIFACTS.lambdaService.file),
          hash(secretKey(ctx)),
          extraArgs.join(' '),
          JSON.stringify(env(ctx, true)),
        ],
        command: (ctx) => {
          const args = [
            '-jar',
            ARTIFACTS.lambdaService.file,
            '--function-zip',
            zip,
            '--ric-dir',
            ARTIFACTS.lambdaRic.file,
            '--port',
            String(port),
            ...extraArgs,
          ];
          if (!ctx)
            return {
              display: `AWS_ACCESS_KEY_ID=${LAMBDA_ACCESS_KEY} AWS_SECRET_ACCESS_KEY=<secret> PACKETFS_…_SECRET_ARN=… java ${args.join(' ')}`,
            };
          return { cmd: 'java', args, cwd: root, env: childEnv(env(ctx, false)) };
        },
        healthy: async () => (await probe(`${url(port)}/2015-03-31/functions/x/configuration`))?.status === 403,
        ready: readyLine(name),
      });
    /** As on AWS: the functions find their secrets by ARN, and this machine's AWS is the local one. */
    const awsEnv = (ctx, forFingerprint) => ({
      AWS_ACCESS_KEY_ID: LAMBDA_ACCESS_KEY,
      AWS_SECRET_ACCESS_KEY: forFingerprint ? hash(secretKey(ctx)) : secretKey(ctx),
      AWS_ENDPOINT_URL_SECRETS_MANAGER: ctx.outputs.secretsUrl,
      PACKETFS_REDIS_URL_SECRET_ARN: ctx.outputs.redisSecretArn,
      PACKETFS_DRAIN_MAX_DRAINS: String(maxDrains),
      PACKETFS_FETCH_ALLOW_HOSTS: '127.0.0.1',
    });
    const drain = lambdaService(
      'drain',
      SERVERLESS_ARTIFACTS.drainZip.file,
      ports.drain,
      [
        '--function-name',
        DRAIN_FUNCTION,
        '--environments',
        String(maxDrains),
        '--reserved-concurrency',
        '8',
        '--timeout-seconds',
        '900',
        '--schedule-seconds',
        String(options.scheduleSeconds ?? 60),
      ],
      (ctx, forFingerprint) => {
        // The substrates as pfs serve has them; the Redis URL and the worker token by ARN instead.
        const env = dispatcherEnv(ctx, forFingerprint);
        for (const k of [
          'QUARKUS_HTTP_HOST',
          'QUARKUS_HTTP_PORT',
          'PACKETFS_REDIS_URL',
          'PACKETFS_WORKER_TOKEN',
          'AWS_ACCESS_KEY_ID',
          'AWS_SECRET_ACCESS_KEY',
          'AWS_REGION',
        ])
          delete env[k];
        Object.assign(env, awsEnv(ctx, forFingerprint));
        if (ctx.outputs.tokenSecretArn) env.PACKETFS_WORKER_TOKEN_SECRET_ARN = ctx.outputs.tokenSecretArn;
        return env;
      },
      `the drain's function.zip under AWS's runtime interface client, Invoke API on ${url(ports.drain)}, ` +
        `started by ${options.kicks === false ? 'nothing but' : 'submissions and'} every ${options.scheduleSeconds ?? 60} s by a schedule, ` +
        `at most ${maxDrains} at once`,
    );
    const api = lambdaService(
      'dispatcher',
      SERVERLESS_ARTIFACTS.apiZip.file,
      ports.api,
      [
        '--function-name',
        'packetfs-api',
        '--environments',
        '2',
        '--reserved-concurrency',
        '16',
        '--timeout-seconds',
        '30',
        '--function-url-port',
        String(ports.dispatcher),
        '--function-url-auth',
        'AWS_IAM',
      ],
      (ctx, forFingerprint) => ({
        ...awsEnv(ctx, forFingerprint),
        PACKETFS_DRAIN_KICK_FUNCTION: DRAIN_ALIAS_ARN,
        PACKETFS_DRAIN_KICK_ENDPOINT: url(ports.drain),
        PACKETFS_DRAIN_KICK_ENABLED: String(options.kicks !== false),
        // The drain runs the jobs: a job may name the substrates it has.
        PACKETFS_API_SUBSTRATES: [
          'local',
          ...['lambda', 'flyio', 'cloudrun', 'cloudflare'].filter((s) => ctx.outputs[`${s}Url`]),
          // The drain leases to volunteers at the edge coordinator.
          ...(ctx.outputs.cloudflareUrl ? ['browser'] : []),
        ].join(','),
      }),
      `the API's function.zip under AWS's runtime interface client, its function URL (AWS_IAM) on ${url(ports.dispatcher)}`,
    );
    const runApi = api.run;
    api.run = async (ctx, saved) => ({
      ...(await runApi(ctx, saved)),
      dispatcherUrl: url(ports.dispatcher),
      signWith: `AWS_ACCESS_KEY_ID=${LAMBDA_ACCESS_KEY} AWS_SECRET_ACCESS_KEY=${secretKey(ctx)} AWS_REGION=us-east-1`,
    });
    return [secrets, drain, api];
  }

  /** What the dispatcher is told: the Redis and each substrate this deployment runs. */
  function dispatcherEnv(ctx, forFingerprint) {
    const o = ctx.outputs;
    const env = {
      QUARKUS_HTTP_HOST: '127.0.0.1',
      QUARKUS_HTTP_PORT: String(ports.dispatcher),
      // Jobs on this machine read objects served on loopback; volunteers too, by this choice.
      PACKETFS_FETCH_ALLOW_HOSTS: '127.0.0.1',
      PACKETFS_BROWSER_ALLOW_HOSTS: '127.0.0.1',
      // Every local volunteer connects from 127.0.0.1.
      PACKETFS_BROWSER_DISTINCT_ADDRESSES: 'false',
      PACKETFS_DISPATCH_HEALTH_INTERVAL: '2s',
      // Every substrate here shares this machine's cores: a few windows at once each, so a fan-out
      // job spreads over all of them, as it would over machines, rather than filling the first.
      PACKETFS_LOCAL_MAX_CONCURRENCY: '4',
      PACKETFS_SUBSTRATES_FLYIO_MAX_CONCURRENCY: '4',
      PACKETFS_SUBSTRATES_CLOUDRUN_MAX_CONCURRENCY: '4',
      PACKETFS_SUBSTRATES_CLOUDFLARE_MAX_CONCURRENCY: '4',
    };
    if (o.redisUrl) env.PACKETFS_REDIS_URL = o.redisUrl;
    if (o.flyioUrl) env.PACKETFS_SUBSTRATES_FLYIO_URL = o.flyioUrl;
    if (o.cloudrunUrl) env.PACKETFS_SUBSTRATES_CLOUDRUN_URL = o.cloudrunUrl;
    if (o.cloudflareUrl) {
      env.PACKETFS_SUBSTRATES_CLOUDFLARE_URL = o.cloudflareUrl;
      // The volunteers join the Worker's Durable Objects; leases go there with the worker token.
      env.PACKETFS_BROWSER_EDGE_URL = o.cloudflareUrl;
    }
    if (o.lambdaUrl) {
      Object.assign(env, {
        PACKETFS_SUBSTRATES_LAMBDA_FUNCTION_NAME: LAMBDA_FUNCTION,
        PACKETFS_SUBSTRATES_LAMBDA_ENDPOINT: o.lambdaUrl,
        // Its two execution environments: more at once would wait inside the local service, unseen.
        PACKETFS_SUBSTRATES_LAMBDA_MAX_CONCURRENCY: '2',
        AWS_ACCESS_KEY_ID: LAMBDA_ACCESS_KEY,
        AWS_SECRET_ACCESS_KEY: 'local-lambda-service',
        AWS_REGION: 'us-east-1',
      });
    }
    if (o.flyioUrl || o.cloudrunUrl || o.cloudflareUrl)
      env.PACKETFS_WORKER_TOKEN = forFingerprint ? hash(token(ctx)) : token(ctx);
    return env;
  }

  return steps;
}

/** A secret in the Secrets Manager at {@code endpoint} (moto_server checks no signature); its ARN. */
async function createSecret(endpoint, name, value) {
  const r = await fetch(`${endpoint}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'secretsmanager.CreateSecret',
      authorization: `AWS4-HMAC-SHA256 Credential=${LAMBDA_ACCESS_KEY}/20260101/us-east-1/secretsmanager/aws4_request, SignedHeaders=host, Signature=0`,
    },
    body: JSON.stringify({ Name: name, SecretString: value }),
  });
  if (!r.ok) throw new DeployError(`creating the secret ${name} failed: ${r.status} ${await r.text()}`);
  return (await r.json()).ARN;
}

function selected(ctx, part) {
  return ctx.steps.some((s) => s.part === part);
}

async function browserNodes(port) {
  const metrics = await probe(`http://127.0.0.1:${port}/q/metrics`);
  const m = /^packetfs_browser_nodes(?:\{[^}]*\})? ([0-9.]+)$/m.exec(metrics?.body ?? '');
  return m ? Number(m[1]) : 0;
}

/** After destroy-all: no port of the steps it took down may still listen. */
export async function assertPortsFree(steps) {
  const still = [];
  for (const step of steps.filter((s) => s.port)) if (await listening(step.port)) still.push(step.port);
  return still;
}
