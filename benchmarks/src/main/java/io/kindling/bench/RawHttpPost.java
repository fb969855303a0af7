package io.kindling.bench;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;

/**
 * One POST through the HTTP client the Lambda SDK client uses here (the SDK's url-connection client,
 * i.e. HttpURLConnection with its keep-alive cache, body streamed at a fixed length), without the
 * SDK's signing and marshalling: what moving a request body costs the SDK before any SDK work.
 * See {@link KeepAliveHttpPost} for why this is slower than a plain POST on a reused connection.
 */
final class RawHttpPost implements ClosedLoopScenario.Call {
    private final SdkHttpClient http;
    private final SdkHttpFullRequest request;
    private final byte[] body;
    private final int expectedStatus;

    RawHttpPost(SdkHttpClient http, String url, byte[] body, int expectedStatus) {
        this.http = http;
        this.body = body;
        this.expectedStatus = expectedStatus;
        this.request = SdkHttpFullRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(URI.create(url))
                .putHeader("Content-Type", "application/octet-stream")
                .putHeader("Content-Length", Integer.toString(body.length))
                .build();
    }

    @Override
    public void run() throws Exception {
        HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder()
                .request(request)
                .contentStreamProvider(() -> new ByteArrayInputStream(body))
                .build()).call();
        // Reading to the end and closing hands the connection back to the keep-alive cache.
        try (InputStream in = response.responseBody().orElseThrow(() -> new IOException("no response body"))) {
            in.readAllBytes();
        }
        if (response.httpResponse().statusCode() != expectedStatus) {
            throw new IOException("POST " + request.getUri() + " answered " + response.httpResponse().statusCode());
        }
    }
}
