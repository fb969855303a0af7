package io.kindling.worker.runtimeapi;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/** A runtime made of java.net.http calls against one environment's Runtime API. */
final class FakeRuntime implements AutoCloseable {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    FakeRuntime(int port) {
        this.base = "http://127.0.0.1:" + port + "/2018-06-01";
    }

    /** Starts a GET /next; it completes when the platform hands over an invocation. */
    CompletableFuture<HttpResponse<byte[]>> next() {
        return http.sendAsync(HttpRequest.newBuilder(URI.create(base + "/runtime/invocation/next")).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    HttpResponse<String> respond(String requestId, byte[] body) throws IOException, InterruptedException {
        return post("/runtime/invocation/" + requestId + "/response", body, null);
    }

    HttpResponse<String> respond(String requestId, String body) throws IOException, InterruptedException {
        return respond(requestId, body.getBytes(StandardCharsets.UTF_8));
    }

    HttpResponse<String> error(String requestId, String errorType, String body) throws IOException, InterruptedException {
        return post("/runtime/invocation/" + requestId + "/error", body.getBytes(StandardCharsets.UTF_8), errorType);
    }

    HttpResponse<String> initError(String errorType, String body) throws IOException, InterruptedException {
        return post("/runtime/init/error", body.getBytes(StandardCharsets.UTF_8), errorType);
    }

    HttpResponse<String> send(String method, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create(base + path)).method(method, HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, byte[] body, String errorType) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (errorType != null) {
            request.header("Lambda-Runtime-Function-Error-Type", errorType)
                    .header("Content-Type", "application/vnd.aws.lambda.error+json");
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Override
    public void close() {
        http.close();
    }
}
