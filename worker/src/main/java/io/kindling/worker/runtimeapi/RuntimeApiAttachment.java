package io.kindling.worker.runtimeapi;

import java.io.Closeable;
import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.eclipse.jetty.io.EndPoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One environment's listener attached to the {@link RuntimeApiServer}: what the worker closes when the sandbox
 * goes away. Also the tag every accepted connection carries, so a request finds its {@link RuntimeApiChannel}.
 */
public final class RuntimeApiAttachment implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RuntimeApiAttachment.class);

    private final ServerSocketChannel listener;
    private final RuntimeApiChannel channel;
    private final int maxConnections;
    private final int localPort;
    private final AtomicInteger connections = new AtomicInteger();
    private final Set<EndPoint> endPoints = ConcurrentHashMap.newKeySet();
    private final Consumer<RuntimeApiAttachment> detach;
    private volatile Closeable acceptorRegistration;
    private volatile boolean closed;

    RuntimeApiAttachment(ServerSocketChannel listener, RuntimeApiChannel channel, int maxConnections,
                         Consumer<RuntimeApiAttachment> detach) {
        this.listener = listener;
        this.channel = channel;
        this.maxConnections = maxConnections;
        this.localPort = listener.socket().getLocalPort();
        this.detach = detach;
    }

    public RuntimeApiChannel channel() {
        return channel;
    }

    /** The port the listener is bound to (9001 inside a sandbox's namespace). */
    public int localPort() {
        return localPort;
    }

    /** Runtime connections open right now. */
    public int openConnections() {
        return endPoints.size();
    }

    /**
     * Closes the {@link #channel() channel} (the pending invocation fails, a parked /next is answered 500), stops
     * accepting, closes the listener and every runtime connection. Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        channel.close();
        detach.accept(this);
        closeQuietly(listener);
        // After the listener: cancelling the registration wakes the selector, which then really releases the
        // closed socket (the JDK defers that for a registered channel until the selector's next pass).
        Closeable registration = acceptorRegistration;
        if (registration != null) {
            closeQuietly(registration);
        }
        for (EndPoint endPoint : endPoints) {
            endPoint.close();
        }
    }

    public boolean isClosed() {
        return closed;
    }

    /** The runtime connections open right now (for tests and diagnostics). */
    Set<EndPoint> endPoints() {
        return Set.copyOf(endPoints);
    }

    ServerSocketChannel listener() {
        return listener;
    }

    void registeredWith(Closeable registration) {
        acceptorRegistration = registration;
    }

    /**
     * Reserves a connection slot. The runtime is untrusted code: without a cap it could open sockets until the
     * worker runs out of descriptors and memory.
     */
    boolean tryAdmitConnection() {
        if (closed) {
            return false;
        }
        if (connections.incrementAndGet() > maxConnections) {
            connections.decrementAndGet();
            return false;
        }
        return true;
    }

    /** Releases the slot of a connection that never became an endpoint. */
    void connectionFailed() {
        connections.decrementAndGet();
    }

    void endPointOpened(EndPoint endPoint) {
        endPoints.add(endPoint);
        // Pairs with close(): it sets the flag then closes what is in the set; we add then check the flag.
        if (closed) {
            endPoint.close();
        }
    }

    void endPointClosed(EndPoint endPoint) {
        if (endPoints.remove(endPoint)) {
            connections.decrementAndGet();
        }
    }

    private void closeQuietly(Closeable closeable) {
        try {
            closeable.close();
        } catch (IOException e) {
            log.debug("closing {} of environment {} failed", closeable, channel.environment(), e);
        }
    }

    @Override
    public String toString() {
        return "RuntimeApiAttachment[" + channel.environment() + ", port " + localPort + "]";
    }
}
