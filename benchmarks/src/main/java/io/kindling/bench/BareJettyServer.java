package io.kindling.bench;

import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Baselines B and C: Jetty 12 set up the way KindlingServer sets it up (QueuedThreadPool handing
 * each request to a virtual thread, a blocking core handler behind a GracefulHandler, the same
 * HttpConfiguration), doing no work of its own:
 * <ul>
 *   <li>{@code POST /echo}: answers with the request body (baseline B, plain HTTP round trip);</li>
 *   <li>{@code GET /2015-03-31/functions/NAME/configuration}: answers with bytes Kindling once sent
 *       for GetFunctionConfiguration (baseline C: the SDK's own cost against a server that does nothing);</li>
 *   <li>{@code POST /2015-03-31/functions} and {@code POST /upload}: reads the whole body and answers
 *       with bytes Kindling once sent for CreateFunction (the create baselines).</li>
 * </ul>
 * Like Kindling's frontend, every request body is read completely before answering.
 */
final class BareJettyServer implements AutoCloseable {
    private static final String FUNCTIONS = "/2015-03-31/functions";

    private final Server jetty;
    private final ServerConnector connector;

    BareJettyServer(byte[] configurationAnswer, byte[] createAnswer) throws Exception {
        QueuedThreadPool pool = new QueuedThreadPool();
        pool.setName("bare-jetty");
        pool.setVirtualThreadsExecutor(Executors.newThreadPerTaskExecutor(Thread.ofVirtual().name("bare-request-", 0).factory()));
        jetty = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        http.setSendServerVersion(false);
        http.setSendXPoweredBy(false);
        http.setSendDateHeader(true);
        connector = new ServerConnector(jetty, new HttpConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        jetty.addConnector(connector);
        jetty.setHandler(new GracefulHandler(new DoNothingHandler(configurationAnswer, createAnswer)));
        jetty.start();
    }

    /** For figures that only use {@code POST /echo}. */
    static BareJettyServer echoOnly() throws Exception {
        byte[] none = "{}".getBytes(StandardCharsets.US_ASCII);
        return new BareJettyServer(none, none);
    }

    String endpoint() {
        return "http://127.0.0.1:" + connector.getLocalPort();
    }

    @Override
    public void close() throws Exception {
        jetty.stop();
    }

    private static final class DoNothingHandler extends Handler.Abstract {
        private final byte[] configurationAnswer;
        private final byte[] createAnswer;

        DoNothingHandler(byte[] configurationAnswer, byte[] createAnswer) {
            super(InvocationType.BLOCKING);
            this.configurationAnswer = configurationAnswer;
            this.createAnswer = createAnswer;
        }

        @Override
        public boolean handle(Request request, Response response, Callback callback) throws Exception {
            byte[] body;
            try (InputStream in = Content.Source.asInputStream(request)) {
                body = in.readAllBytes();
            }
            String method = request.getMethod();
            String path = request.getHttpURI().getPath();
            response.getHeaders().put("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000");
            if (method.equals("POST") && path.equals("/echo")) {
                send(response, callback, 200, "application/octet-stream", body);
            } else if (method.equals("GET") && path.startsWith(FUNCTIONS + "/") && path.endsWith("/configuration")) {
                send(response, callback, 200, "application/json", configurationAnswer);
            } else if (method.equals("POST") && (path.equals(FUNCTIONS) || path.equals("/upload"))) {
                send(response, callback, 201, "application/json", createAnswer);
            } else {
                send(response, callback, 404, "application/json", "{}".getBytes(StandardCharsets.US_ASCII));
            }
            return true;
        }

        private static void send(Response response, Callback callback, int status, String type, byte[] body) {
            response.setStatus(status);
            response.getHeaders().put("Content-Type", type);
            response.getHeaders().put("Content-Length", Integer.toString(body.length));
            response.write(true, ByteBuffer.wrap(body), callback);
        }
    }
}
