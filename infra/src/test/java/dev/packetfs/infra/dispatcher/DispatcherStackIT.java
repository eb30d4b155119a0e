package dev.packetfs.infra.dispatcher;

import static dev.packetfs.infra.IamPolicies.map;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.infra.ContextValues;
import dev.packetfs.infra.Exports;
import dev.packetfs.infra.IamPolicies;
import dev.packetfs.infra.TestArtifacts;
import dev.packetfs.infra.worker.WorkerSettings;
import dev.packetfs.infra.worker.WorkerStack;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awscdk.App;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.assertions.Template;

/**
 * The dispatcher stack as synthesized in three variants: the defaults (IAM-signed URL, a
 * placeholder Redis URL secret), a public API with the operator's own Redis secret and a Fly.io
 * worker, and the ElastiCache variant.
 */
class DispatcherStackIT {
    static final String REDIS_SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:111122223333:secret:packetfs-redis-AbCdEf";

    static Template worker;
    static Template defaults;
    static Template publicApi;
    static Template managed;

    @BeforeAll
    static void synth() {
        App app = new App();
        WorkerStack w = worker(app);
        DispatcherStack d = dispatcher(app, w, Map.of());
        worker = Template.fromStack(w);
        defaults = Template.fromStack(d);

        App publicApp = new App();
        publicApi = Template.fromStack(dispatcher(
                publicApp,
                worker(publicApp),
                Map.of(
                        "packetfs:dispatcherUrlAuth",
                        "none",
                        "packetfs:redisUrlSecretArn",
                        REDIS_SECRET_ARN,
                        "packetfs:flyioUrl",
                        "https://packetfs-worker.fly.dev",
                        "packetfs:cloudrunUrl",
                        "https://packetfs-worker-abc123-uc.a.run.app",
                        "packetfs:cloudflareUrl",
                        "https://packetfs-worker.example.workers.dev",
                        "packetfs:drainRateMinutes",
                        5,
                        "packetfs:maxDrains",
                        7)));

        App managedApp = new App();
        managed =
                Template.fromStack(dispatcher(managedApp, worker(managedApp), Map.of("packetfs:elasticache", "true")));
    }

    static WorkerStack worker(App app) {
        return new WorkerStack(
                app,
                "PacketfsWorker",
                StackProps.builder().build(),
                WorkerSettings.from(new ContextValues(key -> null)),
                TestArtifacts.placeholderFunction());
    }

    static DispatcherStack dispatcher(App app, WorkerStack worker, Map<String, Object> context) {
        Path code = TestArtifacts.placeholderFunction();
        return new DispatcherStack(
                app,
                "PacketfsDispatcher",
                StackProps.builder().build(),
                DispatcherSettings.from(new ContextValues(context::get)),
                new DispatcherStack.Code(code, code),
                worker);
    }

    @Test
    void twoSnapStartFunctionsEachWithAliasLive() {
        for (Template t : List.of(defaults, publicApi, managed)) {
            t.resourceCountIs("AWS::Lambda::Function", 2);
            t.resourcePropertiesCountIs(
                    "AWS::Lambda::Function",
                    Map.of(
                            "Runtime", "java21",
                            "Handler", "io.quarkus.amazon.lambda.runtime.QuarkusStreamHandler::handleRequest",
                            "SnapStart", Map.of("ApplyOn", "PublishedVersions")),
                    2);
            t.resourceCountIs("AWS::Lambda::Version", 2);
            t.resourcePropertiesCountIs("AWS::Lambda::Alias", Map.of("Name", "live"), 2);
        }
        for (String function : List.of(api(defaults), drain(defaults))) {
            defaults.hasResourceProperties(
                    "AWS::Lambda::Alias",
                    Map.of(
                            "FunctionName", Map.of("Ref", function),
                            "FunctionVersion",
                                    Map.of("Fn::GetAtt", List.of(versionOf(defaults, function), "Version"))));
        }
    }

    @Test
    void apiUrlIsOnItsAliasAndNeedsIamByDefault() {
        defaults.resourceCountIs("AWS::Lambda::Url", 1);
        defaults.hasResourceProperties(
                "AWS::Lambda::Url",
                Map.of(
                        "AuthType", "AWS_IAM",
                        "Qualifier", "live",
                        "TargetFunctionArn", Map.of("Fn::GetAtt", List.of(api(defaults), "Arn"))));
        defaults.resourcePropertiesCountIs("AWS::Lambda::Permission", Map.of("Principal", "*"), 0);
    }

