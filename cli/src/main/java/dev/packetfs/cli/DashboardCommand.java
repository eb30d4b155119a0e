package dev.packetfs.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code pfs dashboard}: a dispatcher's dashboard in a browser, whatever guards the dispatcher.
 * Served on 127.0.0.1 through {@link DashboardProxy}, which signs each request (SigV4, for an
 * IAM function URL) or adds the API key; runs until Ctrl-C.
 */
@Command(
        name = "pfs dashboard",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "Serve a dispatcher's dashboard on 127.0.0.1, each request signed (SigV4) or with the API key; until Ctrl-C.")
final class DashboardCommand implements Callable<Integer> {

    @Mixin
    DispatcherOptions dispatcher;

    @Option(
            names = "--port",
            paramLabel = "N",
            defaultValue = "0",
            description = "the local port (default: a free one)")
    int port;

    private final PrintWriter out;
    private final PrintWriter err;

    DashboardCommand(PrintWriter out, PrintWriter err) {
        this.out = out;
        this.err = err;
    }

    @Override
    public Integer call() throws Exception {
        if (port < 0 || port > 65535) {
            throw new Pfs.CliException(Pfs.BAD_ARGUMENT, "--port is 0..65535, got " + port);
        }
        DashboardProxy proxy;
        try {
            proxy = new DashboardProxy(dispatcher.client(), port, err);
        } catch (IOException e) {
            throw new Pfs.CliException(Pfs.UNREACHABLE, "cannot listen on 127.0.0.1:" + port + ": " + e.getMessage());
        }
        try (proxy) {
            out.println("dashboard: " + proxy.url() + "dashboard");
            out.flush();
            new CountDownLatch(1).await(); // Ctrl-C ends the JVM (130)
            return 0;
        }
    }
}
