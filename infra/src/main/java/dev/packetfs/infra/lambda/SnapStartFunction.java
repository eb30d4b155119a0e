package dev.packetfs.infra.lambda;

import dev.packetfs.infra.AwsSolutions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import software.amazon.awscdk.Annotations;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.IVpc;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.iam.ManagedPolicy;
import software.amazon.awscdk.services.iam.Role;
import software.amazon.awscdk.services.iam.ServicePrincipal;
import software.amazon.awscdk.services.lambda.Alias;
import software.amazon.awscdk.services.lambda.Architecture;
import software.amazon.awscdk.services.lambda.Code;
import software.amazon.awscdk.services.lambda.Function;
import software.amazon.awscdk.services.lambda.Runtime;
import software.amazon.awscdk.services.lambda.SnapStartConf;
import software.amazon.awscdk.services.logs.LogGroup;
import software.constructs.Construct;

/**
 * A Quarkus {@code function.zip} as a Lambda function with SnapStart, its own log group, and the
 * alias {@code live} on the version published from the current code and configuration. Callers
 * point everything (URLs, schedules, invoke permissions, the dispatcher's qualifier) at the alias:
 * SnapStart applies to published versions only, so {@code $LATEST} would start cold every time.
 *
 * <p>Its role may write to its own log group only, where AWS's basic execution policy would allow
 * creating and writing every group of the account; a function in a VPC also gets AWS's policy for
 * the network interfaces Lambda attaches it with.
 */
public final class SnapStartFunction extends Construct {
    /** The entry point of every Quarkus Amazon Lambda artifact in this repository. */
    public static final String HANDLER = "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest";

    public static final String ALIAS = "live";

    /**
     * @param code                a {@code function.zip}, or (tests) a directory the CDK zips
     * @param reservedConcurrency none: the function shares the account's unreserved pool
     * @param network             none: the function runs outside any VPC, with direct internet access
     */
    public record Spec(
            String description,
            Path code,
            int memoryMb,
            int timeoutSeconds,
            OptionalInt reservedConcurrency,
            int logRetentionDays,
            Map<String, String> environment,
            Optional<Network> network) {}

    /** Where a function attached to a VPC runs. */
    public record Network(IVpc vpc, SubnetSelection subnets, List<ISecurityGroup> securityGroups) {}

    private static final String VPC_ACCESS_POLICY = "service-role/AWSLambdaVPCAccessExecutionRole";

    private final Function function;
    private final Alias live;
    private final LogGroup logGroup;

    public SnapStartFunction(Construct scope, String id, Spec spec) {
        super(scope, id);
        // The function's own group rather than the deprecated logRetention custom resource: one
        // resource, retention set by CloudFormation, deleted with the stack.
        logGroup = LogGroup.Builder.create(this, "Logs")
                .retention(LogRetention.of(spec.logRetentionDays()))
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        Role role = Role.Builder.create(this, "Role")
                .assumedBy(new ServicePrincipal("lambda.amazonaws.com"))
                .build();
        // CloudFormation creates the group, so the function needs no logs:CreateLogGroup.
        logGroup.grantWrite(role);
        spec.network().ifPresent(n -> {
            role.addManagedPolicy(ManagedPolicy.fromAwsManagedPolicyName(VPC_ACCESS_POLICY));
            AwsSolutions.accept(
                    role,
                    "AwsSolutions-IAM4",
                    List.of("Policy::arn:<AWS::Partition>:iam::aws:policy/" + VPC_ACCESS_POLICY),
                    "Lambda attaches a function to its VPC with this role's rights to create, describe and delete"
                            + " network interfaces; the Describe actions take no resource, and AWS keeps the policy"
                            + " in step with what Lambda needs");
        });
        Function.Builder builder = Function.Builder.create(this, "Function")
                .description(spec.description())
                .runtime(Runtime.JAVA_21)
                // x86_64: the dispatcher's default Lambda prices (packetfs.prices.lambda.*) are x86's.
                .architecture(Architecture.X86_64)
                .handler(HANDLER)
                .role(role)
                .code(Code.fromAsset(spec.code().toString()))
                .memorySize(spec.memoryMb())
                .timeout(Duration.seconds(spec.timeoutSeconds()))
                .snapStart(SnapStartConf.ON_PUBLISHED_VERSIONS)
                .logGroup(logGroup)
                .environment(spec.environment());
        spec.reservedConcurrency().ifPresent(builder::reservedConcurrentExecutions);
        spec.network()
                .ifPresent(n -> builder.vpc(n.vpc()).vpcSubnets(n.subnets()).securityGroups(n.securityGroups()));
        function = builder.build();
        AwsSolutions.accept(
                function,
                "AwsSolutions-L1",
                "java21 on purpose: the functions are Java 17 bytecode, built and tested on JDK 17, and java21 is the"
                        + " LTS runtime their READMEs name; java25 has not been tried with them under SnapStart, so"
                        + " moving to it is a change to test, not a default to take");
        Annotations.of(function)
                .acknowledgeWarning(
                        "@aws-cdk/aws-lambda:snapStartRequirePublish",
                        "the alias live is on currentVersion, a published version");
        // currentVersion is a new version whenever the code or configuration changes, so the alias
        // moves with every deploy that changes the function and stays put otherwise.
        live = Alias.Builder.create(this, "Live")
                .aliasName(ALIAS)
                .version(function.getCurrentVersion())
                .build();
    }

    public Function function() {
        return function;
    }

    /** The alias {@code live}: what everything invokes. */
    public Alias live() {
        return live;
    }

    public LogGroup logGroup() {
        return logGroup;
    }
}