    @Test
    void apiUrlWithAuthNoneIsOpenOnlyThroughTheUrl() {
        String alias = aliasOf(publicApi, api(publicApi));
        publicApi.hasResourceProperties("AWS::Lambda::Url", Map.of("AuthType", "NONE", "Qualifier", "live"));
        publicApi.resourcePropertiesCountIs("AWS::Lambda::Permission", Map.of("Principal", "*"), 2);
        publicApi.hasResourceProperties(
                "AWS::Lambda::Permission",
                Map.of(
                        "Action",
                        "lambda:InvokeFunctionUrl",
                        "Principal",
                        "*",
                        "FunctionUrlAuthType",
                        "NONE",
                        "FunctionName",
                        Map.of("Ref", alias)));
        publicApi.hasResourceProperties(
                "AWS::Lambda::Permission",
                Map.of(
                        "Action",
                        "lambda:InvokeFunction",
                        "Principal",
                        "*",
                        "InvokedViaFunctionUrl",
                        true,
                        "FunctionName",
                        Map.of("Ref", alias)));
    }

    @Test
    void scheduleRunsTheDrainAliasAtTheConfiguredRate() {
        String alias = aliasOf(defaults, drain(defaults));
        String rule = defaults.getResourceId("AWS::Events::Rule");
        defaults.hasResourceProperties(
                "AWS::Events::Rule",
                Map.of(
                        "ScheduleExpression", "rate(1 minute)",
                        "State", "ENABLED",
                        "Targets",
                                List.of(Map.of(
                                        "Arn", Map.of("Ref", alias),
                                        "Id", Match.anyValue(),
                                        "RetryPolicy", Map.of("MaximumRetryAttempts", 0)))));
        defaults.resourcePropertiesCountIs("AWS::Lambda::Permission", Map.of("Principal", "events.amazonaws.com"), 1);
        defaults.hasResourceProperties(
                "AWS::Lambda::Permission",
                Map.of(
                        "Action",
                        "lambda:InvokeFunction",
                        "Principal",
                        "events.amazonaws.com",
                        "FunctionName",
                        Map.of("Ref", alias),
                        "SourceArn",
                        Map.of("Fn::GetAtt", List.of(rule, "Arn"))));
        publicApi.hasResourceProperties("AWS::Events::Rule", Map.of("ScheduleExpression", "rate(5 minutes)"));
    }

    @Test
    void drainKnowsTheWorkerByItsAlias() {
        Map<String, Object> env = environment(defaults, drain(defaults));
        assertEquals(
                Set.of(
                        "PACKETFS_REDIS_URL_SECRET_ARN",
                        "PACKETFS_WORKER_TOKEN_SECRET_ARN",
                        "PACKETFS_SUBSTRATES_LAMBDA_FUNCTION_NAME",
                        "PACKETFS_SUBSTRATES_LAMBDA_QUALIFIER",
                        "PACKETFS_SUBSTRATES_LAMBDA_REGION",
                        "PACKETFS_SUBSTRATES_LAMBDA_MEMORY_MB",
                        "PACKETFS_SUBSTRATES_LAMBDA_MAX_CONCURRENCY",
                        "PACKETFS_DRAIN_MAX_DRAINS"),
                env.keySet());
        assertEquals("4", env.get("PACKETFS_DRAIN_MAX_DRAINS"));
        assertEquals(
                worker.getResourceId("AWS::Lambda::Function"),
                Exports.refBehind(worker, env.get("PACKETFS_SUBSTRATES_LAMBDA_FUNCTION_NAME")));
        assertEquals("live", env.get("PACKETFS_SUBSTRATES_LAMBDA_QUALIFIER"));
        assertEquals(Map.of("Ref", "AWS::Region"), env.get("PACKETFS_SUBSTRATES_LAMBDA_REGION"));
        assertEquals("1024", env.get("PACKETFS_SUBSTRATES_LAMBDA_MEMORY_MB"));
        assertEquals("32", env.get("PACKETFS_SUBSTRATES_LAMBDA_MAX_CONCURRENCY"));
        assertEquals(
                worker.getResourceId("AWS::SecretsManager::Secret"),
                Exports.refBehind(worker, env.get("PACKETFS_WORKER_TOKEN_SECRET_ARN")));
        assertEquals(
                Map.of(
                        "Ref",
                        defaults.getResourceId(
                                "AWS::SecretsManager::Secret",
                                Map.of("Properties", Map.of("SecretString", Match.anyValue())))),
                env.get("PACKETFS_REDIS_URL_SECRET_ARN"));

        Map<String, Object> given = environment(publicApi, drain(publicApi));
        assertEquals("https://packetfs-worker.fly.dev", given.get("PACKETFS_SUBSTRATES_FLYIO_URL"));
        assertEquals("https://packetfs-worker-abc123-uc.a.run.app", given.get("PACKETFS_SUBSTRATES_CLOUDRUN_URL"));
        assertEquals("https://packetfs-worker.example.workers.dev", given.get("PACKETFS_SUBSTRATES_CLOUDFLARE_URL"));
        assertEquals(
                "https://packetfs-worker.example.workers.dev",
                given.get("PACKETFS_BROWSER_EDGE_URL"),
                "the volunteers are the Worker's: the drain leases to them there");
        assertFalse(env.containsKey("PACKETFS_BROWSER_EDGE_URL"), "no Worker, no edge coordinator");
    }

