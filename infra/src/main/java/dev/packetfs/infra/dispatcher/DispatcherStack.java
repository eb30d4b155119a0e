package dev.packetfs.infra.dispatcher;

import dev.packetfs.infra.AwsSolutions;
import dev.packetfs.infra.lambda.SnapStartFunction;
import dev.packetfs.infra.worker.WorkerStack;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.SecretValue;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.events.Rule;
import software.amazon.awscdk.services.events.Schedule;
import software.amazon.awscdk.services.events.targets.LambdaFunction;
import software.amazon.awscdk.services.iam.Policy;
import software.amazon.awscdk.services.iam.PolicyStatement;
import software.amazon.awscdk.services.lambda.FunctionUrl;
import software.amazon.awscdk.services.lambda.FunctionUrlAuthType;
import software.amazon.awscdk.services.lambda.FunctionUrlOptions;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/**
 * The dispatcher as two Lambda functions over one Redis: {@code lambda-url} (the HTTP API behind a
 * function URL) and {@code lambda-drain} (runs the queued jobs, started by an EventBridge schedule).
 * Each reads only its own secrets, and only the drain may invoke the worker, and only its alias.
 */
public final class DispatcherStack extends Stack {
    /** The placeholder the Redis URL secret holds until the operator puts their URL in it. */
    public static final String REDIS_URL_PLACEHOLDER = "REPLACE-ME with your rediss:// URL";
    /** Queuing and answering are quick; this bounds a request that waits on an unreachable Redis. */
    static final int API_TIMEOUT_SECONDS = 30;

    /** The two packagings' {@code function.zip} files (placeholder directories in tests). */
    public record Code(Path api, Path drain) {}

    private final SnapStartFunction api;
    private final SnapStartFunction drain;
    private final ISecret redisUrl;
    private final Secret apiKey;
    private final FunctionUrl url;
    private final Rule schedule;

