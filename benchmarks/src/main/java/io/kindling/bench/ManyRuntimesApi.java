package io.kindling.bench;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;

/**
 * The density figures' bare Runtime API, for many runtimes at once (unlike {@link FakeRuntimeApi}, which serves one
 * cold start at a time): every {@code GET .../invocation/next} gets the same event under a new request id, and every
 * {@code POST .../<id>/response} is counted and answered 202. With {@code holdAfter} set, the {@code /next} calls
 * after that many events are held open until {@link #close}, as a warm Runtime API holds an idle runtime's
 * {@code /next}: the runtime stays alive and idle, so its RSS can be read.
 */
final class ManyRuntimesApi implements AutoCloseable {
    private static final String PREFIX = "/2018-06-01/runtime/invocation/";

    private final Server jetty;
    private final ServerConnector connector;
    private final byte[] event;
    private final long holdAfter;
    private final AtomicLong served = new AtomicLong();
    private final AtomicLong responses = new AtomicLong();
    private final CountDownLatch closing = new CountDownLatch(1);

    /**
     * @param event     what every {@code /next} hands out
     * @param holdAfter events to hand out before holding every further {@code /next}; {@code Long.MAX_VALUE} for never
     */
    ManyRuntimesApi(byte[] event, long holdAfter) throws Exception {
        this.event = event;
        this.holdAfter = holdAfter;
        jetty = FakeRuntimeApi.loopbackJetty("many-runtimes-api", new ApiHandler(), 1024);
        connector = (ServerConnector) jetty.getConnectors()[0];
    }

    /** {@code host:port}, the value of {@code AWS_LAMBDA_RUNTIME_API}. */
    String address() {
        return "127.0.0.1:" + connector.getLocalPort();
    }

    /** Responses posted so far. */
    long responses() {
        return responses.get();
    }

    @Override
    public void close() throws Exception {
        closing.countDown();
        jetty.stop();
    }

    private final class ApiHandler extends Handler.Abstract {
        ApiHandler() {
            super(InvocationType.BLOCKING);
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            try (InputStream in = Content.Source.asInputStream(request)) {
                in.readAllBytes();
            }
            String path = request.getHttpURI().getPath();
            if (request.getMethod().equals("GET") && path.equals(PREFIX + "next")) {
                long n = served.incrementAndGet();
                if (n > holdAfter) {
                    closing.await();
                    send(response, callback, 500, "{\"errorType\":\"Closing\"}".getBytes(StandardCharsets.US_ASCII));
                    return true;
                }
                response.getHeaders().put("Lambda-Runtime-Aws-Request-Id", "bare-" + n);
                response.getHeaders().put("Lambda-Runtime-Deadline-Ms", Long.toString(System.currentTimeMillis() + 30_000));
                response.getHeaders().put("Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:123456789012:function:bare");
                response.getHeaders().put("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000");
                send(response, callback, 200, event);
            } else if (request.getMethod().equals("POST") && path.startsWith(PREFIX) && path.endsWith("/response")) {
                responses.incrementAndGet();
                send(response, callback, 202, "{\"status\":\"OK\"}".getBytes(StandardCharsets.US_ASCII));
            } else {
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