    @Test
    void apiKnowsRedisTheDrainItStartsAndItsKeyOnlyWhenTheUrlIsOpen() {
        Map<String, Object> env = environment(defaults, api(defaults));
        // AWS_IAM: IAM decides who calls; the signature takes the Authorization header.
        assertEquals(
                Map.of(
                        "PACKETFS_REDIS_URL_SECRET_ARN",
                        Map.of("Ref", redisSecret(defaults)),
                        "PACKETFS_DRAIN_KICK_FUNCTION",
                        Map.of("Ref", drainAlias(defaults)),
                        "PACKETFS_DRAIN_MAX_DRAINS",
                        "4",
                        "PACKETFS_API_SUBSTRATES",
                        "local,lambda"),
                env);
        Map<String, Object> open = environment(publicApi, api(publicApi));
        assertEquals(
                "local,lambda,flyio,cloudrun,cloudflare,browser",
                open.get("PACKETFS_API_SUBSTRATES"),
                "the drain's substrates, Fly.io, Cloud Run and Cloudflare (with its volunteers) given");
        assertEquals(Map.of("Ref", apiKeySecret(publicApi)), open.get("PACKETFS_API_KEY_SECRET_ARN"));
        assertEquals("7", open.get("PACKETFS_DRAIN_MAX_DRAINS"));
    }

    private static String drainAlias(Template t) {
        return t.getResourceId(
                "AWS::Lambda::Alias", Map.of("Properties", Map.of("FunctionName", Map.of("Ref", drain(t)))));
    }

    @Test
    void drainMayInvokeOnlyTheWorkerAliasAndReadOnlyItsSecrets() {
        List<Map<String, Object>> statements =
                IamPolicies.statementsOfRole(defaults, IamPolicies.roleOfFunction(defaults, drain(defaults)));
        assertEquals(5, statements.size(), statements::toString);
        assertEquals(IamPolicies.writeOwnLogs(defaults, drain(defaults)), statements.get(0));
        // More drains of its own alias while the backlog is long.
        assertEquals(
                Map.of(
                        "Action",
                        "lambda:InvokeFunction",
                        "Effect",
                        "Allow",
                        "Resource",
                        Map.of("Ref", drainAlias(defaults))),
                statements.get(4));
        assertEquals(read(Map.of("Ref", redisSecret(defaults))), statements.get(1));
        assertEquals(READ_SECRET, statements.get(2).get("Action"));
        assertEquals(
                worker.getResourceId("AWS::SecretsManager::Secret"),
                Exports.refBehind(worker, statements.get(2).get("Resource")));
        assertEquals(
                List.of("lambda:InvokeFunction", "lambda:GetFunctionConfiguration"),
                statements.get(3).get("Action"));
        assertEquals(
                worker.getResourceId("AWS::Lambda::Alias"),
                Exports.refBehind(worker, statements.get(3).get("Resource")));

        List<Map<String, Object>> withOwnRedis =
                IamPolicies.statementsOfRole(publicApi, IamPolicies.roleOfFunction(publicApi, drain(publicApi)));
        assertEquals(read(REDIS_SECRET_ARN), withOwnRedis.get(1));
    }