    public DispatcherStack(
            Construct scope, String id, StackProps props, DispatcherSettings settings, Code code, WorkerStack worker) {
        super(scope, id, props);

        Optional<ElastiCacheQueue> managed =
                settings.elastiCache() ? Optional.of(new ElastiCacheQueue(this, "Queue", settings)) : Optional.empty();
        redisUrl = managed.<ISecret>map(queue -> withoutRotation(Secret.Builder.create(this, "RedisUrl")
                        .description("PacketFS Redis URL: the ElastiCache Serverless endpoint")
                        // The endpoint is no secret (no password; the VPC guards it); it is kept in a
                        // secret so the dispatcher reads its Redis URL one way whatever the variant.
                        .secretStringValue(SecretValue.unsafePlainText(queue.redisUrl()))
                        .removalPolicy(RemovalPolicy.DESTROY)
                        .build()))
                .or(() -> settings.redisUrlSecretArn().map(arn -> Secret.fromSecretCompleteArn(this, "RedisUrl", arn)))
                .orElseGet(() -> withoutRotation(Secret.Builder.create(this, "RedisUrl")
                        .description("PacketFS Redis URL: put your rediss://user:password@host:port here")
                        // CloudFormation writes this only when the secret is created; a value put in
                        // later stays through every deploy that leaves this definition alone.
                        .secretStringValue(SecretValue.unsafePlainText(REDIS_URL_PLACEHOLDER))
                        .removalPolicy(RemovalPolicy.DESTROY)
                        .build()));
        apiKey = Secret.Builder.create(this, "ApiKey")
                .description("PacketFS API key: Authorization: Bearer <key> on the dispatcher's HTTP API")
                .generateSecretString(SecretStringGenerator.builder()
                        .passwordLength(40)
                        .excludePunctuation(true)
                        .build())
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        AwsSolutions.accept(
                apiKey,
                "AwsSolutions-SMG4",
                "the key is handed to the API's clients (pfs, scripts): a scheduled rotation would lock them all out;"
                        + " rotate it by putting a new value and giving it to them");
        Optional<SnapStartFunction.Network> network = managed.map(ElastiCacheQueue::network);

        // The API only queues and answers (packetfs.dispatch.enabled=false): it runs no job, so it is
        // given no substrate, no worker token and no right to invoke the worker.
        Map<String, String> apiEnvironment = new LinkedHashMap<>();
        apiEnvironment.put("PACKETFS_REDIS_URL_SECRET_ARN", redisUrl.getSecretArn());
        // Behind an AWS_IAM URL, IAM decides who calls, and a signed request's Authorization header
        // holds its signature, where the API key would go: the key guards a URL open to anyone.
        boolean keyed = settings.urlAuth() == DispatcherSettings.UrlAuth.NONE;
        if (keyed) {
            apiEnvironment.put("PACKETFS_API_KEY_SECRET_ARN", apiKey.getSecretArn());
        }
        api = new SnapStartFunction(
                this,
                "Api",
                new SnapStartFunction.Spec(
                        "PacketFS dispatcher HTTP API (dispatcher-function/lambda-url)",
                        code.api(),
                        settings.memoryMb(),
                        API_TIMEOUT_SECONDS,
                        OptionalInt.empty(),
                        settings.logRetentionDays(),
                        apiEnvironment,
                        network));
        redisUrl.grantRead(api.function());
        if (keyed) {
            apiKey.grantRead(api.function());
        }

        drain = new SnapStartFunction(
                this,
                "Drain",
                new SnapStartFunction.Spec(
                        "PacketFS dispatcher drain (dispatcher-function/lambda-drain): runs queued jobs",
                        code.drain(),
                        settings.memoryMb(),
                        settings.drainTimeoutSeconds(),
                        OptionalInt.empty(),
                        settings.logRetentionDays(),
                        drainEnvironment(settings, worker),
                        network));
        redisUrl.grantRead(drain.function());
        worker.token().grantRead(drain.function());
        // Invoke runs a job; GetFunctionConfiguration is the Lambda substrate's health probe. Both
        // on the alias ARN only: the adapter always names qualifier live.
        drain.function()
                .addToRolePolicy(PolicyStatement.Builder.create()
                        .actions(List.of("lambda:InvokeFunction", "lambda:GetFunctionConfiguration"))
                        .resources(List.of(worker.live().getFunctionArn()))
                        .build());

        // A submission starts a drain at once: the API may invoke the drain's alias, and nothing
        // else; a running drain starts more of its own alias while the backlog is long. (A policy
        // of its own, not the role's default one, which the function depends on: the alias
        // depends on the function.)
        String drainAlias = drain.live().getFunctionArn();
        String maxDrains = Integer.toString(settings.maxDrains());
        api.function().addEnvironment("PACKETFS_DRAIN_KICK_FUNCTION", drainAlias);
        api.function().addEnvironment("PACKETFS_DRAIN_MAX_DRAINS", maxDrains);
        // The drain runs the jobs: a job may name the substrates it has.
        api.function().addEnvironment("PACKETFS_API_SUBSTRATES", String.join(",", drainSubstrates(settings)));
        drain.function().addEnvironment("PACKETFS_DRAIN_MAX_DRAINS", maxDrains);
        api.function()
                .addToRolePolicy(PolicyStatement.Builder.create()
                        .actions(List.of("lambda:InvokeFunction"))
                        .resources(List.of(drainAlias))
                        .build());
        Policy.Builder.create(this, "DrainStartsDrains")
                .statements(List.of(PolicyStatement.Builder.create()
                        .actions(List.of("lambda:InvokeFunction"))
                        .resources(List.of(drainAlias))
                        .build()))
                .roles(List.of(drain.function().getRole()))
                .build();

        url = api.live()
                .addFunctionUrl(FunctionUrlOptions.builder()
                        .authType(FunctionUrlAuthType.valueOf(settings.urlAuth().name()))
                        .build());
        schedule = Rule.Builder.create(this, "DrainSchedule")
                .description("PacketFS: start a drain of the job queue")
                .schedule(Schedule.rate(Duration.minutes(settings.drainRateMinutes())))
                // The next tick is the retry: a failed drain is not run again.
                .targets(List.of(LambdaFunction.Builder.create(drain.live())
                        .retryAttempts(0)
                        .build()))
                .build();

        CfnOutput.Builder.create(this, "DispatcherUrl")
                .value(url.getUrl())
                .description("the dispatcher's HTTP API (function URL on alias live, " + settings.urlAuth() + ")")
                .build();
        CfnOutput.Builder.create(this, "DispatcherFunctionName")
                .value(api.function().getFunctionName())
                .description("the HTTP API's function")
                .build();
        CfnOutput.Builder.create(this, "DrainFunctionName")
                .value(drain.function().getFunctionName())
                .description("the scheduled drain's function")
                .build();
        CfnOutput.Builder.create(this, "DrainAliasArn")
                .value(drain.live().getFunctionArn())
                .description("the drain's alias live, which the schedule invokes")
                .build();
        CfnOutput.Builder.create(this, "RedisUrlSecretArn")
                .value(redisUrl.getSecretArn())
                .description("the secret holding the Redis URL")
                .build();
        CfnOutput.Builder.create(this, "ApiKeySecretArn")
                .value(apiKey.getSecretArn())
                .description("the secret holding the API key")
                .build();
    }

