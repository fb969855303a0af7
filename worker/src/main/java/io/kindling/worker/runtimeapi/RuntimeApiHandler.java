package io.kindling.worker.runtimeapi;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Runtime API {@code 2018-06-01} over HTTP/1.1, for every attached environment at once: finds the request's
 * {@link RuntimeApiChannel} from the connection it arrived on, routes it, and maps the channel's answer to the
 * statuses and bodies runtimes expect.
 *
 * <p>Runs on a virtual thread per request (the handler is BLOCKING and the server's pool has a virtual-thread
 * executor): {@code GET /next} simply parks on the channel's future until an invocation arrives.
 */
final class RuntimeApiHandler extends Handler.Abstract {
    private static final Logger log = LoggerFactory.getLogger(RuntimeApiHandler.class);
    private static final ObjectMapper json = JsonMapper.builder().build();
    private static final byte[] ACCEPTED = "{\"status\":\"OK\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] PONG = "pong".getBytes(StandardCharsets.UTF_8);
    private static final String JSON = "application/json";

    static final String REQUEST_ID = "Lambda-Runtime-Aws-Request-Id";
    static final String DEADLINE_MS = "Lambda-Runtime-Deadline-Ms";
    static final String FUNCTION_ARN = "Lambda-Runtime-Invoked-Function-Arn";
    static final String TRACE_ID = "Lambda-Runtime-Trace-Id";
    static final String CLIENT_CONTEXT = "Lambda-Runtime-Client-Context";
    static final String COGNITO_IDENTITY = "Lambda-Runtime-Cognito-Identity";
    static final String ERROR_TYPE = "Lambda-Runtime-Function-Error-Type";

    RuntimeApiHandler() {
        super(InvocationType.BLOCKING);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws IOException {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        if (!(endPoint instanceof RuntimeApiConnector.TaggedEndPoint tagged)) {
            // Only RuntimeApiConnector feeds this handler; anything else is a wiring bug, never a runtime's fault.
            log.error("Runtime API request on an untagged connection {}", endPoint);
            sendError(response, callback, 500, "ServiceException", "This connection belongs to no execution environment.");
            return true;
        }
        RuntimeApiChannel channel = tagged.attachment().channel();
        String method = request.getMethod();
        String path = request.getHttpURI().getPath();
        switch (RuntimeApiRoute.of(method, path)) {
            case RuntimeApiRoute.Next next -> next(channel, response, callback);
            case RuntimeApiRoute.InvocationResponse answer -> {
                Optional<byte[]> body = readBody(request);
                String contentType = Optional.ofNullable(request.getHeaders().get("Content-Type")).orElse(JSON);
                RuntimeOutcome outcome = body.<RuntimeOutcome>map(bytes -> new RuntimeOutcome.Response(bytes, contentType))
                        .orElseGet(RuntimeOutcome.ResponseTooLarge::new);
                acknowledge(channel.answer(answer.requestId(), outcome), outcome, response, callback);
            }
            case RuntimeApiRoute.InvocationError error -> {
                RuntimeErrorReports.Report report = RuntimeErrorReports.read(
                        Optional.ofNullable(request.getHeaders().get(ERROR_TYPE)), readBody(request));
                RuntimeOutcome outcome = new RuntimeOutcome.FunctionError(report.errorType(), report.body());
                acknowledge(channel.answer(error.requestId(), outcome), outcome, response, callback);
            }
            case RuntimeApiRoute.InitError initError -> {
                RuntimeErrorReports.Report report = RuntimeErrorReports.read(
                        Optional.ofNullable(request.getHeaders().get(ERROR_TYPE)), readBody(request));
                RuntimeOutcome.InitError outcome = new RuntimeOutcome.InitError(report.errorType(), report.body());
                acknowledge(channel.reportInitError(outcome), outcome, response, callback);
            }
            case RuntimeApiRoute.Ping ping -> send(response, callback, 200, "text/plain", PONG);
            case RuntimeApiRoute.Unsupported unsupported -> {
                drain(request);
                sendError(response, callback, 404, "UnsupportedOperation", unsupported.reason());
            }
            case RuntimeApiRoute.MethodNotAllowed notAllowed -> {
                drain(request);
                response.getHeaders().put("Allow", notAllowed.allowed());
                sendError(response, callback, 405, "MethodNotAllowed", method + " is not allowed on " + path + ".");
            }
            case RuntimeApiRoute.NotFound notFound -> {
                drain(request);
                sendError(response, callback, 404, "NotFound", "No Runtime API route for " + method + " " + path + ".");
            }
        }
        return true;
    }

    private void next(RuntimeApiChannel channel, Response response, Callback callback) {
        InvocationRequest invocation;
        try {
            invocation = channel.awaitNext().get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Refusal.Refused refused) {
                refuse(refused.refusal(), response, callback);
            } else {
                log.error("GET /next for {} failed", channel, e.getCause());
                sendError(response, callback, 500, "ServiceException", "The Runtime API failed.");
            }
            return;
        } catch (InterruptedException e) {
            // Only while the server stops: the runtime should give up too.
            Thread.currentThread().interrupt();
            refuse(new Refusal.EnvironmentClosed(), response, callback);
            return;
        }
        HttpFields.Mutable headers = response.getHeaders();
        headers.put(REQUEST_ID, invocation.requestId());
        headers.put(DEADLINE_MS, Long.toString(invocation.deadlineEpochMillis()));
        headers.put(FUNCTION_ARN, invocation.invokedFunctionArn());
        headers.put(TRACE_ID, invocation.traceId());
        invocation.clientContext().ifPresent(context -> headers.put(CLIENT_CONTEXT, jsonHeaderValue(context)));
        invocation.cognitoIdentity().ifPresent(identity -> headers.put(COGNITO_IDENTITY, jsonHeaderValue(identity)));
        // If this write fails (the runtime's connection died while it was parked) the invocation stays Running and
        // ends at its deadline, as in Lambda; there is no way to tell whether the runtime saw part of it.
        send(response, callback, 200, JSON, invocation.payload());
    }

