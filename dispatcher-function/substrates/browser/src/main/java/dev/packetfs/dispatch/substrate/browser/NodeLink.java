package dev.packetfs.dispatch.substrate.browser;

/** The coordinator's line to one connected browser: the WebSocket, or a test's stand-in. */
public interface NodeLink {

    /** Sends one JSON message; a failure to send shows up as the connection closing. */
    void send(String json);

    /** Closes the connection with a WebSocket close code (1008: policy violation) and a reason. */
    void close(int code, String reason);
}