    @Test
    void apiMayReadOnlyRedisAndItsKeyAndInvokeOnlyTheDrainAlias() {
        List<Map<String, Object>> statements =
                IamPolicies.statementsOfRole(defaults, IamPolicies.roleOfFunction(defaults, api(defaults)));
        assertEquals(
                List.of(
                        IamPolicies.writeOwnLogs(defaults, api(defaults)),
                        read(Map.of("Ref", redisSecret(defaults))),
                        Map.of(
                                "Action",
                                "lambda:InvokeFunction",
                                "Effect",
                                "Allow",
                                "Resource",
                                Map.of("Ref", drainAlias(defaults)))),
                statements);
        List<Map<String, Object>> open =
                IamPolicies.statementsOfRole(publicApi, IamPolicies.roleOfFunction(publicApi, api(publicApi)));
        assertEquals(read(Map.of("Ref", apiKeySecret(publicApi))), open.get(2), "the key of a URL open to anyone");
    }

    /** Only in the VPC: AWS's policy for the network interfaces Lambda attaches a function with. */
    @Test
    void onlyFunctionsInTheVpcHaveAManagedPolicy() {
        for (String function : List.of(api(defaults), drain(defaults))) {
            assertEquals(
                    List.of(),
                    IamPolicies.managedPoliciesOfRole(defaults, IamPolicies.roleOfFunction(defaults, function)));
        }
        Object vpcAccess = Map.of(
                "Fn::Join",
                List.of(
                        "",
                        List.of(
                                "arn:",
                                Map.of("Ref", "AWS::Partition"),
                                ":iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole")));
        for (String function : List.of(api(managed), drain(managed))) {
            assertEquals(
                    List.of(vpcAccess),
                    IamPolicies.managedPoliciesOfRole(managed, IamPolicies.roleOfFunction(managed, function)));
        }
    }

    @Test
    void noPolicyGrantsWildcards() {
        for (Template t : List.of(worker, defaults, publicApi, managed)) {
            IamPolicies.assertLeastPrivilege(t);
        }
        for (Template t : List.of(defaults, managed)) {
            IamPolicies.assertNoWildcardInActions(t, IamPolicies.roleOfFunction(t, api(t)));
            IamPolicies.assertNoWildcardInActions(t, IamPolicies.roleOfFunction(t, drain(t)));
        }
    }

    @Test
    void secretsAreAGeneratedKeyAndARedisUrlToFillIn() {
        defaults.resourceCountIs("AWS::SecretsManager::Secret", 2);
        defaults.hasResourceProperties(
                "AWS::SecretsManager::Secret", Map.of("SecretString", DispatcherStack.REDIS_URL_PLACEHOLDER));
        defaults.hasResourceProperties(
                "AWS::SecretsManager::Secret",
                Map.of("GenerateSecretString", Map.of("PasswordLength", 40, "ExcludePunctuation", true)));
        // With the operator's secret, only the API key is created.
        publicApi.resourceCountIs("AWS::SecretsManager::Secret", 1);
        publicApi.hasOutput("RedisUrlSecretArn", Map.of("Value", REDIS_SECRET_ARN));
    }