    /**
     * A JSON document as one header line, sent as its UTF-8 bytes. Line breaks and tabs become spaces (outside
     * strings they are insignificant JSON whitespace; inside them raw they are not valid JSON anyway). Jetty writes
     * each char of a header value as one byte (ISO-8859-1), so the UTF-8 bytes are passed as chars, one per byte;
     * a runtime then reads the same bytes Lambda would have sent.
     */
    static String jsonHeaderValue(String jsonText) {
        String oneLine = jsonText.replace('\r', ' ').replace('\n', ' ').replace('\t', ' ');
        return new String(oneLine.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
    }

    private void acknowledge(Optional<Refusal> refusal, RuntimeOutcome outcome, Response response, Callback callback) {
        if (refusal.isPresent()) {
            refuse(refusal.get(), response, callback);
        } else if (outcome instanceof RuntimeOutcome.ResponseTooLarge) {
            sendError(response, callback, 413, "RequestEntityTooLarge",
                    "Exceeded maximum allowed payload size (" + RuntimeOutcome.MAX_RESPONSE_BYTES + " bytes).");
        } else {
            send(response, callback, 202, JSON, ACCEPTED);
        }
    }

    /** The one mapping from the channel's refusals to Runtime API statuses and error types. */
    private void refuse(Refusal refusal, Response response, Callback callback) {
        switch (refusal) {
            case Refusal.InvalidRequestId invalid -> sendError(response, callback, 400, "InvalidRequestID",
                    "Invalid request ID: " + invalid.requestId());
            case Refusal.InvalidStateTransition invalid -> sendError(response, callback, 403, "InvalidStateTransition",
                    invalid.detail());
            case Refusal.EnvironmentClosed closed -> sendError(response, callback, 500, "Runtime.EnvironmentClosed",
                    "The execution environment is shutting down; the runtime should exit.");
        }
    }

    /**
     * The whole body, or empty when it is over {@link RuntimeOutcome#MAX_RESPONSE_BYTES}. An oversize body is still
     * read to its end (and dropped) so the runtime, which is still writing it, gets to read the 413 instead of a
     * reset connection; its deadline bounds how long that can take.
     */
    private static Optional<byte[]> readBody(Request request) throws IOException {
        int limit = RuntimeOutcome.MAX_RESPONSE_BYTES;
        try (InputStream in = Content.Source.asInputStream(request)) {
            if (request.getLength() > limit) {
                in.transferTo(OutputStream.nullOutputStream());
                return Optional.empty();
            }
            byte[] body = in.readNBytes(limit + 1);
            if (body.length > limit) {
                in.transferTo(OutputStream.nullOutputStream());
                return Optional.empty();
            }
            return Optional.of(body);
        }
    }

    /** Reads and drops a body nobody wants, so the connection stays usable for the runtime's next request. */
    private static void drain(Request request) throws IOException {
        try (InputStream in = Content.Source.asInputStream(request)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
    }

    private static void sendError(Response response, Callback callback, int status, String errorType, String message) {
        ObjectNode body = json.createObjectNode();
        body.put("errorMessage", message);
        body.put("errorType", errorType);
        try {
            send(response, callback, status, JSON, json.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("two strings always serialise", e);
        }
    }

    private static void send(Response response, Callback callback, int status, String contentType, byte[] body) {
        response.setStatus(status);
        response.getHeaders().put("Content-Type", contentType);
        response.getHeaders().put("Content-Length", Integer.toString(body.length));
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
