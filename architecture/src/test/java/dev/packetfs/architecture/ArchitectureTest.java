package dev.packetfs.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The dependency rules of the whole repository, checked on the compiled classes of every Java
 * module (this module depends on all of them, so the reactor builds it last): the kernel stands alone, the worker protocol
 * knows only the kernel, the client speaks only the HTTP API, the dispatch core knows no cloud SDK and no framework and only its Redis
 * package knows Lettuce, adapters do not reach into each other, and a {@code *Test} starts no
 * process and no server (those are {@code *IT}). The Redis backend is a module of its own, and the
 * core module holds no Redis code and knows no Redis client.
 */
class ArchitectureTest {
    private static final List<String> MODULES = List.of(
            "kernel",
            "worker-protocol",
            "aws-secrets",
            "lambda-local",
            "client",
            "cli",
            "dispatcher-function/core",
            "dispatcher-function/queue-redis",
            "dispatcher-function/runtime",
            "dispatcher-function/substrates/worker-http",
            "dispatcher-function/substrates/local",
            "dispatcher-function/substrates/lambda",
            "dispatcher-function/substrates/flyio",
            "dispatcher-function/substrates/cloudflare",
            "dispatcher-function/substrates/cloudrun",
            "dispatcher-function/substrates/browser",
            "dispatcher-function/substrates/browser-socket",
            "dispatcher-function/api",
            "dispatcher-function/server",
            "dispatcher-function/lambda-url",
            "dispatcher-function/lambda-drain",
            "worker-flyio",
            "worker-lambda");
    private static final String[] CORE = {
        "dev.packetfs.dispatch.engine..",
        "dev.packetfs.dispatch.job..",
        "dev.packetfs.dispatch.ledger..",
        "dev.packetfs.dispatch.queue..",
        "dev.packetfs.dispatch.select..",
        "dev.packetfs.dispatch.fanout..",
        "dev.packetfs.dispatch.substrate"
    };
    /** One package per substrate module; the worker protocol client is what the HTTP ones share. */
    private static final List<String> ADAPTERS = List.of(
            "dev.packetfs.dispatch.substrate.lambda..",
            "dev.packetfs.dispatch.substrate.flyio..",
            "dev.packetfs.dispatch.substrate.cloudflare..",
            "dev.packetfs.dispatch.substrate.cloudrun..",
            "dev.packetfs.dispatch.substrate.local..",
            "dev.packetfs.dispatch.substrate.browser..");

    /** Surefire runs in this module's folder, one below the repository root. */
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();

    /**
     * The modules whose main code only tests use: not held to the rules of the product's code, but
     * what a test's rules follow it into.
     */
    private static final List<String> TEST_SUPPORT = List.of("testing", "dispatcher-function/contracts");

    private static final JavaClasses MAIN = importEvery(outputs(MODULES, "target/classes"));
    private static final JavaClasses TESTS = importEvery(
            Stream.concat(outputs(MODULES, "target/test-classes"), outputs(TEST_SUPPORT, "target/classes")));

    private static Stream<Path> outputs(List<String> modules, String output) {
        return modules.stream().map(module -> ROOT.resolve(module).resolve(output));
    }

    private static JavaClasses importEvery(Stream<Path> outputs) {
        return new ClassFileImporter()
                .importPaths(outputs.filter(Files::isDirectory).toList());
    }

    @Test
    void everyModuleWasImported() {
        for (String module :
                Stream.concat(MODULES.stream(), TEST_SUPPORT.stream()).toList()) {
            assertTrue(
                    Files.isDirectory(ROOT.resolve(module).resolve("target/classes")),
                    module + " is not built: run the whole build (mvn verify from the root)");
        }
        assertTrue(
                MAIN.containPackage("dev.packetfs.kernel") && MAIN.containPackage("dev.packetfs.dispatch.queue.redis"));
    }

