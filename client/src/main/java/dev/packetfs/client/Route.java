package dev.packetfs.client;

import java.util.List;

/**
 * The routes of the dispatcher's API this client calls (docs/openapi.yaml), each with the statuses
 * that answer it successfully and the query parameter it may carry. {@link PacketfsClient} builds
 * every request it sends from one of these; {@code OpenApiAgreementTest} holds them to the
 * document.
 */
enum Route {
    SUBMIT("POST", "/jobs", List.of(202), null),
    JOB("GET", "/jobs/{id}", List.of(200), null),
    CANCEL("DELETE", "/jobs/{id}", List.of(202), null),
    /** {@code 200} with the result; {@code 202} with the job's state while it has none. */
    RESULT("GET", "/results/{id}", List.of(200, 202), null),
    METRICS("GET", "/metrics", List.of(200), "range"),
    HEALTH("GET", "/health", List.of(200), null),
    DEAD_LETTERS("GET", "/dead-letters", List.of(200), "limit"),
    REQUEUE("POST", "/dead-letters/{id}/requeue", List.of(202), null);

    private static final String ID = "{id}";

    final String method;
    /** As the document names it, {@code {id}} for the one path parameter. */
    final String template;

    final List<Integer> successes;
    /** The one query parameter the route takes, or null. */
    final String query;

    Route(String method, String template, List<Integer> successes, String query) {
        this.method = method;
        this.template = template;
        this.successes = successes;
        this.query = query;
    }

    /** The path of a route without parameters. */
    String path() {
        if (template.contains(ID)) {
            throw new IllegalStateException(template + " takes an id");
        }
        return template;
    }

    /** The path with {@code id} as its one segment, percent-encoded. */
    String path(String id) {
        if (!template.contains(ID)) {
            throw new IllegalStateException(template + " takes no id");
        }
        return template.replace(ID, DispatcherHttp.segment(id));
    }

    /** The path with the route's query parameter set to {@code value}, percent-encoded. */
    String withQuery(String value) {
        if (query == null) {
            throw new IllegalStateException(template + " takes no query");
        }
        return path() + "?" + query + "=" + DispatcherHttp.segment(value);
    }
}