    @Test
    void elastiCacheVariantPutsBothFunctionsInTheCachesVpc() {
        defaults.resourceCountIs("AWS::ElastiCache::ServerlessCache", 0);
        defaults.resourceCountIs("AWS::EC2::VPC", 0);

        managed.resourceCountIs("AWS::ElastiCache::ServerlessCache", 1);
        managed.hasResourceProperties(
                "AWS::ElastiCache::ServerlessCache",
                Map.of(
                        "Engine",
                        "valkey",
                        "CacheUsageLimits",
                        Map.of("DataStorage", Map.of("Maximum", 5, "Unit", "GB"))));
        managed.resourceCountIs("AWS::EC2::NatGateway", 1);
        String functionsGroup = managed.getResourceId(
                "AWS::EC2::SecurityGroup",
                Map.of("Properties", Map.of("GroupDescription", "PacketFS dispatcher functions")));
        managed.resourcePropertiesCountIs(
                "AWS::Lambda::Function",
                Map.of(
                        "VpcConfig",
                        Map.of("SecurityGroupIds", List.of(Map.of("Fn::GetAtt", List.of(functionsGroup, "GroupId"))))),
                2);
        managed.hasResourceProperties(
                "AWS::EC2::SecurityGroup",
                Map.of(
                        "GroupDescription",
                        "PacketFS queue (ElastiCache Serverless)",
                        "SecurityGroupIngress",
                        List.of(Map.of(
                                "IpProtocol",
                                "tcp",
                                "FromPort",
                                6379,
                                "ToPort",
                                6380,
                                "SourceSecurityGroupId",
                                Map.of("Fn::GetAtt", List.of(functionsGroup, "GroupId")),
                                "Description",
                                Match.anyValue()))));
        managed.hasResourceProperties(
                "AWS::EC2::FlowLog",
                Map.of("ResourceType", "VPC", "TrafficType", "ALL", "LogDestinationType", "cloud-watch-logs"));
        managed.resourcePropertiesCountIs("AWS::Logs::LogGroup", Map.of("RetentionInDays", 14), 3);
        String cache = managed.getResourceId("AWS::ElastiCache::ServerlessCache");
        managed.hasResourceProperties(
                "AWS::SecretsManager::Secret",
                Map.of(
                        "SecretString",
                        Map.of(
                                "Fn::Join",
                                List.of(
                                        "",
                                        List.of(
                                                "rediss-cluster://",
                                                Map.of("Fn::GetAtt", List.of(cache, "Endpoint.Address")),
                                                ":",
                                                Map.of("Fn::GetAtt", List.of(cache, "Endpoint.Port")))))));
    }

    @Test
    void eachFunctionLogsToItsOwnGroupWithRetention() {
        defaults.resourcePropertiesCountIs("AWS::Logs::LogGroup", Map.of("RetentionInDays", 14), 2);
        for (String function : List.of(api(defaults), drain(defaults))) {
            Object logGroup = map(map(properties(defaults, function).get("LoggingConfig"))
                            .get("LogGroup"))
                    .get("Ref");
            assertTrue(
                    defaults.findResources("AWS::Logs::LogGroup").containsKey(logGroup),
                    function + " logs to " + logGroup);
        }
    }

    @Test
    void outputsNameWhatDeployAllReads() {
        for (String output : List.of(
                "DispatcherUrl",
                "DispatcherFunctionName",
                "DrainFunctionName",
                "DrainAliasArn",
                "RedisUrlSecretArn",
                "ApiKeySecretArn")) {
            defaults.hasOutput(output, Map.of("Value", Match.anyValue()));
        }
        defaults.hasOutput(
                "DispatcherUrl",
                Map.of(
                        "Value",
                        Map.of("Fn::GetAtt", List.of(defaults.getResourceId("AWS::Lambda::Url"), "FunctionUrl"))));
    }

    static final List<String> READ_SECRET = List.of("secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret");

    static Map<String, Object> read(Object resource) {
        return Map.of("Action", READ_SECRET, "Effect", "Allow", "Resource", resource);
    }

    static String api(Template t) {
        return functionDescribed(t, ".*lambda-url.*");
    }

    static String drain(Template t) {
        return functionDescribed(t, ".*lambda-drain.*");
    }

    static String functionDescribed(Template t, String pattern) {
        return t.getResourceId(
                "AWS::Lambda::Function", Map.of("Properties", Map.of("Description", Match.stringLikeRegexp(pattern))));
    }

    static String versionOf(Template t, String function) {
        return t.getResourceId(
                "AWS::Lambda::Version", Map.of("Properties", Map.of("FunctionName", Map.of("Ref", function))));
    }

    static String aliasOf(Template t, String function) {
        return t.getResourceId(
                "AWS::Lambda::Alias", Map.of("Properties", Map.of("FunctionName", Map.of("Ref", function))));
    }

    static String redisSecret(Template t) {
        return t.getResourceId(
                "AWS::SecretsManager::Secret", Map.of("Properties", Map.of("SecretString", Match.anyValue())));
    }

    static String apiKeySecret(Template t) {
        return t.getResourceId(
                "AWS::SecretsManager::Secret", Map.of("Properties", Map.of("GenerateSecretString", Match.anyValue())));
    }

    static Map<String, Object> properties(Template t, String id) {
        return map(t.findResources("AWS::Lambda::Function").get(id).get("Properties"));
    }

    static Map<String, Object> environment(Template t, String function) {
        return map(map(properties(t, function).get("Environment")).get("Variables"));
    }
}