    @Test
    void theKernelUsesNothingElseOfTheProject() {
        classes()
                .that()
                .resideInAPackage("dev.packetfs.kernel..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("dev.packetfs.kernel..", "java..", "com.fasterxml.jackson..")
                .check(MAIN);
    }

    @Test
    void theSecretsReaderKnowsNothingElseOfTheProject() {
        classes()
                .that()
                .resideInAPackage("dev.packetfs.secrets..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage("dev.packetfs.secrets..", "java..", "software.amazon.awssdk..")
                .check(MAIN);
    }

    @Test
    void theWorkerProtocolKnowsOnlyTheKernel() {
        noClasses()
                .that()
                .resideInAPackage("dev.packetfs.protocol..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.packetfs.dispatch..",
                        "dev.packetfs.cli..",
                        "dev.packetfs.worker..",
                        "io.quarkus..",
                        "jakarta..")
                .check(MAIN);
    }

    /** The client is for anyone's program: it knows the API's JSON, not the dispatcher's classes. */
    @Test
    void theClientKnowsOnlyTheHttpApi() {
        classes()
                .that()
                .resideInAPackage("dev.packetfs.client..")
                .should()
                .onlyDependOnClassesThat()
                .resideInAnyPackage(
                        "dev.packetfs.client..", "java..", "com.fasterxml.jackson..", "software.amazon.awssdk..")
                .check(MAIN);
    }

    @Test
    void theDispatchCoreUsesNoCloudSdkAndNoFramework() {
        noClasses()
                .that()
                .resideInAnyPackage(CORE)
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "software.amazon..",
                        "com.amazonaws..",
                        "io.quarkus..",
                        "io.vertx..",
                        "io.smallrye..",
                        "jakarta..",
                        "org.jboss..")
                .check(MAIN);
    }

    @Test
    void onlyTheRedisQueueKnowsLettuce() {
        noClasses()
                .that()
                .resideOutsideOfPackage("dev.packetfs.dispatch.queue.redis..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("io.lettuce..")
                .check(MAIN);
        noClasses()
                .that()
                .resideInAPackage("dev.packetfs.dispatch.api..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.packetfs.dispatch.queue.redis..")
                .check(MAIN);
    }

    /**
     * Fan-out is one package: the rules (written once), the planner and the coordinator. It uses
     * the queue's ports, never a backend, and the dispatch loop uses it, not the other way round.
     */
    @Test
    void fanOutKnowsTheQueuePortsNotItsBackendsNorTheEngine() {
        noClasses()
                .that()
                .resideInAPackage("dev.packetfs.dispatch.fanout..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "dev.packetfs.dispatch.queue.memory..",
                        "dev.packetfs.dispatch.queue.redis..",
                        "dev.packetfs.dispatch.engine..",
                        "dev.packetfs.dispatch.api..",
                        "dev.packetfs.dispatch.runtime..")
                .check(MAIN);
        noClasses()
                .that()
                .resideOutsideOfPackages("dev.packetfs.dispatch.fanout..", "dev.packetfs.dispatch.queue.memory..")
                .should()
                .dependOnClassesThat()
                .haveFullyQualifiedName("dev.packetfs.dispatch.fanout.FanOutRules")
                .check(MAIN);
    }

    /** The core module alone: the queue's ports and its in-memory backend, and nothing of Redis. */
    @Test
    void theCoreModuleHoldsNoRedisCode() {
        JavaClasses core = new ClassFileImporter().importPath(ROOT.resolve("dispatcher-function/core/target/classes"));
        assertTrue(core.containPackage("dev.packetfs.dispatch.queue.memory"), "the core module was imported");
        noClasses()
                .should()
                .resideInAPackage("dev.packetfs.dispatch.queue.redis..")
                .orShould()
                .dependOnClassesThat()
                .resideInAnyPackage("io.lettuce..", "io.netty..", "redis.clients..", "org.redisson..")
                .check(core);
    }

    @Test
    void theCoreAndTheRuntimeKnowNoAdapterAndAdaptersDoNotReachIntoEachOther() {
        for (String adapter : ADAPTERS) {
            noClasses()
                    .that()
                    .resideInAnyPackage(CORE)
                    .or()
                    .resideInAnyPackage(
                            "dev.packetfs.dispatch.runtime..",
                            "dev.packetfs.dispatch.api..",
                            "dev.packetfs.dispatch.substrate.worker..")
                    .should()
                    .dependOnClassesThat()
                    .resideInAPackage(adapter)
                    .check(MAIN);
            String[] others = ADAPTERS.stream().filter(a -> !a.equals(adapter)).toArray(String[]::new);
            noClasses()
                    .that()
                    .resideInAPackage(adapter)
                    .should()
                    .dependOnClassesThat()
                    .resideInAnyPackage(others)
                    .check(MAIN);
        }
    }

    /**
     * A substrate's adapter is plain Java, testable without a container; its module's wiring (the
     * {@code SubstrateModule} bean, the config mapping) is what knows CDI and the runtime. The
     * browser coordinator's WebSocket endpoint and page resource are that module's framework side.
     */
    @Test
    void adaptersArePlainJavaAndOnlyTheirModulesWiring() {
        noClasses()
                .that()
                .implement("dev.packetfs.dispatch.substrate.SubstrateAdapter")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage(
                        "io.quarkus..", "io.vertx..", "io.smallrye..", "jakarta..", "dev.packetfs.dispatch.runtime..")
                .check(MAIN);
        noClasses()
                .that()
                .resideInAPackage("dev.packetfs.dispatch.substrate.worker..")
                .should()
                .dependOnClassesThat()
                .resideInAnyPackage("io.quarkus..", "io.smallrye..", "jakarta..", "dev.packetfs.dispatch.runtime..")
                .check(MAIN);
        classes()
                .that()
                .implement("dev.packetfs.dispatch.runtime.SubstrateModule")
                .should()
                .resideInAnyPackage(ADAPTERS.toArray(String[]::new))
                .check(MAIN);
    }

    @Test
    void workersAndTheCliKnowNoDispatcherClass() {
        noClasses()
                .that()
                .resideInAnyPackage("dev.packetfs.worker..", "dev.packetfs.cli..")
                .should()
                .dependOnClassesThat()
                .resideInAPackage("dev.packetfs.dispatch..")
                .check(MAIN);
    }

    /**
     * Main code names a class by its import, not inline by its package ({@code java.util.List}
     * in a method): the imports then list everything a file uses. The exception is a name two
     * packages share in one file (LambdaWorker's {@code org.crac.Context} beside Lambda's).
     */
    @Test
    void mainCodeNamesClassesByTheirImports() throws IOException {
        Pattern inline = Pattern.compile(
                "(?<![\\w.\"])((?:java|javax|jakarta|dev|io|com|org|software)(?:\\.[a-z][a-z0-9_]*)+)\\.([A-Z]\\w*)");
        Pattern imported = Pattern.compile("^import ([\\w.]+)\\.(\\w+);", Pattern.MULTILINE);
        List<String> found = new ArrayList<>();
        List<Path> sources;
        try (Stream<Path> walk = Files.walk(ROOT)) {
            sources = walk.filter(f -> f.toString().endsWith(".java")
                            && f.toString().contains("/src/main/java/")
                            && !f.toString().contains("/node_modules/")
                            && !f.toString().contains("/target/"))
                    .toList();
        }
        for (Path file : sources) {
            String text = Files.readString(file);
            Map<String, String> imports = new HashMap<>();
            Matcher m = imported.matcher(text);
            while (m.find()) {
                imports.put(m.group(2), m.group(1));
            }
            boolean inComment = false;
            int n = 0;
            for (String line : text.split("\n")) {
                n++;
                String code = line.strip();
                if (code.startsWith("/*")) {
                    inComment = true;
                }
                if (inComment
                        || code.startsWith("*")
                        || code.startsWith("//")
                        || code.startsWith("import ")
                        || code.startsWith("package ")) {
                    inComment &= !code.contains("*/");
                    continue;
                }
                Matcher fqn = inline.matcher(code.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\""));
                while (fqn.find()) {
                    String clash = imports.get(fqn.group(2));
                    if (clash == null || clash.equals(fqn.group(1))) {
                        found.add(ROOT.relativize(file) + ":" + n + ": " + fqn.group());
                    }
                }
            }
        }
        assertTrue(sources.size() > 100, "the main sources were found");
        assertTrue(found.isEmpty(), "import these instead of naming them inline:\n" + String.join("\n", found));
    }

    /** A unit test runs in seconds on any machine: whatever starts a process or listens on a port is an *IT. */
    @Test
    void aTestStartsNoProcessAndNoServer() {
        noClasses()
                .that()
                .haveSimpleNameEndingWith("Test")
                .and()
                .resideOutsideOfPackage("..jmh_generated..") // JMH's, not JUnit's
                .and()
                .doNotBelongToAnyOf(ArchitectureTest.class) // names them only
                .should()
                .transitivelyDependOnClassesThat()
                .belongToAnyOf(
                        ProcessBuilder.class,
                        ServerSocket.class,
                        ServerSocketChannel.class,
                        com.sun.net.httpserver.HttpServer.class)
                .orShould()
                .beAnnotatedWith("io.quarkus.test.junit.QuarkusTest")
                .check(TESTS);
        assertTrue(
                Stream.of("KernelVectorsTest", "SettlementPolicyTest", "BrowserSubstrateTest", "LocalSubstrateTest")
                        .allMatch(name ->
                                TESTS.stream().anyMatch(c -> c.getSimpleName().equals(name))),
                "the unit tests were imported");
    }
}
