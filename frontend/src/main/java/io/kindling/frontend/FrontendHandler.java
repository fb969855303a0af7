package io.kindling.frontend;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.chunks.CodeStore;
import io.kindling.chunks.InvalidPackageException;
import io.kindling.chunks.PackageLimits;
import io.kindling.counting.ConcurrencyCounter;
import io.kindling.counting.Throttled;
import io.kindling.frontend.auth.AuthException;
import io.kindling.frontend.auth.RequestHeaders;
import io.kindling.frontend.auth.SigV4Verifier;
import io.kindling.frontend.auth.SignedRequest;
import io.kindling.frontend.auth.VerifiedCaller;
import io.kindling.registry.Registry;
import io.kindling.registry.RegistryException;
import io.kindling.wire.ErrorBody;
import io.kindling.wire.LambdaJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FutureCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lambda REST API on Jetty's core handler API. Each request runs on its own virtual thread
 * (the server's thread pool is configured so), reads its body within the operation's limit,
 * is authenticated with SigV4, routed, executed, and logged as one line. One operation does not read its body first:
 * {@link Operation#PutImageBlob}, a blob of up to 10 GiB, is authenticated against the digest it claims and streamed to
 * disk by the {@link LocalImages} store, which keeps it only if the bytes match that digest.
 *
 * <p>Unauthenticated paths: {@code GET /health}, and presigned code downloads under
 * {@link CodeLocations#PATH_PREFIX}, which carry their own signature.
 */
public final class FrontendHandler extends Handler.Abstract {
    private static final Logger requestLog = LoggerFactory.getLogger("kindling.request");
    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    /** How far past an operation's limit a declared body is still read (and dropped) before the 413 is sent. */
    private static final long DRAIN_LIMIT = 16L << 20;
    private static final Duration DRAIN_WAIT = Duration.ofSeconds(2);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    /** What the frontend needs from the server that hosts it. */
    public record Settings(Arns arns, Optional<SigV4Verifier> verifier, Path stagingDir, PackageLimits packageLimits,
                           int maxConcurrentUploads, Clock clock, Supplier<String> baseUrl, Invoker invoker,
                           FunctionLogReader logs, AsyncEvents events, ConcurrencyCounter counter,
                           NodeStatus node, ContainerImages images, LocalImages localImages) {}

    private final ObjectMapper json = LambdaJson.mapper();
    private final Optional<SigV4Verifier> verifier;
    private final ControlPlane controlPlane;
    private final Invocations invocations;
    private final FunctionLogs logs;
    private final EventQueues queues;
    private final NodeStatus node;
    private final ImagePushes imagePushes;
    private final CodeLocations codeLocations;
    private final CodeStore codeStore;
    private final LambdaErrors errors;

    public FrontendHandler(Registry registry, CodeStore codeStore, Settings settings) {
        super(InvocationType.BLOCKING);
        this.verifier = settings.verifier();
        this.codeStore = codeStore;
        this.codeLocations = new CodeLocations(settings.clock(), settings.baseUrl());
        this.errors = new LambdaErrors(settings.arns());
        this.controlPlane = new ControlPlane(registry,
                new CodeIntake(settings.stagingDir(), settings.packageLimits(), settings.maxConcurrentUploads()),
                codeLocations, settings.arns(), json, settings.packageLimits(), settings.invoker(), settings.logs(),
                settings.events(), settings.counter(), settings.images());
        this.invocations = new Invocations(registry, settings.invoker(), settings.events(), settings.counter(),
                settings.arns(), json.getFactory());
        this.queues = new EventQueues(settings.events(), registry, settings.arns());
        this.node = settings.node();
        this.imagePushes = new ImagePushes(settings.localImages());
        this.logs = new FunctionLogs(settings.logs(), registry, settings.arns());
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        long started = System.nanoTime();
        String requestId = UUID.randomUUID().toString();
        response.getHeaders().put("x-amzn-RequestId", requestId);
        String method = request.getMethod();
        String rawPath = request.getHttpURI().getPath();
        if (method.equals("GET") && rawPath.equals("/health")) {
            send(response, callback, 200, HEALTHY);
            return true;
        }
        if (method.equals("GET") && rawPath.startsWith(CodeLocations.PATH_PREFIX)) {
            downloadCode(request, response, callback, rawPath.substring(CodeLocations.PATH_PREFIX.length()));
            return true;
        }
        String operation = "Unknown";
        String function = null;
        String caller = "-";
        int status;
        try {
            Router.Match match = null;
            RequestException unrouted = null;
            try {
                match = Router.route(method, rawPath, PercentDecoding.query(request.getHttpURI().getQuery()));
                operation = match.operation().name();
                function = match.pathParameters().get("FunctionName");
            } catch (RequestException e) {
                unrouted = e;
            }
            // A blob of the local image store (up to 10 GiB) is never held in memory: it is authenticated before its
            // body is read, and the body streams to disk in the operation below.
            boolean streamed = match != null && match.operation() == Operation.PutImageBlob;
            byte[] body;
            if (streamed) {
                body = new byte[0];
                caller = authenticate(request, rawPath, ImagePushes.claimedPayloadHash(match.pathParameters().get("Digest")));
            } else {
                body = readBody(request, match == null ? Operation.Limits.SMALL_BODY : match.operation().maxBody,
                        match == null ? operation : match.operation().nameInLimitMessages());
                caller = authenticate(request, rawPath, SignedRequest.sha256Hex(body));
            }
            if (unrouted != null) {
                throw unrouted;
            }
            Map<String, List<String>> query = PercentDecoding.query(request.getHttpURI().getQuery());
            ApiCall call = new ApiCall(match.operation(), match.pathParameters(), query, headers(request), body, requestId);
            ApiResult result = switch (match.operation()) {
                case Invoke -> invocations.invoke(call);
                case InvokeAsync -> invocations.invokeAsync(call);
                case GetFunctionLogs -> logs.read(call);
                case ListQueues, ListDeadLetters, ReplayDeadLetters -> queues.handle(call);
                case GetStorageStats -> new ApiResult(200, node.storage(), null);
                case CollectStorageGarbage -> new ApiResult(200, node.collectGarbage(), null);
                case GetMetrics -> ApiResult.raw(200, node.metrics().getBytes(StandardCharsets.UTF_8),
                        PROMETHEUS_TEXT, Map.of(), null);
                case HeadImageBlob -> imagePushes.head(call);
                case PutImageBlob -> imagePushes.putBlob(call, request.getLength(), Content.Source.asInputStream(request));
                case PutImageManifest -> imagePushes.putManifest(call);
                default -> controlPlane.handle(call);
            };
            if (result.function() != null) {
                function = result.function();
            }
            status = result.status();
            result.headers().forEach((name, value) -> response.getHeaders().put(name, value));
            if (result.raw() != null) {
                send(response, callback, status, result.raw(), result.contentType());
            } else {
                send(response, callback, status, result.body() == null ? null : json.writeValueAsBytes(result.body()),
                        "application/json");
            }
        } catch (RequestException e) {
            status = fail(response, callback, errors.of(e));
        } catch (RegistryException e) {
            if (e instanceof RegistryException.StorageFailure) {
                log.error("request {} failed in storage", requestId, e);
            }
            status = fail(response, callback, errors.of(e));
        } catch (InvalidPackageException e) {
            status = fail(response, callback, errors.of(e));
        } catch (AuthException e) {
            status = fail(response, callback, errors.of(e));
        } catch (Invoker.InvokeRefused e) {
            log.warn("request {}: invocation refused: {}", requestId, e.getMessage(), e.getCause());
            status = fail(response, callback, errors.of(e));
        } catch (Throttled e) {
            status = fail(response, callback, errors.of(e));
        } catch (AsyncEvents.Refused e) {
            log.warn("request {}: event not stored: {}", requestId, e.getMessage(), e.getCause());
            status = fail(response, callback, errors.of(e));
        } catch (LocalImages.Rejected e) {
            status = fail(response, callback, LambdaErrors.of(e));
        } catch (LocalImages.UploadBroken e) {
            log.info("request {}: {}", requestId, e.getMessage());
            status = fail(response, callback, LambdaErrors.of(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            status = fail(response, callback, LambdaErrors.unexpected());
        } catch (IOException | RuntimeException e) {
            log.error("request {} ({} {}) failed", requestId, method, rawPath, e);
            status = fail(response, callback, LambdaErrors.unexpected());
        }
        requestLog.info("id={} op={} function={} status={} ms={} caller={}", requestId, operation,
                function == null ? "-" : loggable(function), status,
                String.format("%.1f", (System.nanoTime() - started) / 1e6), caller);
        return true;
    }

    /** Caller-supplied text in the request log: control characters escaped, length capped, one line always. */
    private static String loggable(String text) {
        StringBuilder out = new StringBuilder();
        text.codePoints().limit(200).forEach(c -> {
            if (c < 0x20 || c == 0x7f) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.appendCodePoint(c);
            }
        });
        return out.toString();
    }

    /** Reads the whole body, refusing it (before reading, when Content-Length says so) above {@code limit}. */
    private static byte[] readBody(Request request, long limit, String operation) throws RequestException, IOException {
        long declared = request.getLength();
        if (declared > limit) {
            if (declared <= limit + DRAIN_LIMIT) {
                // Clients (the SDKs' HTTP clients among them) report a failed write, not our 413, when the server
                // answers and closes before they have sent the body; reading a little past the limit avoids that.
                // Bounded in time too: a client that sends less than it declared must not hold the answer.
                FutureCallback drained = new FutureCallback();
                Content.Source.consumeAll(request, drained);
                try {
                    drained.get(DRAIN_WAIT.toMillis(), TimeUnit.MILLISECONDS);
                } catch (TimeoutException | ExecutionException e) {
                    // Answer anyway; Jetty closes the connection with the rest unread.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            throw tooLarge(limit, operation);
        }
        try (InputStream in = Content.Source.asInputStream(request)) {
            byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
            if (body.length > limit) {
                throw tooLarge(limit, operation);
            }
            return body;
        }
    }

    private static RequestException tooLarge(long limit, String operation) {
        return new RequestException.TooLarge("Request must be smaller than " + limit + " bytes for the " + operation
                + " operation");
    }

    /** Request headers by lower-case name, first value only. */
    private static Map<String, String> headers(Request request) {
        Map<String, String> headers = new HashMap<>();
        for (HttpField field : request.getHeaders()) {
            headers.putIfAbsent(field.getLowerCaseName(), field.getValue());
        }
        return headers;
    }

    /** @param payloadSha256Hex the body's hash as received, or what a streamed body must hash to */
    private String authenticate(Request request, String rawPath, String payloadSha256Hex) throws AuthException {
        if (verifier.isEmpty()) {
            return "anonymous";
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HttpField field : request.getHeaders()) {
            headers.computeIfAbsent(field.getName(), k -> new ArrayList<>()).add(field.getValue());
        }
        SignedRequest signed = new SignedRequest(request.getMethod(), rawPath, request.getHttpURI().getQuery(),
                RequestHeaders.of(headers), payloadSha256Hex);
        VerifiedCaller caller = verifier.get().verify(signed);
        return caller.accessKeyId();
    }

    private void downloadCode(Request request, Response response, Callback callback, String file) {
        String sha = file.endsWith(".zip") ? file.substring(0, file.length() - 4) : file;
        var query = PercentDecoding.query(request.getHttpURI().getQuery());
        String expires = query.containsKey("Expires") ? query.get("Expires").getFirst() : null;
        String signature = query.containsKey("Signature") ? query.get("Signature").getFirst() : null;
        Optional<Path> path = codeLocations.valid(sha, expires, signature) ? codeStore.find(sha) : Optional.empty();
        if (path.isEmpty()) {
            // S3 answers an expired or forged presigned URL with 403 and no detail; so do we.
            fail(response, callback, new LambdaError(403, "AccessDenied", "The link is invalid or has expired."));
            return;
        }
        response.setStatus(200);
        response.getHeaders().put("Content-Type", "application/zip");
        try (OutputStream out = Content.Sink.asOutputStream(response)) {
            response.getHeaders().put("Content-Length", Long.toString(Files.size(path.get())));
            Files.copy(path.get(), out);
            callback.succeeded();
        } catch (IOException e) {
            callback.failed(e);
        }
    }

    private int fail(Response response, Callback callback, LambdaError error) {
        response.getHeaders().put("x-amzn-ErrorType", error.name());
        if (error.status() == 429) {
            // The SDKs read it as the throttle's retryAfterSeconds.
            response.getHeaders().put("Retry-After", "1");
        }
        byte[] body;
        try {
            body = json.writeValueAsBytes(new ErrorBody(error.type(), error.message(), error.reason()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        send(response, callback, error.status(), body, "application/json");
        return error.status();
    }

    private static void send(Response response, Callback callback, int status, byte[] body) {
        send(response, callback, status, body, "application/json");
    }

    private static void send(Response response, Callback callback, int status, byte[] body, String contentType) {
        response.setStatus(status);
        if (body == null) {
            response.getHeaders().put("Content-Length", "0");
            response.write(true, null, callback);
            return;
        }
        response.getHeaders().put("Content-Type", contentType);
        response.getHeaders().put("Content-Length", Integer.toString(body.length));
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
