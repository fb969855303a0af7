package io.kindling.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;

/**
 * Kindling's own endpoints (logs, queues, dead letters), which the Lambda SDK has no operation for: SigV4-signed with
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

    private String send(SdkHttpMethod method, String path, String rawQuery) throws IOException {
        SdkHttpRequest request = SdkHttpRequest.builder()
                .method(method)
                .uri(URI.create(endpoint.toString().replaceAll("/$", "") + path + (rawQuery.isEmpty() ? "" : "?" + rawQuery)))
                .build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r.identity(credentials.resolveCredentials())
                .request(request)
                .putProperty(AwsV4HttpSigner.SERVICE_SIGNING_NAME, "lambda")
                .putProperty(AwsV4HttpSigner.REGION_NAME, region));
        HttpExecuteResponse response = http.prepareRequest(HttpExecuteRequest.builder().request(signed.request())
                .build()).call();
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
