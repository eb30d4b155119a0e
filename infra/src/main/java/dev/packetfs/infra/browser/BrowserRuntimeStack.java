package dev.packetfs.infra.browser;

import java.nio.file.Path;
import java.util.List;
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
import software.amazon.awscdk.services.s3.deployment.BucketDeployment;
import software.amazon.awscdk.services.s3.deployment.CacheControl;
import software.amazon.awscdk.services.s3.deployment.Source;
import software.constructs.Construct;

/**
 * The volunteer browser runtime on a CDN: a private S3 bucket that only this CloudFront distribution
 * reads (origin access control), filled from one flat directory.
 */
public final class BrowserRuntimeStack extends Stack {
    private final Bucket bucket;
    private final Distribution distribution;

    /** @param site the directory whose files are published flat ({@link BrowserRuntimeSite#stage}) */
    public BrowserRuntimeStack(Construct scope, String id, StackProps props, Path site) {
        super(scope, id, props);
        // Its content is rebuilt from the repository on every deploy, so the bucket goes with the stack.
        bucket = Bucket.Builder.create(this, "Site")
                .blockPublicAccess(BlockPublicAccess.BLOCK_ALL)
                .encryption(BucketEncryption.S3_MANAGED)
                .enforceSsl(true)
                .removalPolicy(RemovalPolicy.DESTROY)
                .autoDeleteObjects(true)
                .build();
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

        // Two deployments over the same files, because a browser refuses a module script served
        // with a non-JavaScript type and the deployment's type guess does not know .mjs everywhere.
        // Each one's filters also keep it from pruning the other's files.
        List<CacheControl> shortCache = List.of(CacheControl.setPublic(), CacheControl.maxAge(Duration.minutes(5)));
        BucketDeployment.Builder.create(this, "Files")
                .sources(List.of(Source.asset(site.toString())))
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

        CfnOutput.Builder.create(this, "BrowserRuntimeDomain").value(distribution.getDistributionDomainName())
                .description("the CloudFront domain serving the browser runtime").build();
        CfnOutput.Builder.create(this, "BrowserRuntimeUrl").value("https://" + distribution.getDistributionDomainName() + "/")
                .description("the demo page; import packetfs-client.js from here").build();
        CfnOutput.Builder.create(this, "BrowserRuntimeDistributionId").value(distribution.getDistributionId())
                .description("the distribution, for invalidations").build();
        CfnOutput.Builder.create(this, "BrowserRuntimeBucket").value(bucket.getBucketName())
                .description("the private bucket behind the distribution").build();
    }

    public Bucket bucket() {
        return bucket;
    }

    public Distribution distribution() {
        return distribution;
    }
}
