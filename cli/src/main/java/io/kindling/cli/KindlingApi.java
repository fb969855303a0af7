package io.kindling.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Kindling's own endpoints (logs, queues, dead letters, the local image store), which the Lambda SDK has no operation for: SigV4-signed with
 * the SDK's signer exactly as the SDK signs Lambda calls, sent with the SDK's HTTP client.
 */
final class KindlingApi implements AutoCloseable {
    private final URI endpoint;
    private final String region;
    private final AwsCredentialsProvider credentials;
    private final SdkHttpClient http;

    KindlingApi(URI endpoint, String region, AwsCredentialsProvider credentials, SdkHttpClient http) {
        this.endpoint = endpoint;
        this.region = region;
        this.credentials = credentials;
        this.http = http;
    }

    /** The response body as text; an error answer becomes an IOException with the server's message. */
    String get(String path, String rawQuery) throws IOException {
        return send(SdkHttpMethod.GET, path, rawQuery);
    }

    /** A POST without a body; the answer as {@link #get}. */
    String post(String path, String rawQuery) throws IOException {
        return send(SdkHttpMethod.POST, path, rawQuery);
    }

    /** Whether {@code path} exists: a HEAD answered 200 (true) or 404 (false); anything else is an error. */
    boolean exists(String path) throws IOException {
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.HEAD).uri(uri(path, "")).build();
        HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder().request(sign(request, null))
                .build()).call();
        response.responseBody().ifPresent(body -> {
            try {
                body.close();
            } catch (IOException e) {
                // nothing was to be read
            }
        });
        int status = response.httpResponse().statusCode();
        if (status == 200 || status == 404) {
            return status == 200;
        }
        throw new IOException(response.httpResponse().firstMatchingHeader("x-amzn-ErrorType").orElse("error") + " ("
                + status + ") for HEAD " + path);
    }

    /** A PUT of a small body, signed with its hash like every SDK request; the answer as {@link #get}. */
    String put(String path, byte[] body, String contentType) throws IOException {
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.PUT).uri(uri(path, ""))
                .putHeader("Content-Type", contentType).putHeader("Content-Length", Long.toString(body.length)).build();
        ContentStreamProvider content = ContentStreamProvider.fromByteArrayUnsafe(body);
        return execute(sign(request, content), content);
    }

    /**
     * A PUT whose body is streamed from {@code content} once, {@code length} bytes, signed {@code UNSIGNED-PAYLOAD}:
     * the path names the body's digest, which the server checks while it writes the bytes, so hashing them a second
     * time for the signature would only double the reading. The SDK's signer signs an unsigned payload only for
     * https; the scheme is no part of a SigV4 signature, so it signs as if for https with the Host the request is
     * really sent with.
     */
    String putUnsigned(String path, long length, ContentStreamProvider content) throws IOException {
        URI real = uri(path, "");
        boolean defaultPort = real.getPort() < 0 || real.getPort() == ("https".equals(real.getScheme()) ? 443 : 80);
        String host = real.getHost() + (defaultPort ? "" : ":" + real.getPort());
        URI asHttps = URI.create("https://" + real.getHost() + ":" + (real.getPort() < 0 ? 443 : real.getPort())
                + real.getRawPath());
        SdkHttpRequest request = SdkHttpRequest.builder().method(SdkHttpMethod.PUT).uri(asHttps)
                .putHeader("Host", host).putHeader("Content-Type", "application/octet-stream")
                .putHeader("Content-Length", Long.toString(length)).build();
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(credentials.resolveCredentials())
                .request(request)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "lambda")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region)
                .putProperty(AwsV4HttpSigner.PAYLOAD_SIGNING_ENABLED, false)).request();
        // Builder.uri would append the path again; only the scheme (and a default port) differ.
        return execute(signed.toBuilder().protocol(real.getScheme()).port(real.getPort() < 0 ? null : real.getPort())
                .build(), content);
    }

    private URI uri(String path, String rawQuery) {
        return URI.create(endpoint.toString().replaceAll("/$", "") + path + (rawQuery.isEmpty() ? "" : "?" + rawQuery));
    }

    private SdkHttpRequest sign(SdkHttpRequest request, ContentStreamProvider payload) {
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> {
            r.identity(credentials.resolveCredentials())
                    .request(request)
                    .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "lambda")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, region);
            if (payload != null) {
                r.payload(payload);
            }
        });
        return signed.request();
    }

    private String send(SdkHttpMethod method, String path, String rawQuery) throws IOException {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(method)
                .uri(uri(path, rawQuery))
                .build();
        return execute(sign(request, null), null);
    }

    private String execute(SdkHttpRequest signed, ContentStreamProvider content) throws IOException {
        HttpExecuteRequest.Builder execute = HttpExecuteRequest.builder().request(signed);
        if (content != null) {
            execute.contentStreamProvider(content);
        }
        HttpExecuteResponse response = http.prepareRequest(execute.build()).call();
        String body;
        if (response.responseBody().isEmpty()) {
            body = "";
        } else {
            try (InputStream in = response.responseBody().get()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        }
        if (!response.httpResponse().isSuccessful()) {
            String error = response.httpResponse().firstMatchingHeader("x-amzn-ErrorType").orElse("error");
            throw new IOException(error + " (" + response.httpResponse().statusCode() + "): " + body);
        }
        return body;
    }

    @Override
    public void close() {
        http.close();
    }
}
