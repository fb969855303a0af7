package io.kindling.it;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;

/**
 * Signs raw requests with the SDK's own SigV4 signer and sends them with {@code java.net.http},
 * so a test can change what was signed (body, query, path, headers) before it goes out.
 */
final class AuthSigning {
    /** Headers {@code java.net.http} sets itself and refuses from callers; it sends the same values. */
    private static final Set<String> SET_BY_CLIENT = Set.of("host", "content-length", "connection", "expect", "upgrade");

    private static final HttpClient HTTP = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    private final String endpoint;

    AuthSigning(String endpoint) {
        this.endpoint = endpoint;
    }

    /** An unsigned request: {@code pathAndQuery} is appended to the endpoint as written. */
    SdkHttpRequest request(SdkHttpMethod method, String pathAndQuery) {
        SdkHttpRequest.Builder builder = SdkHttpRequest.builder().method(method).uri(URI.create(endpoint + pathAndQuery));
        if (method == SdkHttpMethod.POST || method == SdkHttpMethod.PUT) {
            builder.putHeader("Content-Type", "application/json");
        }
        return builder.build();
    }

    /** Signs for lambda in us-east-1 with the test key, now; {@code options} may override any of that. */
    SdkHttpRequest sign(SdkHttpRequest request, byte[] body, Consumer<SignRequest.Builder<AwsCredentialsIdentity>> options) {
        return AwsV4HttpSigner.create().sign(r -> {
            r.identity(AwsCredentialsIdentity.create(TestServer.ACCESS_KEY, TestServer.SECRET_KEY))
                    .request(request)
                    .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "lambda")
                    .putProperty(AwsV4HttpSigner.REGION_NAME, TestServer.REGION);
            if (body.length > 0) {
                r.payload(ContentStreamProvider.fromByteArray(body));
            }
            options.accept(r);
        }).request();
    }

    SdkHttpRequest sign(SdkHttpRequest request, byte[] body) {
        return sign(request, body, r -> {});
    }

    /** Signs as if the signer's clock were {@code offset} away from now. */
    SdkHttpRequest signAt(SdkHttpRequest request, Duration offset) {
        return sign(request, new byte[0], r -> r.putProperty(HttpSigner.SIGNING_CLOCK, Clock.offset(Clock.systemUTC(), offset)));
    }

    /** A presigned URL: the signature in the query string, no Authorization header. */
    SdkHttpRequest presign(SdkHttpRequest request, Duration expiresIn, Clock clock) {
        return sign(request, new byte[0], r -> r
                .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, expiresIn)
                .putProperty(HttpSigner.SIGNING_CLOCK, clock));
    }

    /**
     * Signs with the SDK's older {@code Aws4Signer}, which, like botocore, sends no
     * {@code x-amz-content-sha256} header for services other than S3.
     */
    @SuppressWarnings("deprecation")
    static SdkHttpRequest signWithoutContentHash(SdkHttpRequest request, byte[] body) {
        SdkHttpFullRequest full = SdkHttpFullRequest.builder()
                .method(request.method())
                .uri(request.getUri())
                .headers(request.headers())
                .contentStreamProvider(ContentStreamProvider.fromByteArray(body))
                .build();
        return software.amazon.awssdk.auth.signer.Aws4Signer.create().sign(full,
                software.amazon.awssdk.auth.signer.params.Aws4SignerParams.builder()
                        .awsCredentials(AwsBasicCredentials.create(TestServer.ACCESS_KEY, TestServer.SECRET_KEY))
                        .signingName("lambda")
                        .signingRegion(Region.of(TestServer.REGION))
                        .build());
    }

    /** Sends {@code request} (its URI, method and every header but those the client sets) with {@code body}. */
    static HttpResponse<String> send(SdkHttpRequest request, byte[] body) throws IOException, InterruptedException {
        return HTTP.send(build(request, body.length == 0 ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body)), HttpResponse.BodyHandlers.ofString());
    }

    /** As {@link #send(SdkHttpRequest, byte[])} with a body published as the test likes, e.g. one that stalls. */
    static java.util.concurrent.CompletableFuture<HttpResponse<String>> sendAsync(SdkHttpRequest request,
            HttpRequest.BodyPublisher body) {
        return HTTP.sendAsync(build(request, body), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpRequest build(SdkHttpRequest request, HttpRequest.BodyPublisher body) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(request.getUri())
                .timeout(Duration.ofSeconds(60))
                .method(request.method().name(), body);
        request.forEachHeader((name, values) -> {
            if (!SET_BY_CLIENT.contains(name.toLowerCase(Locale.ROOT))) {
                values.forEach(value -> builder.header(name, value));
            }
        });
        return builder.build();
    }

    static HttpResponse<String> send(SdkHttpRequest request) throws IOException, InterruptedException {
        return send(request, new byte[0]);
    }

    /** A request with no signature at all. */
    static HttpResponse<String> sendUnsigned(String method, URI uri) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }
}
