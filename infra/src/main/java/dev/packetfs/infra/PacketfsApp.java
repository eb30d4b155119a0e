package dev.packetfs.infra;

import dev.packetfs.infra.browser.BrowserRuntimeStack;
import dev.packetfs.infra.cost.CostStack;
import dev.packetfs.infra.dispatcher.DispatcherStack;
import dev.packetfs.infra.worker.WorkerStack;
import java.net.URISyntaxException;
import java.nio.file.Path;
import software.amazon.awscdk.App;
import software.amazon.awscdk.CrossStackReferences;
import software.amazon.awscdk.Environment;
import software.amazon.awscdk.ReferenceStrength;
import software.amazon.awscdk.StackProps;
import software.amazon.awscdk.Tags;

/**
 * The CDK app: four stacks, configured by {@code packetfs:*} context values (infra/README.md).
 * Synthesizing needs no AWS account: no stack looks anything up.
 */
public final class PacketfsApp {
    public static final String WORKER = "PacketfsWorker";
    public static final String DISPATCHER = "PacketfsDispatcher";
    public static final String BROWSER_RUNTIME = "PacketfsBrowserRuntime";
    public static final String COST = "PacketfsCost";

    /** The stacks of one app. */
    public record Stacks(
            WorkerStack worker, DispatcherStack dispatcher, BrowserRuntimeStack browserRuntime, CostStack cost) {}

    private PacketfsApp() {}

    public static void main(String[] args) {
        Path root = repositoryRoot();
        // The CDK CLI names the output directory; run alone, the app writes where the CLI would.
        String outdir = System.getenv("CDK_OUTDIR") != null
                ? System.getenv("CDK_OUTDIR")
                : root.resolve("infra/cdk.out").toString();
        App app = App.Builder.create().outdir(outdir).build();
        try {
            define(app, Artifacts.inRepository(root));
        } catch (IllegalArgumentException | IllegalStateException e) {
            System.err.println("packetfs-infra: " + e.getMessage());
            System.exit(2);
        }
        app.synth();
    }

    /** Adds every stack to {@code app}, configured from its context. */
    public static Stacks define(App app, Artifacts artifacts) {
        Settings settings = Settings.from(new ContextValues(key -> app.getNode().tryGetContext(key)));
        // Exports and imports: CloudFormation refuses to delete the worker while the dispatcher and
        // the alarms still use it, rather than leaving them pointing at nothing.
        CrossStackReferences.of(app).consume(ReferenceStrength.STRONG);
        StackProps.Builder props = StackProps.builder();
        if (settings.account().isPresent() || settings.region().isPresent()) {
            props.env(Environment.builder()
                    .account(settings.account().orElse(null))
                    .region(settings.region().orElse(null))
                    .build());
        }
        WorkerStack worker = new WorkerStack(
                app,
                WORKER,
                props.description("PacketFS: the Lambda worker, its alias live, URL and token")
                        .build(),
                settings.worker(),
                artifacts.worker());
        DispatcherStack dispatcher = new DispatcherStack(
                app,
                DISPATCHER,
                props.description("PacketFS: the dispatcher's HTTP API and scheduled drain on Lambda")
                        .build(),
                settings.dispatcher(),
                new DispatcherStack.Code(artifacts.api(), artifacts.drain()),
                worker);
        BrowserRuntimeStack browserRuntime = new BrowserRuntimeStack(
                app,
                BROWSER_RUNTIME,
                props.description("PacketFS: the volunteer browser runtime on S3 and CloudFront")
                        .build(),
                artifacts.browserSite(),
                settings.dispatcher().cloudflareUrl());
        CostStack cost = new CostStack(
                app,
                COST,
                props.description("PacketFS: per-provider cost dashboard and alarms")
                        .build(),
                settings.cost(),
                worker);
        // For Cost Explorer and the billing console: activate "project" as a cost allocation tag.
        Tags.of(app).add("project", "packetfs");
        return new Stacks(worker, dispatcher, browserRuntime, cost);
    }

    /** The repository holding this class: infra/target/classes or infra/target/packetfs-infra.jar, three levels down. */
    static Path repositoryRoot() {
        try {
            Path location = Path.of(PacketfsApp.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            return location.getParent().getParent().getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the repository from " + PacketfsApp.class, e);
        }
    }
}
