package io.kindling.worker.runtimeapi;

import java.io.IOException;
import java.nio.channels.ServerSocketChannel;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lambda Runtime API for every execution environment on this worker: one Jetty {@link Server} with one
 * connector, to which each sandbox {@link #attach attaches} the listening socket it bound inside its own network
 * namespace. A request is served by the {@link RuntimeApiChannel} of the listener its connection came from, so
 * environments never see each other's invocations even though every one of them listens on 127.0.0.1:9001.
 *
 * <p>Threads: one platform selector thread (by default) accepts and watches every runtime connection; each request
 * runs on its own virtual thread. An environment costs one registered socket plus one parked virtual thread while
 * its runtime waits in {@code GET /next}. Connections never time out.
 */
public final class RuntimeApiServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(RuntimeApiServer.class);

    /**
     * @param selectorThreads platform threads doing socket readiness for all environments; 1 keeps up with
     *     thousands of mostly idle runtimes
     * @param maxConnectionsPerEnvironment runtime connections one environment may hold open; more are closed on
     *     accept. Runtimes use one (or one per request, closed after it); extensions will add one each.
     */
    public record Settings(int selectorThreads, int maxConnectionsPerEnvironment) {
        public Settings {
            if (selectorThreads < 1) {
                throw new IllegalArgumentException("selectorThreads must be at least 1, was " + selectorThreads);
            }
            if (maxConnectionsPerEnvironment < 1) {
                throw new IllegalArgumentException("maxConnectionsPerEnvironment must be at least 1, was "
                        + maxConnectionsPerEnvironment);
            }
        }

        public static Settings defaults() {
            return new Settings(1, 16);
        }
    }

    private final Server jetty;
    private final RuntimeApiConnector connector;
    private final Settings settings;
    private final Set<RuntimeApiAttachment> attachments = ConcurrentHashMap.newKeySet();

    private RuntimeApiServer(Server jetty, RuntimeApiConnector connector, Settings settings) {
        this.jetty = jetty;
        this.connector = connector;
        this.settings = settings;
    }

    public static RuntimeApiServer start() throws Exception {
        return start(Settings.defaults());
    }

    public static RuntimeApiServer start(Settings settings) throws Exception {
        Objects.requireNonNull(settings, "settings");
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("runtime-api");
        pool.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("runtime-api-", 0).factory()));
        Server jetty = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        // The /next headers carry client context and Cognito JSON; Jetty's default 8 KiB for all response headers
        // is close to what a full client context (3,583 bytes of base64 at the frontend) plus the rest needs.
        http.setResponseHeaderSize(16 * 1024);
        RuntimeApiConnector connector = new RuntimeApiConnector(jetty, settings.selectorThreads(), new HttpConnectionFactory(http));
        jetty.addConnector(connector);
        jetty.setHandler(new RuntimeApiHandler());
        jetty.start();
        return new RuntimeApiServer(jetty, connector, settings);
    }

    /**
     * Serves {@code channel}'s Runtime API on {@code boundListener} from now on. The listener must already be bound
     * (inside the sandbox's namespace: a socket stays in the namespace it was created in, whichever thread uses it
     * later); it is switched to non-blocking mode and belongs to the returned attachment, which closes it.
     *
     * @throws IllegalArgumentException if the listener is not bound
     * @throws IOException if it cannot be switched to non-blocking mode
     */
    public RuntimeApiAttachment attach(ServerSocketChannel boundListener, RuntimeApiChannel channel) throws IOException {
        Objects.requireNonNull(boundListener, "boundListener");
        Objects.requireNonNull(channel, "channel");
        if (boundListener.getLocalAddress() == null) {
            throw new IllegalArgumentException("the listener for environment " + channel.environment() + " is not bound");
        }
        RuntimeApiAttachment attachment = new RuntimeApiAttachment(boundListener, channel,
                settings.maxConnectionsPerEnvironment(), this::detach);
        attachments.add(attachment);
        try {
            connector.register(attachment);
        } catch (IOException | RuntimeException e) {
            attachments.remove(attachment);
            connector.unregister(attachment);
            throw e;
        }
        log.debug("attached {}", attachment);
        return attachment;
    }

    private void detach(RuntimeApiAttachment attachment) {
        connector.unregister(attachment);
        attachments.remove(attachment);
        log.debug("detached {}", attachment);
    }

    /** Environments attached right now. */
    public List<RuntimeApiAttachment> attachments() {
        return List.copyOf(attachments);
    }

    /** Closes every attachment (failing whatever their channels have pending), then stops Jetty. */
    @Override
    public void close() throws Exception {
        for (RuntimeApiAttachment attachment : List.copyOf(attachments)) {
            attachment.close();
        }
        jetty.stop();
    }
}
