package io.kindling.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkGlobalTime;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.LambdaException;
import software.amazon.awssdk.services.lambda.model.ListFunctionsResponse;
import software.amazon.awssdk.services.lambda.model.ResourceNotFoundException;

/**
 * SigV4 as AWS enforces it, checked from the outside: the real SDK client, and raw requests signed
 * by the SDK's own signer and then sent, changed or not, with {@code java.net.http}.
 */
class AuthenticationTest {
    private static final String LIST_FUNCTIONS = "/2015-03-31/functions/";
    private static final String SIGNATURE_MISMATCH = "The request signature we calculated does not match the signature"
            + " you provided";
    private static final DateTimeFormatter AMZ_DATE =
            DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

    @TempDir
    static Path dir;

    private static TestServer server;
    private static LambdaClient lambda;
    private static AuthSigning signing;
    private final ObjectMapper json = new ObjectMapper();

    @BeforeAll
    static void start() throws Exception {
        server = TestServer.start(dir);
        lambda = server.client();
        signing = new AuthSigning(server.endpoint());
    }

    @AfterAll
    static void stop() throws Exception {
        if (lambda != null) {
            lambda.close();
        }
        if (server != null) {
            server.close();
        }
    }

    // ---------------------------------------------------------------- the SDK client

    @Test
    void sdkClientWithTheRightKeyIsServed() {
        ListFunctionsResponse response = lambda.listFunctions();

        assertThat(response.sdkHttpResponse().statusCode()).isEqualTo(200);
        assertThat(response.functions()).isNotNull();
        assertThat(response.responseMetadata().requestId()).isNotBlank().isNotEqualTo("UNKNOWN");
    }

    @Test
    void wrongSecretIsAnInvalidSignature() {
        try (LambdaClient wrongSecret = TestServer.client(server.endpoint(), TestServer.ACCESS_KEY,
                "not/the/secret/key/0123456789abcdefghij")) {
            LambdaException e = catchThrowableOfType(LambdaException.class, wrongSecret::listFunctions);

            assertThat(e).as("listFunctions signed with the wrong secret").isNotNull();
            assertThat(e.statusCode()).isEqualTo(403);
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("InvalidSignatureException");
            assertThat(e.awsErrorDetails().errorMessage()).startsWith(SIGNATURE_MISMATCH);
            assertThat(e.requestId()).isNotBlank().isNotEqualTo("UNKNOWN");
        }
    }

    @Test
    void unknownAccessKeyIsAnUnrecognizedClient() {
        try (LambdaClient stranger = TestServer.client(server.endpoint(), "AKIAUNKNOWNKEY000001", TestServer.SECRET_KEY)) {
            LambdaException e = catchThrowableOfType(LambdaException.class, stranger::listFunctions);

            assertThat(e).as("listFunctions signed with an unknown access key").isNotNull();
            assertThat(e.statusCode()).isEqualTo(403);
            assertThat(e.awsErrorDetails().errorCode()).isEqualTo("UnrecognizedClientException");
            assertThat(e.awsErrorDetails().errorMessage()).isEqualTo("The security token included in the request is invalid.");
            assertThat(e.requestId()).isNotBlank().isNotEqualTo("UNKNOWN");
        }
    }

