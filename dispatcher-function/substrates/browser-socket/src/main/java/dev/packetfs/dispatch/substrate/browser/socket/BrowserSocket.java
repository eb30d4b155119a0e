package dev.packetfs.dispatch.substrate.browser.socket;

import dev.packetfs.dispatch.substrate.browser.BrowserSubstrate;
import dev.packetfs.dispatch.substrate.browser.NodeLink;
import dev.packetfs.dispatch.substrate.browser.VolunteerSocket;
import io.quarkus.websockets.next.CloseReason;
import io.quarkus.websockets.next.OnClose;
import io.quarkus.websockets.next.OnOpen;
import io.quarkus.websockets.next.OnTextMessage;
import io.quarkus.websockets.next.WebSocket;
import io.quarkus.websockets.next.WebSocketConnection;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.inject.Inject;

/**
 * The volunteer coordinator's WebSocket, {@code /browser}: each connection is one browser node.
 * Messages are JSON text: {@code hello} and {@code result}/{@code error} from the browser,
 * {@code welcome} and {@code lease} from here (browser-runtime/README.md). Handlers run on the
 * event loop: they only parse and hand over.
 */
@WebSocket(path = "/browser")
public class BrowserSocket implements VolunteerSocket {

    @Inject
    BrowserSubstrate browsers;

    @OnOpen
    @NonBlocking
    public void open(WebSocketConnection connection) {
        browsers.join(
                connection.id(),
                new Link(connection),
                host(connection.handshakeRequest().remoteAddress()));
    }

    @OnTextMessage
    @NonBlocking
    public void message(WebSocketConnection connection, String text) {
        browsers.message(connection.id(), text);
    }

    @OnClose
    @NonBlocking
    public void close(WebSocketConnection connection) {
        browsers.leave(connection.id());
    }

    /** The address without its port: {@code 127.0.0.1:5123} → {@code 127.0.0.1}, {@code [::1]:5123} → {@code ::1}. */
    static String host(String remote) {
        if (remote == null) {
            return "unknown";
        }
        if (remote.startsWith("[")) {
            int end = remote.indexOf(']');
            return end > 0 ? remote.substring(1, end) : remote;
        }
        int colon = remote.lastIndexOf(':');
        return colon > 0 && remote.indexOf(':') == colon ? remote.substring(0, colon) : remote;
    }

    private record Link(WebSocketConnection connection) implements NodeLink {
        @Override
        public void send(String json) {
            connection
                    .sendText(json)
                    .subscribe()
                    .with(ok -> {}, error -> connection.close().subscribe().with(x -> {}, y -> {}));
        }

        @Override
        public void close(int code, String reason) {
            connection.close(new CloseReason(code, reason)).subscribe().with(ok -> {}, error -> {});
        }
    }
}
