package dev.packetfs.infra;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.packetfs.infra.cost.CostSettings;
import dev.packetfs.infra.dispatcher.DispatcherSettings;
import dev.packetfs.infra.worker.WorkerSettings;
import io.github.cdklabs.cdknag.AwsSolutionsChecks;
import io.github.cdklabs.cdknag.NagPackProps;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import software.amazon.awscdk.App;
import software.amazon.awscdk.Aspects;
import software.amazon.awscdk.Stack;
import software.amazon.awscdk.assertions.Annotations;
import software.amazon.awscdk.assertions.Match;
import software.amazon.awscdk.cxapi.SynthesisMessage;
import software.amazon.awscdk.services.secretsmanager.Secret;

/**
 * cdk-nag's {@code AwsSolutions} pack over every stack of the app, in each variant that changes
 * what is deployed: every finding is fixed or suppressed in the stack code, next to its resource,
 * with the reason ({@link AwsSolutions}). Each variant's cloud assembly stays in
 * {@code target/cfn-templates/<variant>/}, where {@code ./scripts/test} runs cfn-lint over its
 * templates.
 */
class AwsSolutionsChecksIT {
    /** The context of each variant; together they create every kind of resource the app can. */
    enum Variant {
        DEFAULTS(Map.of()),
        ELASTICACHE(Map.of(DispatcherSettings.ELASTICACHE_KEY, "true")),
        PUBLIC_API_OWN_REDIS_ALARM_MAIL(Map.of(
                DispatcherSettings.URL_AUTH_KEY,
                "none",
                DispatcherSettings.REDIS_URL_SECRET_ARN_KEY,
                "arn:aws:secretsmanager:eu-west-1:111122223333:secret:packetfs-redis-AbCdEf",
                DispatcherSettings.FLYIO_URL_KEY,
                "https://packetfs-worker.fly.dev",
                WorkerSettings.RESERVED_CONCURRENCY_KEY,
                "none",
                CostSettings.ALARM_EMAIL_KEY,
                "ops@example.com"));

        final Map<String, Object> context;

        Variant(Map<String, Object> context) {
            this.context = context;
        }

        String directory() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    static final Path TEMPLATES = Path.of(System.getProperty("packetfs.cfnTemplates", "target/cfn-templates"));

    @TempDir
    static Path temp;

    @BeforeAll
    static void clearTemplatesOfEarlierRuns() throws IOException {
        if (Files.exists(TEMPLATES)) {
            try (Stream<Path> paths = Files.walk(TEMPLATES)) {
                paths.sorted(Comparator.reverseOrder()).forEach(AwsSolutionsChecksIT::delete);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Variant.class)
    void everyFindingIsFixedOrSuppressedWithItsReason(Variant variant) throws IOException {
        App app = App.Builder.create()
                .outdir(TEMPLATES.resolve(variant.directory()).toString())
                .context(variant.context)
                .build();
        PacketfsApp.Stacks stacks = PacketfsApp.define(
                app, TestArtifacts.placeholders(Files.createDirectories(temp.resolve(variant.directory()))));
        Aspects.of(app)
                .add(new AwsSolutionsChecks(
                        NagPackProps.builder().verbose(false).reports(false).build()));
        app.synth();

        List<String> findings = new ArrayList<>();
        for (Stack stack : List.of(stacks.worker(), stacks.dispatcher(), stacks.browserRuntime(), stacks.cost())) {
            findings.addAll(findings(stack));
        }
        assertTrue(
                findings.isEmpty(),
                () -> variant + ": cdk-nag AwsSolutions findings neither fixed nor suppressed:\n"
                        + String.join("\n", findings));
    }

    /** The checks do report: a secret with no rotation and no suppression is a finding. */
    @Test
    void anUnsuppressedFindingIsReported() {
        App app = App.Builder.create()
                .outdir(temp.resolve("unsuppressed").toString())
                .build();
        Stack stack = new Stack(app, "Unsuppressed");
        Secret.Builder.create(stack, "Plain").build();
        Aspects.of(app).add(new AwsSolutionsChecks());
        app.synth();

        List<String> findings = findings(stack);
        assertTrue(
                findings.stream().anyMatch(f -> f.contains("/Unsuppressed/Plain/Resource AwsSolutions-SMG4")),
                () -> String.join("\n", findings));
    }

    /** Each unsuppressed error and warning of the pack on {@code stack}: level, path, rule. */
    static List<String> findings(Stack stack) {
        Annotations annotations = Annotations.fromStack(stack);
        List<String> findings = new ArrayList<>();
        for (SynthesisMessage m : annotations.findError("*", Match.stringLikeRegexp("AwsSolutions-.*"))) {
            findings.add("error " + m.getId() + " " + rule(m));
        }
        for (SynthesisMessage m : annotations.findWarning("*", Match.stringLikeRegexp("AwsSolutions-.*"))) {
            findings.add("warning " + m.getId() + " " + rule(m));
        }
        return findings;
    }

    /** "AwsSolutions-IAM4[Policy::…]" of "AwsSolutions-IAM4[Policy::…]: The IAM user, role…". */
    private static String rule(SynthesisMessage message) {
        String text = String.valueOf(message.getEntry().getData());
        int end = text.indexOf(": ");
        return end < 0 ? text : text.substring(0, end);
    }

    private static void delete(Path path) {
        try {
            Files.delete(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