    /**
     * The SDK's clock-skew correction: a client whose clock is 20 minutes ahead signs a request the
     * server rejects as out of its 15-minute window; the SDK reads the server's {@code Date} header,
     * corrects its offset and the retry goes through. The SDK's only hook for a client's clock offset
     * is {@link SdkGlobalTime}, which every new client starts from; it is restored afterwards.
     */
    @Test
    void sdkCorrectsItsClockSkewFromTheServerDateHeader() {
        List<String> signedDates = new CopyOnWriteArrayList<>();
        List<Integer> statuses = new CopyOnWriteArrayList<>();
        ExecutionInterceptor recorder = new ExecutionInterceptor() {
            @Override
            public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
                signedDates.add(context.httpRequest().firstMatchingHeader("X-Amz-Date").orElse("none"));
            }

            @Override
            public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
                statuses.add(context.httpResponse().statusCode());
            }
        };
        int previousOffset = SdkGlobalTime.getGlobalTimeOffset();
        LambdaClient skewed;
        // The SDK signs at "now - offset": -20 minutes makes this client's clock 20 minutes ahead.
        SdkGlobalTime.setGlobalTimeOffset(-20 * 60);
        try {
            skewed = LambdaClient.builder()
                    .endpointOverride(URI.create(server.endpoint()))
                    .region(Region.of(TestServer.REGION))
                    .credentialsProvider(StaticCredentialsProvider.create(
                            AwsBasicCredentials.create(TestServer.ACCESS_KEY, TestServer.SECRET_KEY)))
                    .httpClient(UrlConnectionHttpClient.builder().build())
                    .overrideConfiguration(o -> o.addExecutionInterceptor(recorder)
                            .retryStrategy(AwsRetryStrategy.standardRetryStrategy()))
                    .build();
        } finally {
            SdkGlobalTime.setGlobalTimeOffset(previousOffset);
        }
        try (skewed) {
            ListFunctionsResponse response = skewed.listFunctions();

            assertThat(response.sdkHttpResponse().statusCode()).isEqualTo(200);
            assertThat(statuses).as("first attempt rejected for its clock, the corrected retry accepted")
                    .containsExactly(403, 200);
            Instant now = Instant.now();
            Instant first = Instant.from(AMZ_DATE.parse(signedDates.get(0)));
            Instant second = Instant.from(AMZ_DATE.parse(signedDates.get(1)));
            assertThat(Duration.between(now, first)).as("skewed signing time " + first)
                    .isGreaterThan(Duration.ofMinutes(19));
            assertThat(Duration.between(now, second).abs()).as("corrected signing time " + second)
                    .isLessThan(Duration.ofMinutes(1));
        } finally {
            SdkGlobalTime.setGlobalTimeOffset(previousOffset);
        }
    }

    // ---------------------------------------------------------------- raw requests

    @Test
    void unsignedRequestIsMissingAuthenticationToken() throws Exception {
        HttpResponse<String> response = AuthSigning.sendUnsigned("GET", URI.create(server.endpoint() + LIST_FUNCTIONS));

        assertError(response, 403, "MissingAuthenticationTokenException");
        assertThat(json.readTree(response.body()).path("Message").asText()).isEqualTo("Missing Authentication Token");
    }

    @Test
    void correctlySignedRawRequestIsServed() throws Exception {
        HttpResponse<String> response = AuthSigning.send(signing.sign(get(LIST_FUNCTIONS), new byte[0]));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json.readTree(response.body()).path("Functions").isArray()).isTrue();
        assertThat(response.headers().firstValue("x-amzn-RequestId")).isPresent();
    }

    @Test
    void bodyChangedAfterSigningIsRejected() throws Exception {
        byte[] signedBody = createFunctionBody("signed-body");
        byte[] otherBody = createFunctionBody("swapped-body");
        SdkHttpRequest signed = signing.sign(signing.request(SdkHttpMethod.POST, "/2015-03-31/functions"), signedBody);

        assertThat(signed.firstMatchingHeader("x-amz-content-sha256")).isPresent();

        HttpResponse<String> tampered = AuthSigning.send(signed, otherBody);

        assertError(tampered, 403, "InvalidSignatureException");
        assertThat(message(tampered)).contains("x-amz-content-sha256");
        assertThat(catchThrowableOfType(ResourceNotFoundException.class,
                () -> lambda.getFunction(r -> r.functionName("swapped-body"))))
                .as("the tampered CreateFunction must not have run").isNotNull();

        // The same signed headers with the body they were computed over: accepted and run.
        HttpResponse<String> honest = AuthSigning.send(signed, signedBody);
        assertThat(honest.statusCode()).as(honest.body()).isEqualTo(201);
        assertThat(json.readTree(honest.body()).path("FunctionName").asText()).isEqualTo("signed-body");
    }

    /**
     * Signers other than the SDK v2 default (botocore, the v2 legacy signer) send no
     * {@code x-amz-content-sha256}: the server must hash the body it received into the canonical
     * request itself.
     */
    @Test
    void bodyChangedAfterSigningWithoutAContentHashHeaderIsRejected() throws Exception {
        byte[] signedBody = createFunctionBody("signed-nohash");
        SdkHttpRequest signed = AuthSigning.signWithoutContentHash(
                signing.request(SdkHttpMethod.POST, "/2015-03-31/functions"), signedBody);
        assertThat(signed.firstMatchingHeader("x-amz-content-sha256")).isEmpty();

        HttpResponse<String> tampered = AuthSigning.send(signed, createFunctionBody("swapped-nohash"));

        assertError(tampered, 403, "InvalidSignatureException");
        assertThat(message(tampered)).startsWith(SIGNATURE_MISMATCH);
        assertThat(catchThrowableOfType(ResourceNotFoundException.class,
                () -> lambda.getFunction(r -> r.functionName("swapped-nohash"))))
                .as("the tampered CreateFunction must not have run").isNotNull();

        HttpResponse<String> honest = AuthSigning.send(signed, signedBody);
        assertThat(honest.statusCode()).as(honest.body()).isEqualTo(201);
        assertThat(json.readTree(honest.body()).path("FunctionName").asText()).isEqualTo("signed-nohash");
    }

    @Test
    void queryChangedAfterSigningIsRejected() throws Exception {
        SdkHttpRequest signed = signing.sign(get(LIST_FUNCTIONS + "?MaxItems=1"), new byte[0]);
        SdkHttpRequest tampered = signed.toBuilder().putRawQueryParameter("MaxItems", "2").build();
        SdkHttpRequest added = signed.toBuilder().appendRawQueryParameter("FunctionVersion", "ALL").build();

        assertError(AuthSigning.send(tampered), 403, "InvalidSignatureException");
        assertError(AuthSigning.send(added), 403, "InvalidSignatureException");
        HttpResponse<String> honest = AuthSigning.send(signed);
        assertThat(honest.statusCode()).as(honest.body()).isEqualTo(200);
    }

    @Test
    void pathChangedAfterSigningIsRejected() throws Exception {
        SdkHttpRequest signed = signing.sign(get("/2015-03-31/functions/signed-path/configuration"), new byte[0]);
        SdkHttpRequest tampered = signed.toBuilder().encodedPath("/2015-03-31/functions/other-path/configuration").build();

        assertError(AuthSigning.send(tampered), 403, "InvalidSignatureException");
        // Unchanged, it passes authentication and reaches the API, which has no such function.
        assertError(AuthSigning.send(signed), 404, "ResourceNotFoundException");
    }

    @Test
    void methodChangedAfterSigningIsRejected() throws Exception {
        SdkHttpRequest signed = signing.sign(get("/2015-03-31/functions/signed-method"), new byte[0]);
        SdkHttpRequest tampered = signed.toBuilder().method(SdkHttpMethod.DELETE).build();

        assertError(AuthSigning.send(tampered), 403, "InvalidSignatureException");
    }

    @Test
    void signedHeaderChangedAfterSigningIsRejected() throws Exception {
        SdkHttpRequest signed = signing.sign(get(LIST_FUNCTIONS).toBuilder().putHeader("X-Kindling-Test", "one").build(),
                new byte[0]);
        assertThat(signed.firstMatchingHeader("Authorization").orElseThrow()).contains("x-kindling-test");
        SdkHttpRequest tampered = signed.toBuilder().putHeader("X-Kindling-Test", "two").build();

        assertError(AuthSigning.send(tampered), 403, "InvalidSignatureException");
        // An extra header nobody signed is fine: proxies add them all the time.
        HttpResponse<String> extra = AuthSigning.send(signed.toBuilder().putHeader("X-Unsigned-Extra", "x").build());
        assertThat(extra.statusCode()).as(extra.body()).isEqualTo(200);
    }

    @Test
    void signatureOlderThanFifteenMinutesHasExpired() throws Exception {
        HttpResponse<String> response = AuthSigning.send(signing.signAt(get(LIST_FUNCTIONS), Duration.ofMinutes(-16)));

        assertError(response, 403, "InvalidSignatureException");
        assertThat(message(response)).startsWith("Signature expired");
    }

    @Test
    void signatureFourteenMinutesOldIsStillAccepted() throws Exception {
        HttpResponse<String> response = AuthSigning.send(signing.signAt(get(LIST_FUNCTIONS), Duration.ofMinutes(-14)));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void signatureFourteenMinutesAheadIsStillAccepted() throws Exception {
        HttpResponse<String> response = AuthSigning.send(signing.signAt(get(LIST_FUNCTIONS), Duration.ofMinutes(14)));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void signatureSixteenMinutesAheadIsNotYetCurrent() throws Exception {
        HttpResponse<String> response = AuthSigning.send(signing.signAt(get(LIST_FUNCTIONS), Duration.ofMinutes(16)));

        assertError(response, 403, "InvalidSignatureException");
        assertThat(message(response)).startsWith("Signature not yet current");
    }

    @Test
    void signatureScopedToAnotherRegionIsRejected() throws Exception {
        SdkHttpRequest signed = signing.sign(get(LIST_FUNCTIONS), new byte[0],
                r -> r.putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-1"));

        HttpResponse<String> response = AuthSigning.send(signed);

        assertError(response, 403, "InvalidSignatureException");
        assertThat(message(response)).containsIgnoringCase("region");
    }

    @Test
    void signatureScopedToAnotherServiceIsRejected() throws Exception {
        SdkHttpRequest signed = signing.sign(get(LIST_FUNCTIONS), new byte[0],
                r -> r.putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "execute-api"));

        HttpResponse<String> response = AuthSigning.send(signed);

        assertError(response, 403, "InvalidSignatureException");
        assertThat(message(response)).containsIgnoringCase("service");
    }

    @Test
    void authorizationHeaderWithoutSignatureIsIncomplete() throws Exception {
        SdkHttpRequest signed = signing.sign(get(LIST_FUNCTIONS), new byte[0]);
        String authorization = signed.firstMatchingHeader("Authorization").orElseThrow();
        String withoutSignature = authorization.replaceAll(",\\s*Signature=[0-9a-f]+", "");
        assertThat(withoutSignature).isNotEqualTo(authorization).doesNotContain("Signature=");

        HttpResponse<String> response = AuthSigning.send(signed.toBuilder().putHeader("Authorization", withoutSignature).build());

        assertError(response, 403, "IncompleteSignatureException");
        assertThat(message(response)).contains("'Signature'");
    }

    @Test
    void authorizationHeaderWithAShortCredentialIsIncomplete() throws Exception {
        SdkHttpRequest signed = signing.sign(get(LIST_FUNCTIONS), new byte[0]);
        String authorization = signed.firstMatchingHeader("Authorization").orElseThrow();
        String shortCredential = authorization.replaceFirst("Credential=[^,]+",
                "Credential=" + TestServer.ACCESS_KEY + "/us-east-1/lambda");

        HttpResponse<String> response = AuthSigning.send(signed.toBuilder().putHeader("Authorization", shortCredential).build());

        assertError(response, 403, "IncompleteSignatureException");
        assertThat(message(response)).contains("Credential");
    }

    @Test
    void authorizationHeaderWithAnotherAlgorithmIsIncomplete() throws Exception {
        SdkHttpRequest signed = signing.sign(get(LIST_FUNCTIONS), new byte[0]);
        String authorization = signed.firstMatchingHeader("Authorization").orElseThrow();

        HttpResponse<String> response = AuthSigning.send(signed.toBuilder()
                .putHeader("Authorization", authorization.replaceFirst("^AWS4-HMAC-SHA256", "AWS4-HMAC-SHA512")).build());

        assertError(response, 403, "IncompleteSignatureException");
    }

    // ---------------------------------------------------------------- presigned URLs

    @Test
    void presignedUrlIsServedWithoutAnAuthorizationHeader() throws Exception {
        SdkHttpRequest presigned = signing.presign(get(LIST_FUNCTIONS), Duration.ofMinutes(5), Clock.systemUTC());
        assertThat(presigned.firstMatchingHeader("Authorization")).isEmpty();
        assertThat(presigned.firstMatchingRawQueryParameter("X-Amz-Signature")).isPresent();
        assertThat(presigned.firstMatchingRawQueryParameter("X-Amz-Expires")).contains("300");

        HttpResponse<String> response = AuthSigning.send(presigned);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(json.readTree(response.body()).path("Functions").isArray()).isTrue();
    }

    @Test
    void presignedUrlSignedTenMinutesAgoIsStillValidForItsHour() throws Exception {
        SdkHttpRequest presigned = signing.presign(get(LIST_FUNCTIONS), Duration.ofHours(1),
                Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10)));

        HttpResponse<String> response = AuthSigning.send(presigned);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void expiredPresignedUrlIsRejected() throws Exception {
        SdkHttpRequest presigned = signing.presign(get(LIST_FUNCTIONS), Duration.ofMinutes(1),
                Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10)));

        HttpResponse<String> response = AuthSigning.send(presigned);

        assertError(response, 403, "InvalidSignatureException");
        assertThat(message(response)).startsWith("Signature expired");
    }

    @Test
    void presignedUrlWithAChangedQueryIsRejected() throws Exception {
        SdkHttpRequest presigned = signing.presign(get(LIST_FUNCTIONS + "?MaxItems=1"), Duration.ofMinutes(5),
                Clock.systemUTC());

        HttpResponse<String> response = AuthSigning.send(presigned.toBuilder().putRawQueryParameter("MaxItems", "7").build());

        assertError(response, 403, "InvalidSignatureException");
    }

    @Test
    void presignedUrlWithALongerExpiryThanSignedIsRejected() throws Exception {
        SdkHttpRequest presigned = signing.presign(get(LIST_FUNCTIONS), Duration.ofMinutes(1),
                Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-10)));

        HttpResponse<String> response = AuthSigning.send(presigned.toBuilder()
                .putRawQueryParameter("X-Amz-Expires", "3600").build());

        assertError(response, 403, "InvalidSignatureException");
        assertThat(message(response)).startsWith(SIGNATURE_MISMATCH);
    }

    @Test
    void presignedUrlAndAuthorizationHeaderTogetherAreRefused() throws Exception {
        SdkHttpRequest presigned = signing.presign(get(LIST_FUNCTIONS), Duration.ofMinutes(5), Clock.systemUTC());
        String authorization = signing.sign(get(LIST_FUNCTIONS), new byte[0]).firstMatchingHeader("Authorization").orElseThrow();

        HttpResponse<String> response = AuthSigning.send(presigned.toBuilder().putHeader("Authorization", authorization).build());

        assertError(response, 403, "IncompleteSignatureException");
    }

    // ---------------------------------------------------------------- unauthenticated paths, request ids

    @Test
    void healthNeedsNoAuthentication() throws Exception {
        HttpResponse<String> response = AuthSigning.sendUnsigned("GET", URI.create(server.endpoint() + "/health"));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json.readTree(response.body())).isEqualTo(json.readTree("{\"status\":\"ok\"}"));
        assertThat(response.headers().firstValue("x-amzn-RequestId")).isPresent();
    }

    @Test
    void everyResponseCarriesItsOwnRequestId() throws Exception {
        List<HttpResponse<String>> responses = new ArrayList<>();
        responses.add(AuthSigning.sendUnsigned("GET", URI.create(server.endpoint() + "/health")));
        responses.add(AuthSigning.send(signing.sign(get(LIST_FUNCTIONS), new byte[0])));
        responses.add(AuthSigning.sendUnsigned("GET", URI.create(server.endpoint() + LIST_FUNCTIONS)));
        responses.add(AuthSigning.send(signing.signAt(get(LIST_FUNCTIONS), Duration.ofMinutes(-30))));
        responses.add(AuthSigning.send(signing.sign(get("/2015-03-31/functions/no-such-function"), new byte[0])));
        responses.add(AuthSigning.send(signing.sign(get("/2015-03-31/no-such-operation"), new byte[0])));
        responses.add(AuthSigning.send(signing.sign(signing.request(SdkHttpMethod.POST, "/2015-03-31/functions"),
                "{not json".getBytes(StandardCharsets.UTF_8)), "{not json".getBytes(StandardCharsets.UTF_8)));

        assertThat(responses).extracting(HttpResponse::statusCode).containsExactly(200, 200, 403, 403, 404, 404, 400);
        Set<String> ids = new HashSet<>();
        for (HttpResponse<String> response : responses) {
            String id = response.headers().firstValue("x-amzn-RequestId").orElse(null);
            assertThat(id).as("x-amzn-RequestId of %s %s -> %d", response.request().method(), response.uri(),
                    response.statusCode()).isNotBlank();
            ids.add(id);
        }
        assertThat(ids).as("request ids are unique").hasSize(responses.size());

        LambdaException fromSdk = catchThrowableOfType(LambdaException.class,
                () -> lambda.getFunction(r -> r.functionName("no-such-function")));
        assertThat(fromSdk.statusCode()).isEqualTo(404);
        assertThat(fromSdk.requestId()).isNotBlank().isNotEqualTo("UNKNOWN");
    }

    // ---------------------------------------------------------------- helpers

    private SdkHttpRequest get(String pathAndQuery) {
        return signing.request(SdkHttpMethod.GET, pathAndQuery);
    }

    private byte[] createFunctionBody(String name) throws Exception {
        var body = json.createObjectNode()
                .put("FunctionName", name)
                .put("Runtime", "provided.al2023")
                .put("Handler", "bootstrap")
                .put("Role", TestServer.ROLE);
        body.putObject("Code").put("ZipFile", Base64.getEncoder().encodeToString(Zips.bootstrap(name)));
        return json.writeValueAsBytes(body);
    }

    private String message(HttpResponse<String> response) throws Exception {
        return json.readTree(response.body()).path("Message").asText();
    }

    /** Lambda's error wire format: status, x-amzn-ErrorType, a JSON body of Type and Message, a request id. */
    private void assertError(HttpResponse<String> response, int status, String errorType) throws Exception {
        String described = response.request().method() + " " + response.uri() + " -> " + response.statusCode() + " "
                + response.headers().map() + " " + response.body();
        assertThat(response.statusCode()).as(described).isEqualTo(status);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).as(described).contains(errorType);
        assertThat(response.headers().firstValue("x-amzn-RequestId")).as(described).isPresent();
        JsonNode body = json.readTree(response.body());
        assertThat(body.path("Type").asText()).as(described).isEqualTo("User");
        assertThat(body.path("Message").asText()).as(described).isNotBlank();
    }
}
