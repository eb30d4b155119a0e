package dev.packetfs.infra.dispatcher;

import dev.packetfs.infra.lambda.LogRetention;
import dev.packetfs.infra.lambda.SnapStartFunction;
import java.util.List;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.services.ec2.FlowLogDestination;
import software.amazon.awscdk.services.ec2.FlowLogOptions;
import software.amazon.awscdk.services.ec2.FlowLogTrafficType;
import software.amazon.awscdk.services.ec2.ISecurityGroup;
import software.amazon.awscdk.services.ec2.Peer;
import software.amazon.awscdk.services.ec2.Port;
import software.amazon.awscdk.services.ec2.SecurityGroup;
import software.amazon.awscdk.services.ec2.SubnetConfiguration;
import software.amazon.awscdk.services.ec2.SubnetSelection;
import software.amazon.awscdk.services.ec2.SubnetType;
import software.amazon.awscdk.services.ec2.Vpc;
import software.amazon.awscdk.services.elasticache.CfnServerlessCache;
import software.amazon.awscdk.services.logs.LogGroup;
import software.constructs.Construct;

/**
 * The optional managed queue ({@code packetfs:elasticache=true}): ElastiCache Serverless for Valkey
 * in a VPC of its own, and the network the dispatcher functions join to reach it. The functions sit
 * in private subnets behind NAT gateways, because from there they still reach the Lambda and
 * Secrets Manager APIs and the origins of {@code data_url} jobs they run on {@code local}.
 */
final class ElastiCacheQueue extends Construct {
    private final Vpc vpc;
    private final SecurityGroup functions;
    private final CfnServerlessCache cache;

    ElastiCacheQueue(Construct scope, String id, DispatcherSettings settings) {
        super(scope, id);
        vpc = Vpc.Builder.create(this, "Vpc")
                .maxAzs(2)
                .natGateways(settings.natGateways())
                .subnetConfiguration(List.of(
                        SubnetConfiguration.builder()
                                .name("public")
                                .subnetType(SubnetType.PUBLIC)
                                .cidrMask(24)
                                .build(),
                        SubnetConfiguration.builder()
                                .name("private")
                                .subnetType(SubnetType.PRIVATE_WITH_EGRESS)
                                .cidrMask(22)
                                .build()))
                .build();
        // What the functions' connections did, to the cache and out through the NAT gateway, and what
        // the security groups refused: a record per connection and network interface every ten minutes,
        // kept as long as the functions' own logs.
        LogGroup flowLogs = LogGroup.Builder.create(this, "FlowLogs")
                .retention(LogRetention.of(settings.logRetentionDays()))
                .removalPolicy(RemovalPolicy.DESTROY)
                .build();
        vpc.addFlowLog(
                "FlowLog",
                FlowLogOptions.builder()
                        .destination(FlowLogDestination.toCloudWatchLogs(flowLogs))
                        .trafficType(FlowLogTrafficType.ALL)
                        .build());
        functions = SecurityGroup.Builder.create(this, "Functions")
                .vpc(vpc)
                .description("PacketFS dispatcher functions")
                .allowAllOutbound(true)
                .build();
        SecurityGroup cacheGroup = SecurityGroup.Builder.create(this, "Cache")
                .vpc(vpc)
                .description("PacketFS queue (ElastiCache Serverless)")
                .allowAllOutbound(false)
                .build();
        // 6379 is the endpoint, 6380 the reader endpoint of a serverless cache.
        cacheGroup.addIngressRule(
                Peer.securityGroupId(functions.getSecurityGroupId()),
                Port.tcpRange(6379, 6380),
                "dispatcher functions");

        cache = CfnServerlessCache.Builder.create(this, "Valkey")
                .serverlessCacheName(Stack.of(this).getStackName().toLowerCase() + "-queue")
                .description("PacketFS job queue")
                // Valkey: the same commands and Lua as Redis OSS at a lower serverless price and a
                // 100 MB minimum of billed storage instead of 1 GB.
                .engine("valkey")
                .majorEngineVersion("8")
                .subnetIds(vpc.selectSubnets(privateSubnets()).getSubnetIds())
                .securityGroupIds(List.of(cacheGroup.getSecurityGroupId()))
                // A serverless cache grows without bound; the cap turns a runaway queue into refused
                // writes (the dispatcher answers 503) rather than a bill.
                .cacheUsageLimits(CfnServerlessCache.CacheUsageLimitsProperty.builder()
                        .dataStorage(CfnServerlessCache.DataStorageProperty.builder()
                                .maximum(settings.elastiCacheMaxDataGb())
                                .unit("GB")
                                .build())
                        .build())
                .build();
    }

    /** Where the dispatcher functions run to reach the cache. */
    SnapStartFunction.Network network() {
        return new SnapStartFunction.Network(vpc, privateSubnets(), List.<ISecurityGroup>of(functions));
    }

    /**
     * The queue's URL. A serverless cache speaks TLS only and in cluster mode; the dispatcher's keys
     * share one hash slot, so cluster mode costs it nothing.
     */
    String redisUrl() {
        return "rediss-cluster://" + cache.getAttrEndpointAddress() + ":" + cache.getAttrEndpointPort();
    }

    private static SubnetSelection privateSubnets() {
        return SubnetSelection.builder()
                .subnetType(SubnetType.PRIVATE_WITH_EGRESS)
                .build();
    }
}
