package dev.packetfs.infra.browser;

import dev.packetfs.infra.AwsSolutions;
import io.github.cdklabs.cdknag.RegexAppliesTo;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awscdk.CfnOutput;
import software.amazon.awscdk.Duration;
import software.amazon.awscdk.RemovalPolicy;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.services.cloudfront.BehaviorOptions;
import software.amazon.awscdk.services.cloudfront.CachePolicy;
import software.amazon.awscdk.services.cloudfront.Distribution;
import software.amazon.awscdk.services.cloudfront.PriceClass;
import software.amazon.awscdk.services.cloudfront.ResponseHeadersPolicy;
import software.amazon.awscdk.services.cloudfront.ViewerProtocolPolicy;
import software.amazon.awscdk.services.cloudfront.origins.S3BucketOrigin;
import software.amazon.awscdk.services.s3.BlockPublicAccess;
import software.amazon.awscdk.services.s3.Bucket;
import software.amazon.awscdk.services.s3.BucketEncryption;
import software.amazon.awscdk.services.s3.CfnBucket;
import software.amazon.awscdk.services.s3.deployment.BucketDeployment;
import software.amazon.awscdk.services.s3.deployment.CacheControl;
import software.amazon.awscdk.services.s3.deployment.ISource;
import software.amazon.awscdk.services.s3.deployment.Source;
import software.constructs.Construct;
import software.constructs.IConstruct;

/**
 * The volunteer browser runtime on a CDN: a private S3 bucket that only this CloudFront distribution
 * reads (origin access control), filled from one flat directory, and {@code packetfs-runtime.json}
 * naming the coordinator its pages join: the edge coordinator's {@code wss://<worker>/browser} when
 * the Cloudflare Worker is deployed.
 */
public final class BrowserRuntimeStack extends Stack {
    private final Bucket bucket;
    private final Distribution distribution;

    /** The file beside the page that tells it where volunteers join (browser-runtime/packetfs-client.js). */
    public static final String RUNTIME_CONFIG = "packetfs-runtime.json";

    /**
     * @param site the directory whose files are published flat ({@link BrowserRuntimeSite#stage})
     * @param edgeUrl the Cloudflare Worker's base URL, whose volunteer coordinator the pages join;
     *     empty: none is named, and a page joins the coordinator of the origin it was loaded from
     */
    public BrowserRuntimeStack(Construct scope, String id, StackProps props, Path site, Optional<String> edgeUrl) {
        super(scope, id, props);
        // Its content is rebuilt from the repository on every deploy, so the bucket goes with the stack.
        bucket = Bucket.Builder.create(this, "Site")
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .encryption(BucketEncryption.S3_MANAGED)
                .enforceSsl(true)
                .removalPolicy(RemovalPolicy.DESTROY)
                .autoDeleteObjects(true)
                .build();
        AwsSolutions.accept(
                bucket,
                "AwsSolutions-S1",
                "only the deployment writes it and only the distribution reads it (origin access control): its"
                        + " access log would list CloudFront's cache fills of public files");
        distribution = Distribution.Builder.create(this, "Cdn")
                .comment("PacketFS volunteer browser runtime")
                .defaultRootObject("index.html")
                .priceClass(PriceClass.PRICE_CLASS_100)
                .defaultBehavior(BehaviorOptions.builder()
                        .origin(S3BucketOrigin.withOriginAccessControl(bucket))
                        .viewerProtocolPolicy(ViewerProtocolPolicy.REDIRECT_TO_HTTPS)
                        .cachePolicy(CachePolicy.CACHING_OPTIMIZED)
                        // Pages on any origin import the runtime as a module script, which browsers
                        // fetch in CORS mode.
                        .responseHeadersPolicy(ResponseHeadersPolicy.CORS_ALLOW_ALL_ORIGINS)
                        .build())
                .build();
        acceptForTheDistribution(distribution);

        // Two deployments over the same files, because a browser refuses a module script served
        // with a non-JavaScript type and the deployment's type guess does not know .mjs everywhere.
        // Each one's filters also keep it from pruning the other's files.
        List<CacheControl> shortCache = List.of(CacheControl.setPublic(), CacheControl.maxAge(Duration.minutes(5)));
        List<ISource> files = new ArrayList<>(List.of(Source.asset(site.toString())));
        edgeUrl.ifPresent(url -> files.add(Source.jsonData(RUNTIME_CONFIG, Map.of("coordinator", coordinator(url)))));
        BucketDeployment.Builder.create(this, "Files")
                .sources(files)
                .destinationBucket(bucket)
                .exclude(List.of("*.mjs"))
                .cacheControl(shortCache)
                .distribution(distribution)
                .distributionPaths(List.of("/*"))
                .build();
        BucketDeployment.Builder.create(this, "Modules")
                .sources(List.of(Source.asset(site.toString())))
                .destinationBucket(bucket)
                .exclude(List.of("*"))
                .include(List.of("*.mjs"))
                .contentType("text/javascript")
                .cacheControl(shortCache)
                .distribution(distribution)
                .distributionPaths(List.of("/*"))
                .build();
        acceptForTheDeploymentHandler();

        CfnOutput.Builder.create(this, "BrowserRuntimeDomain")
                .value(distribution.getDistributionDomainName())
                .description("the CloudFront domain serving the browser runtime")
                .build();
        CfnOutput.Builder.create(this, "BrowserRuntimeUrl")
                .value("https://" + distribution.getDistributionDomainName() + "/")
                .description("the demo page; import packetfs-client.js from here")
                .build();
        CfnOutput.Builder.create(this, "BrowserRuntimeDistributionId")
                .value(distribution.getDistributionId())
                .description("the distribution, for invalidations")
                .build();
        CfnOutput.Builder.create(this, "BrowserRuntimeBucket")
                .value(bucket.getBucketName())
                .description("the private bucket behind the distribution")
                .build();
    }

