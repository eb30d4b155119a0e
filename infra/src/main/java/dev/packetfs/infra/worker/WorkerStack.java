package dev.packetfs.infra.worker;

import dev.packetfs.infra.AwsSolutions;
import dev.packetfs.infra.lambda.SnapStartFunction;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.FunctionUrl;
import software.amazon.awscdk.services.lambda.FunctionUrlAuthType;
import software.amazon.awscdk.services.lambda.FunctionUrlOptions;
import software.amazon.awscdk.services.secretsmanager.ISecret;
import software.amazon.awscdk.services.secretsmanager.Secret;
import software.amazon.awscdk.services.secretsmanager.SecretStringGenerator;
import software.constructs.Construct;

/**
 * The Lambda worker ({@code worker-lambda/target/function.zip}): SnapStart, the alias {@code live},
 * a function URL on the alias that only IAM-signed requests reach, and the worker token in Secrets
 * Manager.
 */
public final class WorkerStack extends Stack {
    /**
     * The worker's longest job is 60 s ({@code PACKETFS_WORKER_MAX_DURATION}); the function may run a
     * little longer so a job at the limit still gets its answer out.
     */
    static final int TIMEOUT_SECONDS = 70;

    private final WorkerSettings settings;
    private final SnapStartFunction worker;
    private final Secret token;

    /** @param code the worker's {@code function.zip} (a placeholder directory in tests) */
    public WorkerStack(Construct scope, String id, StackProps props, WorkerSettings settings, Path code) {
        super(scope, id, props);
        this.settings = settings;

        // Sent as the bearer token on the function URL (and by the dispatcher to Fly.io and
        // Cloudflare workers). Only its ARN is in the environment: the worker reads the value on its
        // first invocation, because SnapStart would freeze a value read at init into every
        // environment restored from the snapshot, past any rotation.
        token = Secret.Builder.create(this, "WorkerToken")
                .description("PacketFS worker token: the bearer token /compute requires")
                .generateSecretString(SecretStringGenerator.builder()
                        .passwordLength(40)
                        .excludePunctuation(true)
                        .build())
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        AwsSolutions.accept(
                token,
                "AwsSolutions-SMG4",
                "the Fly.io and Cloudflare workers hold a copy, which ./scripts/deploy-all hands them at deploy time:"
                        + " a scheduled rotation would lock them out until the next deploy; rotate it by putting a new"
                        + " value and redeploying those workers");

        worker = new SnapStartFunction(
                this,
                "Worker",
                new SnapStartFunction.Spec(
                        "PacketFS Lambda worker (worker-lambda): POST /compute by Invoke or function URL",
                        code,
                        settings.memoryMb(),
                        TIMEOUT_SECONDS,
                        settings.reservedConcurrency(),
                        settings.logRetentionDays(),
                        Map.of("PACKETFS_WORKER_TOKEN_SECRET_ARN", token.getSecretArn()),
                        Optional.empty()));
        token.grantRead(worker.function());

        FunctionUrl url = worker.live()
                .addFunctionUrl(FunctionUrlOptions.builder()
                        .authType(FunctionUrlAuthType.AWS_IAM)
                        .build());

        CfnOutput.Builder.create(this, "WorkerFunctionName")
                .value(worker.function().getFunctionName())
                .description("the worker's function name (packetfs.substrates.lambda.function-name)")
                .build();
        CfnOutput.Builder.create(this, "WorkerAliasArn")
                .value(worker.live().getFunctionArn())
                .description("the alias live that the dispatcher invokes")
                .build();
        CfnOutput.Builder.create(this, "WorkerUrl")
                .value(url.getUrl())
                .description("the worker's function URL on alias live (AWS_IAM)")
                .build();
        CfnOutput.Builder.create(this, "WorkerTokenSecretArn")
                .value(token.getSecretArn())
                .description("the secret holding the worker token")
                .build();
    }

    public WorkerSettings settings() {
        return settings;
    }

    public SnapStartFunction worker() {
        return worker;
    }

    /** The alias {@code live}: the only thing the dispatcher may invoke. */
    public Alias live() {
        return worker.live();
    }

    public ISecret token() {
        return token;
    }
}
