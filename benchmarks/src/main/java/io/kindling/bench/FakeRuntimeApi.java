package io.kindling.bench;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The cold-start baseline's Runtime API: a bare Jetty on loopback that hands ONE event to the first
 * {@code GET .../invocation/next}, takes its {@code POST .../response}, and answers any further {@code /next} with
 * 500 so the runtime exits (both runtimes give up on an error status). It does nothing else: no sandbox, no pool, no
 * frontend. Jetty is set up like Kindling's Runtime API server (virtual threads behind a QueuedThreadPool), so the
 * difference to a Kindling cold start is what Kindling does around the runtime.
 */
final class FakeRuntimeApi implements AutoCloseable {
    private static final String PREFIX = "/2018-06-01/runtime/invocation/";

    /** What the runtime posted and when it had arrived (System.nanoTime, after the body was read). */
    record Posted(long nanos, byte[] body) {}

    private final Server jetty;
    private final ServerConnector connector;
    private final Object lock = new Object();
    /** Guarded by {@link #lock}. */
    private Turn turn;

    private record Turn(String requestId, byte[] event, CompletableFuture<Posted> answer, AtomicBoolean delivered) {}

    FakeRuntimeApi() throws Exception {
        jetty = loopbackJetty("fake-runtime-api", new ApiHandler(), 0);
        connector = (ServerConnector) jetty.getConnectors()[0];
    }

    /**
     * A started Jetty on an ephemeral loopback port, virtual threads, no Server or Date header: what a fake Runtime
     * API needs. {@code acceptQueue} 0 keeps Jetty's default backlog.
     */
    static Server loopbackJetty(String name, Handler handler, int acceptQueue) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName(name);
        pool.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name(name + "-", 0).factory()));
        Server jetty = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendDateHeader(false);
        ServerConnector connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        if (acceptQueue > 0) {
            connector.setAcceptQueueSize(acceptQueue);
        }
        jetty.addConnector(connector);
        jetty.setHandler(handler);
        jetty.start();
        return jetty;
    }

    /** {@code host:port}, the value of {@code AWS_LAMBDA_RUNTIME_API}. */
    String address() {
        return "127.0.0.1:" + connector.getLocalPort();
    }

    /** Arms the next runtime's one event; the future completes when its response has arrived. */
    CompletableFuture<Posted> expect(String requestId, byte[] event) {
        CompletableFuture<Posted> answer = new CompletableFuture<>();
        synchronized (lock) {
            turn = new Turn(requestId, event, answer, new AtomicBoolean());
        }
        return answer;
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
    }

    private final class ApiHandler extends Handler.Abstract {
        ApiHandler() {
            super(InvocationType.BLOCKING);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            byte[] body;
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = in.readAllBytes();
            }
            long arrived = System.nanoTime();
            String path = request.getHttpURI().getPath();
            Turn current;
            synchronized (lock) {
                current = turn;
            }
            if (current == null) {
                send(response, callback, 500, "{\"errorType\":\"NoEvent\"}".getBytes(StandardCharsets.US_ASCII));
            } else if (request.getMethod().equals("GET") && path.equals(PREFIX + "next")) {
                if (current.delivered().compareAndSet(false, true)) {
                    response.getHeaders().put("Lambda-Runtime-Aws-Request-Id", current.requestId());
                    response.getHeaders().put("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 30_000));
                    response.getHeaders().put("Lambda-Runtime-Invoked-Function-Arn",
                            "arn:aws:lambda:us-east-1:123456789012:function:bare");
                    response.getHeaders().put("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000");
                    send(response, callback, 200, current.event());
                } else {
                    send(response, callback, 500, "{\"errorType\":\"Done\"}".getBytes(StandardCharsets.US_ASCII));
                }
            } else if (request.getMethod().equals("POST") && path.equals(PREFIX + current.requestId() + "/response")) {
                current.answer().complete(new Posted(arrived, body));
                send(response, callback, 202, "{\"status\":\"OK\"}".getBytes(StandardCharsets.US_ASCII));
            } else {
                current.answer().completeExceptionally(new IllegalStateException("the runtime sent " + request.getMethod()
                        + " " + path + ": " + new String(body, StandardCharsets.UTF_8)));
                send(response, callback, 404, "{}".getBytes(StandardCharsets.US_ASCII));
            }
            return true;
        }

        private static void send(Response response, Callback callback, int status, byte[] body) {
            response.setStatus(status);
            response.getHeaders().put("Content-Type", "application/json");
            response.getHeaders().put("Content-Length", Integer.toString(body.length));
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }
}