    /** The WebSocket URL volunteers join at the Worker {@code edgeUrl}: {@code wss://<host>/browser}. */
    static String coordinator(String edgeUrl) {
        URI edge = URI.create(edgeUrl);
        if (!"https".equals(edge.getScheme()) || edge.getHost() == null) {
            throw new IllegalArgumentException("the Worker's URL must be https://host, got " + edgeUrl);
        }
        return URI.create("wss://" + edge.getRawAuthority() + "/browser").toString();
    }

    private static void acceptForTheDistribution(Distribution distribution) {
        AwsSolutions.accept(
                distribution,
                "AwsSolutions-CFR1",
                "the runtime is for volunteers in any country: there is none to keep out");
        AwsSolutions.accept(
                distribution,
                "AwsSolutions-CFR2",
                "it serves a few public static files, cached, to GET and HEAD only: no application behind it for"
                        + " WAF rules to protect, and a web ACL would cost more than the rest of the stack");
        AwsSolutions.accept(
                distribution,
                "AwsSolutions-CFR3",
                "the files are public and static: viewer logs would only collect volunteers' IP addresses;"
                        + " CloudFront's default metrics (requests, bytes, error rates) show the traffic");
        AwsSolutions.accept(
                distribution,
                "AwsSolutions-CFR4",
                "served on its cloudfront.net domain with CloudFront's default certificate, whose security policy"
                        + " CloudFront fixes; a stricter minimum TLS version needs a custom domain with an ACM"
                        + " certificate, which this stack does not take");
    }

    /**
     * The Lambda function that both deployments share (the CDK builds it whole, one per stack): its
     * runtime, role and grants are aws-cdk-lib's.
     */
    private void acceptForTheDeploymentHandler() {
        IConstruct handler = getNode().getChildren().stream()
                .filter(c -> c.getNode().getId().startsWith("Custom::CDKBucketDeployment"))
                .findFirst()
                .orElseThrow(() -> new IllegalStateException(
                        "no BucketDeployment handler in " + getNode().getPath()));
        AwsSolutions.acceptUnder(
                handler,
                "AwsSolutions-L1",
                List.of(),
                "the CDK's BucketDeployment handler: aws-cdk-lib chooses its runtime and moves it on when upgraded");
        AwsSolutions.acceptUnder(
                handler,
                "AwsSolutions-IAM4",
                List.of("Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
                "the CDK's BucketDeployment handler: aws-cdk-lib builds its role, with Lambda's basic execution policy");
        String site = resolve(((CfnBucket) bucket.getNode().getDefaultChild()).getLogicalId())
                .toString();
        AwsSolutions.acceptUnder(
                handler,
                "AwsSolutions-IAM5",
                List.of(
                        "Action::s3:GetObject*",
                        "Action::s3:GetBucket*",
                        "Action::s3:List*",
                        "Action::s3:DeleteObject*",
                        "Action::s3:Abort*",
                        RegexAppliesTo.builder()
                                .regex(
                                        "/^Resource::arn:<AWS::Partition>:s3:::cdk-[a-z0-9]+-assets-<AWS::AccountId>-<AWS::Region>\\/\\*$/")
                                .build(),
                        "Resource::<" + site + ".Arn>/*",
                        "Resource::*"),
                "the CDK's grants to its BucketDeployment handler: read the files from the CDK's asset bucket, copy"
                        + " them into the site bucket and delete what is gone (object-level wildcards on those two"
                        + " buckets only), and invalidate the distribution's cache (cloudfront:CreateInvalidation and"
                        + " GetInvalidation, which aws-cdk-lib grants on *)");
    }

    public Bucket bucket() {
        return bucket;
    }

    public Distribution distribution() {
        return distribution;
    }
}
