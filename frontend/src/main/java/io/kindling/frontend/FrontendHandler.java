package io.kindling.frontend;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.chunks.CodeStore;
import io.kindling.chunks.InvalidPackageException;
import io.kindling.chunks.PackageLimits;
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
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Lambda REST API on Jetty's core handler API. Each request runs on its own virtual thread
 * (the server's thread pool is configured so), reads its body within the operation's limit,
 * is authenticated with SigV4, routed, executed, and logged as one line.
 *
 * <p>Unauthenticated paths: {@code GET /health}, and presigned code downloads under
 * {@link CodeLocations#PATH_PREFIX}, which carry their own signature.
 */
public final class FrontendHandler extends Handler.Abstract {
    private static final Logger requestLog = LoggerFactory.getLogger("kindling.request");
    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);
    private static final byte[] HEALTHY = "{\"status\":\"ok\"}".getBytes(StandardCharsets.UTF_8);

    /** What the frontend needs from the server that hosts it. */
    public record Settings(Arns arns, Optional<SigV4Verifier> verifier, Path stagingDir, PackageLimits packageLimits,
                           int maxConcurrentUploads, Clock clock, Supplier<String> baseUrl) {}

    private final ObjectMapper json = LambdaJson.mapper();
    private final Optional<SigV4Verifier> verifier;
    private final ControlPlane controlPlane;
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
                codeLocations, settings.arns(), json, settings.packageLimits());
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
                match = Router.route(method, rawPath);
                operation = match.operation().name();
                function = match.pathParameters().get("FunctionName");
            } catch (RequestException e) {
                unrouted = e;
            }
            byte[] body = readBody(request, match == null ? Operation.Limits.SMALL_BODY : match.operation().maxBody, operation);
            caller = authenticate(request, rawPath, body);
            if (unrouted != null) {
                throw unrouted;
            }
            Map<String, List<String>> query = PercentDecoding.query(request.getHttpURI().getQuery());
            ApiResult result = controlPlane.handle(new ApiCall(match.operation(), match.pathParameters(), query, body, requestId));
            if (result.function() != null) {
                function = result.function();
            }
            status = result.status();
            send(response, callback, status, result.body() == null ? null : json.writeValueAsBytes(result.body()));
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

    private String authenticate(Request request, String rawPath, byte[] body) throws AuthException {
        if (verifier.isEmpty()) {
            return "anonymous";
        }
        Map<String, List<String>> headers = new LinkedHashMap<>();
        for (HttpField field : request.getHeaders()) {
            headers.computeIfAbsent(field.getName(), k -> new ArrayList<>()).add(field.getValue());
        }
        SignedRequest signed = new SignedRequest(request.getMethod(), rawPath, request.getHttpURI().getQuery(),
                RequestHeaders.of(headers), SignedRequest.sha256Hex(body));
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
        byte[] body;
        try {
            body = json.writeValueAsBytes(new ErrorBody(error.type(), error.message()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        send(response, callback, error.status(), body);
        return error.status();
    }

    private static void send(Response response, Callback callback, int status, byte[] body) {
        response.setStatus(status);
        if (body == null) {
            response.getHeaders().put("Content-Length", "0");
            response.write(true, null, callback);
            return;
        }
        response.getHeaders().put("Content-Type", "application/json");
        response.getHeaders().put("Content-Length", Integer.toString(body.length));
        response.write(true, ByteBuffer.wrap(body), callback);
    }
}