    /** A Redis URL secret this stack creates: Secrets Manager has nothing in it to rotate. */
    private static Secret withoutRotation(Secret redisUrl) {
        AwsSolutions.accept(
                redisUrl,
                "AwsSolutions-SMG4",
                "it holds the operator's URL, whose password their Redis sets and a rotation here could not change,"
                        + " or the ElastiCache endpoint, which has no password");
        return redisUrl;
    }

    /**
     * The drain runs jobs: the Lambda substrate is the worker's alias, sized as the worker is;
     * Fly.io, Cloud Run and Cloudflare join when their URLs are given.
     */
    private Map<String, String> drainEnvironment(DispatcherSettings settings, WorkerStack worker) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PACKETFS_REDIS_URL_SECRET_ARN", redisUrl.getSecretArn());
        env.put("PACKETFS_WORKER_TOKEN_SECRET_ARN", worker.token().getSecretArn());
        env.put(
                "PACKETFS_SUBSTRATES_LAMBDA_FUNCTION_NAME",
                worker.worker().function().getFunctionName());
        env.put("PACKETFS_SUBSTRATES_LAMBDA_QUALIFIER", SnapStartFunction.ALIAS);
        env.put("PACKETFS_SUBSTRATES_LAMBDA_REGION", Stack.of(worker).getRegion());
        env.put(
                "PACKETFS_SUBSTRATES_LAMBDA_MEMORY_MB",
                Integer.toString(worker.settings().memoryMb()));
        worker.settings()
                .reservedConcurrency()
                .ifPresent(n -> env.put("PACKETFS_SUBSTRATES_LAMBDA_MAX_CONCURRENCY", Integer.toString(n)));
        settings.flyioUrl().ifPresent(u -> env.put("PACKETFS_SUBSTRATES_FLYIO_URL", u));
        settings.cloudrunUrl().ifPresent(u -> env.put("PACKETFS_SUBSTRATES_CLOUDRUN_URL", u));
        settings.cloudflareUrl().ifPresent(u -> env.put("PACKETFS_SUBSTRATES_CLOUDFLARE_URL", u));
        // The Worker holds the volunteers too (its Durable Objects): the drain leases to them there.
        settings.cloudflareUrl().ifPresent(u -> env.put("PACKETFS_BROWSER_EDGE_URL", u));
        return env;
    }

    /**
     * The drain's substrates: its own JVM, the worker, and Fly.io, Cloud Run and Cloudflare when
     * their URLs are given, with the volunteers Cloudflare's Worker holds.
     */
    private static List<String> drainSubstrates(DispatcherSettings settings) {
        List<String> names = new ArrayList<>(List.of("local", "lambda"));
        settings.flyioUrl().ifPresent(u -> names.add("flyio"));
        settings.cloudrunUrl().ifPresent(u -> names.add("cloudrun"));
        settings.cloudflareUrl().ifPresent(u -> names.addAll(List.of("cloudflare", "browser")));
        return names;
    }

    public SnapStartFunction api() {
        return api;
    }

    public SnapStartFunction drain() {
        return drain;
    }

    public ISecret redisUrl() {
        return redisUrl;
    }

    public ISecret apiKey() {
        return apiKey;
    }

    public FunctionUrl url() {
        return url;
    }

    public Rule schedule() {
        return schedule;
    }
}
