package dev.packetfs.infra;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awscdk.App;
import software.amazon.awscdk.assertions.Template;
import software.amazon.awscdk.cxapi.CloudAssembly;
import software.amazon.awscdk.cxapi.CloudFormationStackArtifact;
import software.amazon.awscdk.cxapi.SynthesisMessageLevel;

/**
 * The whole app, wired as {@link PacketfsApp#main} wires it, synthesized with no AWS credentials
 * in the environment (the build removes them) and no look-up.
 */
class PacketfsAppIT {
    @TempDir
    static Path temp;

    static CloudAssembly assembly;

    @BeforeAll
    static void synth() throws Exception {
        App app =
                App.Builder.create().outdir(temp.resolve("cdk.out").toString()).build();
        PacketfsApp.define(app, TestArtifacts.placeholders(Files.createDirectories(temp.resolve("site"))));
        assembly = app.synth();
    }

    @Test
    void synthesizesTheFourStacksEnvironmentAgnostic() {
        assertEquals(
                Set.of(PacketfsApp.WORKER, PacketfsApp.DISPATCHER, PacketfsApp.BROWSER_RUNTIME, PacketfsApp.COST),
                assembly.getStacks().stream()
                        .map(CloudFormationStackArtifact::getStackName)
                        .collect(Collectors.toSet()));
        for (CloudFormationStackArtifact stack : assembly.getStacks()) {
            assertEquals("unknown-account", stack.getEnvironment().getAccount(), stack.getStackName());
            assertEquals("unknown-region", stack.getEnvironment().getRegion(), stack.getStackName());
        }
    }

    @Test
    void synthesizesWithoutWarnings() {
        for (CloudFormationStackArtifact stack : assembly.getStacks()) {
            List<String> warnings = stack.getMessages().stream()
                    .filter(m -> m.getLevel() != SynthesisMessageLevel.INFO)
                    .map(m -> m.getId() + ": " + m.getEntry().getData())
                    .toList();
            assertEquals(List.of(), warnings, stack.getStackName());
        }
    }

    @Test
    void dispatcherAndCostDependOnTheWorker() {
        assertEquals(Set.of(PacketfsApp.WORKER), dependencies(PacketfsApp.DISPATCHER));
        assertEquals(Set.of(PacketfsApp.WORKER), dependencies(PacketfsApp.COST));
        assertEquals(Set.of(), dependencies(PacketfsApp.BROWSER_RUNTIME));
    }

    /** What ./scripts/deploy-all reads back from `cdk deploy --outputs-file`. */
    @Test
    void outputsAreTheOnesDeployAllReads() {
        assertEquals(
                Set.of("WorkerFunctionName", "WorkerAliasArn", "WorkerUrl", "WorkerTokenSecretArn"),
                outputs(PacketfsApp.WORKER));
        assertEquals(
                Set.of(
                        "DispatcherUrl",
                        "DispatcherFunctionName",
                        "DrainFunctionName",
                        "DrainAliasArn",
                        "RedisUrlSecretArn",
                        "ApiKeySecretArn"),
                outputs(PacketfsApp.DISPATCHER));
        assertEquals(
                Set.of(
                        "BrowserRuntimeDomain",
                        "BrowserRuntimeUrl",
                        "BrowserRuntimeDistributionId",
                        "BrowserRuntimeBucket"),
                outputs(PacketfsApp.BROWSER_RUNTIME));
        assertEquals(
                Set.of("DashboardName", "DeadLettersAlarmName", "WorkerErrorsAlarmName"), outputs(PacketfsApp.COST));
    }

    @Test
    void everyTemplateKeepsTheIamRules() {
        for (CloudFormationStackArtifact stack : assembly.getStacks()) {
            IamPolicies.assertLeastPrivilege(template(stack.getStackName()));
        }
    }

    @Test
    void everythingIsTaggedForCostAllocation() {
        Template worker = template(PacketfsApp.WORKER);
        worker.hasResourceProperties(
                "AWS::Lambda::Function", Map.of("Tags", List.of(Map.of("Key", "project", "Value", "packetfs"))));
    }

    /**
     * cfn-lint 1.51.0 predates CloudFormation's Tags on AWS::CloudWatch::Dashboard: the dashboard
     * alone is exempt, and from that rule (E3002, unexpected property) alone.
     */
    @Test
    void theDashboardIsTheOnlyResourceExemptFromACfnLintRule() {
        Map<String, Object> exempt = new TreeMap<>();
        for (CloudFormationStackArtifact stack : assembly.getStacks()) {
            IamPolicies.resources(template(stack.getStackName())).forEach((id, resource) -> {
                Map<String, Object> metadata = IamPolicies.map(resource.get("Metadata"));
                if (metadata != null && metadata.containsKey("cfn-lint")) {
                    exempt.put(resource.get("Type") + " " + id, metadata.get("cfn-lint"));
                }
            });
        }
        assertEquals(1, exempt.size(), exempt::toString);
        String dashboard = exempt.keySet().iterator().next();
        assertTrue(dashboard.startsWith("AWS::CloudWatch::Dashboard "), dashboard);
        assertEquals(Map.of("config", Map.of("ignore_checks", List.of("E3002"))), exempt.get(dashboard));
    }

    @Test
    void accountAndRegionComeFromContext() throws Exception {
        App app = App.Builder.create()
                .outdir(temp.resolve("pinned.out").toString())
                .context(Map.of("packetfs:account", "111122223333", "packetfs:region", "eu-west-1"))
                .build();
        PacketfsApp.Stacks stacks = PacketfsApp.define(
                app, TestArtifacts.placeholders(Files.createDirectories(temp.resolve("pinned-site"))));
        assertEquals("111122223333", stacks.worker().getAccount());
        assertEquals("eu-west-1", stacks.cost().getRegion());
    }

    @Test
    void badContextStopsTheSynthNamingTheKey() throws Exception {
        App app = App.Builder.create()
                .outdir(temp.resolve("bad.out").toString())
                .context(Map.of("packetfs:workerMemoryMb", "lots"))
                .build();
        Artifacts artifacts = TestArtifacts.placeholders(Files.createDirectories(temp.resolve("bad-site")));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> PacketfsApp.define(app, artifacts));
        assertTrue(e.getMessage().contains("packetfs:workerMemoryMb"), e.getMessage());
    }

    static Set<String> dependencies(String stackName) {
        return assembly.getStackByName(stackName).getDependencies().stream()
                .map(a -> a.getId())
                .filter(id -> !id.endsWith(".assets"))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    static Set<String> outputs(String stackName) {
        return template(stackName).findOutputs("*").keySet().stream()
                .filter(name -> !name.startsWith("ExportsOutput"))
                .collect(Collectors.toSet());
    }

    @SuppressWarnings("unchecked")
    static Template template(String stackName) {
        return Template.fromJSON(
                (Map<String, Object>) assembly.getStackByName(stackName).getTemplate());
    }
}
