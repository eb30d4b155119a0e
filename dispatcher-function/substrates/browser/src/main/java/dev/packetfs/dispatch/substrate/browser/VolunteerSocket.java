package dev.packetfs.dispatch.substrate.browser;

/**
 * A bean of this type is a WebSocket where volunteers join this dispatcher (browser-socket's
 * {@code /browser}, in the long-running server only). Without one, and without an edge
 * coordinator, no volunteer can ever join, and the {@code browser} substrate is not offered.
 */
public interface VolunteerSocket {}
