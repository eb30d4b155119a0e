package dev.packetfs.infra.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.infra.ContextValues;
import dev.packetfs.infra.IamPolicies;
import dev.packetfs.infra.TestArtifacts;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/** The worker stack as synthesized, with default settings and with settings from context. */
class WorkerStackIT {
    static Template defaults;
    static Template sized;

    @BeforeAll
    static void synth() {
        App app = new App();
        WorkerStack d = new WorkerStack(
                app,
                "Defaults",
                StackProps.builder().build(),
                WorkerSettings.from(new ContextValues(key -> null)),
                TestArtifacts.placeholderFunction());
        WorkerStack s = new WorkerStack(
                app,
                "Sized",
                StackProps.builder().build(),
                WorkerSettings.from(new ContextValues(Map.<String, Object>of(
                        "packetfs:workerMemoryMb", "1769",
                        "packetfs:workerReservedConcurrency", "none",
                        "packetfs:logRetentionDays", 30)::get)),
                TestArtifacts.placeholderFunction());
        defaults = Template.fromStack(d);
        sized = Template.fromStack(s);
    }

    @Test
    void oneJavaFunctionWithSnapStartOnPublishedVersions() {
        defaults.resourceCountIs("AWS::Lambda::Function", 1);
        defaults.hasResourceProperties(
                "AWS::Lambda::Function",
                Map.of(
                        "Runtime",
                        "java21",
                        "Handler",
                        "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest",
                        "SnapStart",
                        Map.of("ApplyOn", "PublishedVersions"),
                        "MemorySize",
                        1024,
                        "ReservedConcurrentExecutions",
                        32,
                        "Timeout",
                        70));
    }

    @Test
    void memoryAndConcurrencyComeFromContext() {
        sized.hasResourceProperties(
                "AWS::Lambda::Function", Map.of("MemorySize", 1769, "ReservedConcurrentExecutions", Match.absent()));
    }

    @Test
    void aliasLivePointsAtThePublishedVersion() {
        String function = defaults.getResourceId("AWS::Lambda::Function");
        String version = defaults.getResourceId("AWS::Lambda::Version");
        defaults.resourceCountIs("AWS::Lambda::Alias", 1);
        defaults.hasResourceProperties("AWS::Lambda::Version", Map.of("FunctionName", Map.of("Ref", function)));
        defaults.hasResourceProperties(
                "AWS::Lambda::Alias",
                Map.of(
                        "Name", "live",
                        "FunctionName", Map.of("Ref", function),
                        "FunctionVersion", Map.of("Fn::GetAtt", List.of(version, "Version"))));
    }

    @Test
    void functionUrlIsOnTheAliasAndNeedsIam() {
        String function = defaults.getResourceId("AWS::Lambda::Function");
        defaults.resourceCountIs("AWS::Lambda::Url", 1);
        defaults.hasResourceProperties(
                "AWS::Lambda::Url",
                Map.of(
                        "AuthType", "AWS_IAM",
                        "Qualifier", "live",
                        "TargetFunctionArn", Map.of("Fn::GetAtt", List.of(function, "Arn"))));
        // Nothing opens the function to anyone: no resource policy at all.
        defaults.resourceCountIs("AWS::Lambda::Permission", 0);
    }

    @Test
    void tokenIsAGeneratedSecretWhoseArnTheFunctionReads() {
        String secret = defaults.getResourceId("AWS::SecretsManager::Secret");
        defaults.resourceCountIs("AWS::SecretsManager::Secret", 1);
        defaults.hasResourceProperties(
                "AWS::SecretsManager::Secret",
                Map.of(
                        "GenerateSecretString", Map.of("PasswordLength", 40, "ExcludePunctuation", true),
                        "SecretString", Match.absent()));
        defaults.hasResourceProperties(
                "AWS::Lambda::Function",
                Map.of(
                        "Environment",
                        Map.of("Variables", Map.of("PACKETFS_WORKER_TOKEN_SECRET_ARN", Map.of("Ref", secret)))));

        String function = defaults.getResourceId("AWS::Lambda::Function");
        String role = IamPolicies.roleOfFunction(defaults, function);
        List<Map<String, Object>> statements = IamPolicies.statementsOfRole(defaults, role);
        assertEquals(2, statements.size(), statements::toString);
        assertEquals(IamPolicies.writeOwnLogs(defaults, function), statements.get(0));
        assertEquals(
                List.of("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"),
                statements.get(1).get("Action"));
        assertEquals(Map.of("Ref", secret), statements.get(1).get("Resource"));
        assertEquals(List.of(), IamPolicies.managedPoliciesOfRole(defaults, role));
    }

    @Test
    void noPolicyGrantsWildcards() {
        IamPolicies.assertLeastPrivilege(defaults);
        IamPolicies.assertLeastPrivilege(sized);
        IamPolicies.assertNoWildcardInActions(
                defaults, IamPolicies.roleOfFunction(defaults, defaults.getResourceId("AWS::Lambda::Function")));
    }

    @Test
    void logGroupWithRetentionIsTheFunctions() {
        String logs = defaults.getResourceId("AWS::Logs::LogGroup");
        defaults.hasResource(
                "AWS::Logs::LogGroup", Map.of("Properties", Map.of("RetentionInDays", 14), "DeletionPolicy", "Delete"));
        defaults.hasResourceProperties(
                "AWS::Lambda::Function", Map.of("LoggingConfig", Map.of("LogGroup", Map.of("Ref", logs))));
        sized.hasResourceProperties("AWS::Logs::LogGroup", Map.of("RetentionInDays", 30));
        // The deprecated logRetention custom resource is not used.
        assertTrue(defaults.findResources("Custom::LogRetention").isEmpty());
    }

    @Test
    void outputsNameTheFunctionAliasUrlAndSecret() {
        String alias = defaults.getResourceId("AWS::Lambda::Alias");
        defaults.hasOutput(
                "WorkerFunctionName", Map.of("Value", Map.of("Ref", defaults.getResourceId("AWS::Lambda::Function"))));
        defaults.hasOutput("WorkerAliasArn", Map.of("Value", Map.of("Ref", alias)));
        defaults.hasOutput(
                "WorkerUrl",
                Map.of(
                        "Value",
                        Map.of("Fn::GetAtt", List.of(defaults.getResourceId("AWS::Lambda::Url"), "FunctionUrl"))));
        defaults.hasOutput(
                "WorkerTokenSecretArn",
                Map.of("Value", Map.of("Ref", defaults.getResourceId("AWS::SecretsManager::Secret"))));
    }
}
