package io.kindling.worker.runtimeapi;

import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.SelectableChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ManagedSelector;
import org.eclipse.jetty.io.SelectorManager;
import org.eclipse.jetty.io.SocketChannelEndPoint;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.IO;
import org.eclipse.jetty.util.thread.Scheduler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ONE Jetty connector for every environment's Runtime API. Each environment brings a listening socket that was
 * bound inside its own network namespace (all at 127.0.0.1:9001, so addresses cannot tell them apart); the
 * connector registers it with its shared selector for non-blocking accepts and tags every accepted connection
 * with the environment's {@link RuntimeApiAttachment}, which {@link RuntimeApiHandler} reads back from the
 * {@link TaggedEndPoint}.
 *
 * <p>Why not a {@code ServerConnector} per environment: each one brings its own selector thread, {@code Selector}
 * and thread-pool lease, so thousands of sandboxes would cost thousands of platform threads. Here the cost of an
 * environment is one registered socket; no thread is spent per environment or per idle connection.
 *
 * <p>Threads: the selector runs on one platform thread of the server's pool and does accepts and I/O readiness
 * for every environment; requests are handled on virtual threads.
 */
final class RuntimeApiConnector extends AbstractConnector {
    private static final Logger log = LoggerFactory.getLogger(RuntimeApiConnector.class);

    private final Map<SelectableChannel, RuntimeApiAttachment> byListener = new ConcurrentHashMap<>();
    private final Selectors selectors;

    RuntimeApiConnector(Server server, int selectorThreads, ConnectionFactory http) {
        // No acceptor threads: the selector accepts, so nothing blocks in accept() per environment.
        super(server, null, null, null, 0, http);
        selectors = new Selectors(getExecutor(), getScheduler(), selectorThreads);
        installBean(selectors, true);
        // Never time out a connection: the runtime parks in GET /next for as long as the environment lives, and
        // Lambda may freeze the process while it waits.
        setIdleTimeout(0);
        setName("runtime-api");
    }

    /** Starts accepting runtime connections on {@code listener} for {@code attachment}. */
    void register(RuntimeApiAttachment attachment) throws IOException {
        if (!isStarted()) {
            // Before start the selectors do not exist and SelectorManager.acceptor() would silently do nothing.
            throw new IllegalStateException("the Runtime API server is not running");
        }
        ServerSocketChannel listener = attachment.listener();
        listener.configureBlocking(false);
        byListener.put(listener, attachment);
        attachment.registeredWith(selectors.acceptor(listener));
    }

    void unregister(RuntimeApiAttachment attachment) {
        byListener.remove(attachment.listener(), attachment);
    }

    @Override
    protected void accept(int acceptorId) {
        throw new UnsupportedOperationException("this connector has no acceptor threads");
    }

    /** There is no single transport: each environment has its own listener. */
    @Override
    public Object getTransport() {
        return null;
    }

    /** A connection's endpoint, carrying the environment it was accepted for. */
    static final class TaggedEndPoint extends SocketChannelEndPoint {
        private final RuntimeApiAttachment attachment;

        TaggedEndPoint(SocketChannel channel, ManagedSelector selector, SelectionKey key, Scheduler scheduler,
                       RuntimeApiAttachment attachment) {
            super(channel, selector, key, scheduler);
            this.attachment = attachment;
        }

        RuntimeApiAttachment attachment() {
            return attachment;
        }
    }

    private final class Selectors extends SelectorManager {
        Selectors(Executor executor, Scheduler scheduler, int selectors) {
            super(executor, scheduler, selectors);
        }

        /**
         * Called on the selector thread when a listener is ready. Accepts everything pending itself and registers
         * each connection with the environment as its attachment; returns null so the default path (which would
         * lose track of the listener) never runs.
         */
        @Override
        protected SelectableChannel doAccept(SelectableChannel server) throws IOException {
            RuntimeApiAttachment attachment = byListener.get(server);
            while (true) {
                SocketChannel socket;
                try {
                    socket = ((ServerSocketChannel) server).accept();
                } catch (ClosedChannelException e) {
                    return null; // detached while a connection was pending
                }
                if (socket == null) {
                    return null;
                }
                if (attachment == null || !attachment.tryAdmitConnection()) {
                    log.warn("refused a Runtime API connection for {}: {}", attachment == null ? server : attachment,
                            attachment == null ? "not attached" : "too many connections");
                    IO.close(socket);
                    continue;
                }
                try {
                    socket.configureBlocking(false);
                    socket.setOption(StandardSocketOptions.TCP_NODELAY, true);
                } catch (IOException e) {
                    attachment.connectionFailed();
                    IO.close(socket);
                    continue;
                }
                accept(socket, attachment);
            }
        }

        @Override
        protected EndPoint newEndPoint(SelectableChannel channel, ManagedSelector selector, SelectionKey key) {
            // The key's attachment is what doAccept passed to accept(); Jetty replaces it with the endpoint later.
            TaggedEndPoint endPoint = new TaggedEndPoint((SocketChannel) channel, selector, key, getScheduler(),
                    (RuntimeApiAttachment) key.attachment());
            endPoint.setIdleTimeout(getIdleTimeout());
            return endPoint;
        }

        @Override
        public Connection newConnection(SelectableChannel channel, EndPoint endPoint, Object attachment) {
            return getDefaultConnectionFactory().newConnection(RuntimeApiConnector.this, endPoint);
        }

        @Override
        protected void endPointOpened(EndPoint endPoint) {
            super.endPointOpened(endPoint);
            onEndPointOpened(endPoint);
            ((TaggedEndPoint) endPoint).attachment().endPointOpened(endPoint);
        }

        @Override
        protected void endPointClosed(EndPoint endPoint) {
            ((TaggedEndPoint) endPoint).attachment().endPointClosed(endPoint);
            onEndPointClosed(endPoint);
            super.endPointClosed(endPoint);
        }

        @Override
        protected void onAcceptFailed(SelectableChannel channel, Throwable cause, Object attachment) {
            if (attachment instanceof RuntimeApiAttachment environment) {
                environment.connectionFailed();
            }
            super.onAcceptFailed(channel, cause, attachment);
        }
    }
}
