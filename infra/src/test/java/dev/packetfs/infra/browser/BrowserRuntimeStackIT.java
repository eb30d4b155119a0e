package dev.packetfs.infra.browser;

import static dev.packetfs.infra.IamPolicies.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.infra.IamPolicies;
import dev.packetfs.infra.TestArtifacts;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The browser runtime stack as synthesized over a three-file site. */
class BrowserRuntimeStackIT {
    @TempDir
    static Path temp;

    static Path outdir;
    static Template template;

    @BeforeAll
    static void synth() throws IOException {
        Path site = TestArtifacts.site(Files.createDirectories(temp.resolve("site")));
        outdir = temp.resolve("cdk.out");
        App app = App.Builder.create().outdir(outdir.toString()).build();
        template = Template.fromStack(new BrowserRuntimeStack(
                app,
                "PacketfsBrowserRuntime",
                StackProps.builder().build(),
                site,
                Optional.of("https://packetfs-worker.example.workers.dev")));
    }

    @Test
    void pagesAreSentToTheWorkersCoordinator() throws IOException {
        try (Stream<Path> assets = Files.list(outdir)) {
            List<String> configs = assets.map(p -> p.resolve(BrowserRuntimeStack.RUNTIME_CONFIG))
                    .filter(Files::exists)
                    .map(p -> {
                        try {
                            return Files.readString(p);
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    })
                    .toList();
            assertEquals(List.of("{\"coordinator\":\"wss://packetfs-worker.example.workers.dev/browser\"}"), configs);
        }
        // The page files' deployment carries both assets (the site, the configuration), the modules' the site.
        assertEquals(List.of(1, 2), sourceCounts(template));
    }

    @Test
    void withoutAWorkerNoCoordinatorIsNamed(@TempDir Path other) throws IOException {
        Path site = TestArtifacts.site(Files.createDirectories(other.resolve("site")));
        App app =
                App.Builder.create().outdir(other.resolve("cdk.out").toString()).build();
        Template alone = Template.fromStack(
                new BrowserRuntimeStack(app, "Alone", StackProps.builder().build(), site, Optional.empty()));
        // Each of the two deployments has the site alone.
        assertEquals(List.of(1, 1), sourceCounts(alone));
    }

    /** How many assets each bucket deployment copies, fewest first. */
    private static List<Integer> sourceCounts(Template t) {
        return t.findResources("Custom::CDKBucketDeployment").values().stream()
                .map(r -> ((List<?>) map(map(r).get("Properties")).get("SourceObjectKeys")).size())
                .sorted()
                .toList();
    }

    @Test
    void theCoordinatorIsTheWorkersWebSocketOverTls() {
        assertEquals(
                "wss://packetfs-worker.acct.workers.dev/browser",
                BrowserRuntimeStack.coordinator("https://packetfs-worker.acct.workers.dev"));
        assertEquals(
                "wss://packetfs-worker.acct.workers.dev/browser",
                BrowserRuntimeStack.coordinator("https://packetfs-worker.acct.workers.dev/"));
        assertThrows(IllegalArgumentException.class, () -> BrowserRuntimeStack.coordinator("http://worker.example"));
    }

    @Test
    void bucketIsPrivateEncryptedAndRefusesPlainHttp() {
        template.resourceCountIs("AWS::S3::Bucket", 1);
        template.hasResourceProperties(
                "AWS::S3::Bucket",
                Map.of(
                        "PublicAccessBlockConfiguration",
                                Map.of(
                                        "BlockPublicAcls",
                                        true,
                                        "BlockPublicPolicy",
                                        true,
                                        "IgnorePublicAcls",
                                        true,
                                        "RestrictPublicBuckets",
                                        true),
                        "BucketEncryption",
                                Map.of(
                                        "ServerSideEncryptionConfiguration",
                                        List.of(Map.of(
                                                "ServerSideEncryptionByDefault", Map.of("SSEAlgorithm", "AES256"))))));
        template.hasResourceProperties(
                "AWS::S3::BucketPolicy",
                Map.of(
                        "PolicyDocument",
                        Map.of(
                                "Statement",
                                Match.arrayWith(List.of(Match.objectLike(Map.of(
                                        "Effect",
                                        "Deny",
                                        "Condition",
                                        Map.of("Bool", Map.of("aws:SecureTransport", "false")))))))));
    }

    @Test
    void onlyTheDistributionReadsTheBucketThroughOriginAccessControl() {
        String bucket = template.getResourceId("AWS::S3::Bucket");
        String distribution = template.getResourceId("AWS::CloudFront::Distribution");
        String oac = template.getResourceId("AWS::CloudFront::OriginAccessControl");
        template.hasResourceProperties(
                "AWS::CloudFront::OriginAccessControl",
                Map.of(
                        "OriginAccessControlConfig",
                        Map.of(
                                "OriginAccessControlOriginType",
                                "s3",
                                "SigningBehavior",
                                "always",
                                "SigningProtocol",
                                "sigv4",
                                "Name",
                                Match.anyValue())));
        template.resourceCountIs("AWS::CloudFront::CloudFrontOriginAccessIdentity", 0);
        template.hasResourceProperties(
                "AWS::CloudFront::Distribution",
                Map.of(
                        "DistributionConfig",
                        Match.objectLike(Map.of(
                                "DefaultRootObject", "index.html",
                                "Origins",
                                        List.of(Match.objectLike(Map.of(
                                                "DomainName",
                                                        Map.of("Fn::GetAtt", List.of(bucket, "RegionalDomainName")),
                                                "OriginAccessControlId", Map.of("Fn::GetAtt", List.of(oac, "Id"))))),
                                "DefaultCacheBehavior",
                                        Match.objectLike(Map.of("ViewerProtocolPolicy", "redirect-to-https"))))));

        List<Map<String, Object>> reads = IamPolicies.allowStatements(template).stream()
                .filter(s -> s.get("Action").equals("s3:GetObject"))
                .toList();
        assertEquals(1, reads.size(), reads::toString);
        assertEquals(Map.of("Service", "cloudfront.amazonaws.com"), reads.get(0).get("Principal"));
        String sourceArn = IamPolicies.literal(
                map(map(reads.get(0).get("Condition")).get("StringEquals")).get("AWS:SourceArn"));
        assertTrue(sourceArn.endsWith(":distribution/${…}"), sourceArn);
        assertTrue(reads.get(0).toString().contains(distribution), reads::toString);
    }

    @Test
    void filesAreDeployedFlatWithModulesServedAsJavaScript() throws IOException {
        template.resourceCountIs("Custom::CDKBucketDeployment", 2);
        String distribution = template.getResourceId("AWS::CloudFront::Distribution");
        template.hasResourceProperties(
                "Custom::CDKBucketDeployment",
                Map.of(
                        "Exclude", List.of("*.mjs"),
                        "Prune", true,
                        "DestinationBucketKeyPrefix", Match.absent(),
                        "DistributionId", Map.of("Ref", distribution),
                        "DistributionPaths", List.of("/*")));
        template.hasResourceProperties(
                "Custom::CDKBucketDeployment",
                Map.of(
                        "Exclude", List.of("*"),
                        "Include", List.of("*.mjs"),
                        "SystemMetadata", Match.objectLike(Map.of("content-type", "text/javascript")),
                        "DistributionId", Map.of("Ref", distribution)));

        // Both deploy the one asset made of the site directory given to the stack.
        try (Stream<Path> assets = Files.list(outdir)) {
            List<Set<String>> sites = assets.filter(p -> Files.exists(p.resolve("kernel.mjs")))
                    .map(p -> {
                        try (Stream<Path> files = Files.list(p)) {
                            return files.map(f -> f.getFileName().toString()).collect(Collectors.toSet());
                        } catch (IOException e) {
                            throw new AssertionError(e);
                        }
                    })
                    .toList();
            assertEquals(List.of(Set.of("index.html", "app.js", "kernel.mjs")), sites);
        }
    }

    @Test
    void noPolicyGrantsWildcards() {
        IamPolicies.assertLeastPrivilege(template);
    }

    @Test
    void outputsNameTheDomain() {
        String distribution = template.getResourceId("AWS::CloudFront::Distribution");
        template.hasOutput(
                "BrowserRuntimeDomain", Map.of("Value", Map.of("Fn::GetAtt", List.of(distribution, "DomainName"))));
        template.hasOutput("BrowserRuntimeDistributionId", Map.of("Value", Map.of("Ref", distribution)));
        template.hasOutput("BrowserRuntimeUrl", Map.of("Value", Match.anyValue()));
        template.hasOutput(
                "BrowserRuntimeBucket", Map.of("Value", Map.of("Ref", template.getResourceId("AWS::S3::Bucket"))));
    }
}
