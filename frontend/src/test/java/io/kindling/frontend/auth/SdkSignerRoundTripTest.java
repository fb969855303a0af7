package io.kindling.frontend.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Requests signed by the AWS SDK for Java v2's own SigV4 signer, the one the Lambda client uses,
 * must verify; the same requests changed in any signed part must not.
 */
class SdkSignerRoundTripTest {
    private static final String ACCESS_KEY_ID = "AKIAKINDLINGTEST2345";
    private static final String SECRET = "kindling/Test+Secret0123456789abcdefghijk";
    private static final Instant NOW = Instant.parse("2026-03-14T15:09:26Z");
    private static final String HOST = "localhost:9001";

    /** What the Lambda client sends for GetFunctionConfiguration on a function ARN: ':' as %3A. */
    private static final String ARN_PATH =
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afoo/configuration";

    private final SigV4Verifier verifier = verifierAt(NOW);

    @Test
    void acceptsAGetWhosePathHoldsAnEncodedFunctionArn() throws AuthException {
        SignedRequest request = sign(get(ARN_PATH), new byte[0], signer -> {});

        assertThat(request.rawPath()).isEqualTo(ARN_PATH);
        assertThat(verifier.verify(request)).isEqualTo(new VerifiedCaller(ACCESS_KEY_ID));
    }

    @Test
    void theCanonicalPathEncodesTheWirePathOnceMore() {
        // The SDK signs the already-encoded path and encodes it again, so %3A becomes %253A; a
        // verifier that decoded the path first, or encoded it only once, would reject every ARN.
        assertThat(CanonicalRequest.canonicalUri(ARN_PATH)).isEqualTo(
                "/2015-03-31/functions/arn%253Aaws%253Alambda%253Aus-east-1%253A123456789012%253Afunction%253Afoo/configuration");
    }

    @Test
    void acceptsAQueryWithAnEncodedSlashAndRepeatedKeys() throws AuthException {
        SdkHttpRequest.Builder http = get("/2015-03-31/functions/foo/versions")
                .putRawQueryParameter("Qualifier", "1")
                .putRawQueryParameter("Marker", "abc/def")
                .putRawQueryParameter("tagKeys", List.of("a", "b"));
        SignedRequest request = sign(http, new byte[0], signer -> {});

        assertThat(request.rawQuery()).contains("Marker=abc%2Fdef").contains("tagKeys=a&tagKeys=b");
        assertThat(verifier.verify(request).accessKeyId()).isEqualTo(ACCESS_KEY_ID);
    }

    @Test
    void acceptsAPostWithAJsonBody() throws AuthException {
        SignedRequest request = signedJsonPost();

        assertThat(verifier.verify(request).accessKeyId()).isEqualTo(ACCESS_KEY_ID);
    }

    @Test
    void acceptsAnUnsignedPayloadWhateverTheBody() throws AuthException {
        // The SDK leaves the payload unsigned only over TLS, whatever the property says.
        SignedRequest request = sign(post("/2015-03-31/functions/foo/invocations").protocol("https"), json(),
                signer -> signer.putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false));

        assertThat(request.headers().first("x-amz-content-sha256")).contains("UNSIGNED-PAYLOAD");
        assertThat(verifier.verify(request).accessKeyId()).isEqualTo(ACCESS_KEY_ID);
        assertThat(verifier.verify(withPayload(request, "{}".getBytes(StandardCharsets.UTF_8))).accessKeyId())
                .isEqualTo(ACCESS_KEY_ID);
    }

    @Test
    void rejectsAChangedBody() {
        SignedRequest request = signedJsonPost();
        SignedRequest changed = withPayload(request, "{\"FunctionName\":\"bar\"}".getBytes(StandardCharsets.UTF_8));

        assertThat(rejection(verifier, changed).failure()).isEqualTo(AuthFailure.INVALID_SIGNATURE);
    }

    @Test
    void rejectsABodyThatNoLongerMatchesItsDeclaredHash() {
        SignedRequest request = sign(post("/2015-03-31/functions"), json(), signer -> {});
        SignedRequest declared = withHeader(request, "x-amz-content-sha256", request.payloadSha256Hex());
        SignedRequest changed = withPayload(declared, new byte[] {'{', '}'});

        AuthException e = rejection(verifier, changed);
        assertThat(e.failure()).isEqualTo(AuthFailure.INVALID_SIGNATURE);
        assertThat(e.getMessage()).isEqualTo("The provided 'x-amz-content-sha256' header does not match what was computed.");
    }

    @Test
    void rejectsAChangedPath() {
        SignedRequest request = sign(get(ARN_PATH), new byte[0], signer -> {});
        SignedRequest changed = new SignedRequest(request.method(), ARN_PATH.replace("foo", "bar"),
                request.rawQuery(), request.headers(), request.payloadSha256Hex());
        SignedRequest decoded = new SignedRequest(request.method(), ARN_PATH.replace("%3A", ":"),
                request.rawQuery(), request.headers(), request.payloadSha256Hex());

        assertThat(rejection(verifier, changed).failure()).isEqualTo(AuthFailure.INVALID_SIGNATURE);
        assertThat(rejection(verifier, decoded).failure()).isEqualTo(AuthFailure.INVALID_SIGNATURE);
    }

    @Test
    void rejectsAChangedQuery() {
        SignedRequest request = sign(get("/2015-03-31/functions/foo/versions")
                .putRawQueryParameter("Qualifier", "1")
                .putRawQueryParameter("Marker", "abc/def"), new byte[0], signer -> {});

        // Not a change: abc/def for abc%2Fdef. SigV4 signs decoded parameters, so both read the same.
        for (UnaryOperator<String> change : List.<UnaryOperator<String>>of(
                q -> q.replace("Qualifier=1", "Qualifier=2"),
                q -> q + "&MaxItems=1",
                q -> q.replace("&Qualifier=1", "").replace("Qualifier=1&", ""))) {
            SignedRequest changed = new SignedRequest(request.method(), request.rawPath(),
                    change.apply(request.rawQuery()), request.headers(), request.payloadSha256Hex());
            assertThat(rejection(verifier, changed).failure()).as(changed.rawQuery())
                    .isEqualTo(AuthFailure.INVALID_SIGNATURE);
        }
    }

    @Test
    void rejectsAChangedSignedHeader() {
        SignedRequest request = signedJsonPost();

        assertThat(rejection(verifier, withHeader(request, "Host", "evil.example:9001")).failure())
                .isEqualTo(AuthFailure.INVALID_SIGNATURE);
        assertThat(rejection(verifier, withHeader(request, "Content-Type", "text/plain")).failure())
                .isEqualTo(AuthFailure.INVALID_SIGNATURE);
        assertThat(rejection(verifier, withHeader(request, "X-Amz-Date", "20260314T150927Z")).failure())
                .isEqualTo(AuthFailure.INVALID_SIGNATURE);
    }

    @Test
    void ignoresUnsignedHeaders() throws AuthException {
        SignedRequest request = withHeader(signedJsonPost(), "User-Agent", "something else");

        assertThat(verifier.verify(request).accessKeyId()).isEqualTo(ACCESS_KEY_ID);
    }

    @Test
    void rejectsASignatureMadeWithAnotherSecret() {
        SignedRequest request = sign(get(ARN_PATH), new byte[0],
                signer -> signer.identity(AwsCredentialsIdentity.create(ACCESS_KEY_ID, SECRET + "x")));

        AuthException e = rejection(verifier, request);
        assertThat(e.failure()).isEqualTo(AuthFailure.INVALID_SIGNATURE);
        assertThat(e.getMessage()).isEqualTo("The request signature we calculated does not match the signature you"
                + " provided. Check your AWS Secret Access Key and signing method. Consult the service"
                + " documentation for details.");
    }

    @Test
    void rejectsAnUnknownAccessKey() {
        SignedRequest request = sign(get(ARN_PATH), new byte[0],
                signer -> signer.identity(AwsCredentialsIdentity.create("AKIAUNKNOWNKEY234567", SECRET)));

        AuthException e = rejection(verifier, request);
        assertThat(e.failure()).isEqualTo(AuthFailure.UNRECOGNIZED_CLIENT);
        assertThat(e.getMessage()).isEqualTo("The security token included in the request is invalid.");
    }

    @Test
    void rejectsARequestSignedMoreThanFifteenMinutesAgo() {
        SignedRequest request = sign(get(ARN_PATH), new byte[0], signer -> {});

        AuthException e = rejection(verifierAt(NOW.plus(Duration.ofMinutes(16))), request);
        assertThat(e.failure()).isEqualTo(AuthFailure.SIGNATURE_EXPIRED);
        assertThat(e.getMessage()).isEqualTo(
                "Signature expired: 20260314T150926Z is now earlier than 20260314T151026Z (20260314T152526Z - 15 min.)");
    }

    @Test
    void rejectsARequestSignedMoreThanFifteenMinutesAhead() {
        SignedRequest request = sign(get(ARN_PATH), new byte[0],
                signer -> signer.putProperty(HttpSigner.SIGNING_CLOCK,
                        Clock.fixed(NOW.plus(Duration.ofMinutes(16)), ZoneOffset.UTC)));

        AuthException e = rejection(verifier, request);
        assertThat(e.failure()).isEqualTo(AuthFailure.SIGNATURE_EXPIRED);
        assertThat(e.getMessage()).isEqualTo("Signature not yet current: 20260314T152526Z is still later than"
                + " 20260314T152426Z (20260314T150926Z + 15 min.)");
    }

    @Test
    void rejectsACredentialScopedToAnotherRegion() {
        SignedRequest request = sign(get(ARN_PATH), new byte[0],
                signer -> signer.putProperty(AwsV4HttpSigner.REGION_NAME, "eu-west-1"));

        AuthException e = rejection(verifier, request);
        assertThat(e.failure()).isEqualTo(AuthFailure.INVALID_SIGNATURE);
        assertThat(e.getMessage()).isEqualTo("Credential should be scoped to a valid region. ");
    }

    @Test
    void rejectsACredentialScopedToAnotherService() {
        SignedRequest request = sign(get(ARN_PATH), new byte[0],
                signer -> signer.putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "s3"));

        AuthException e = rejection(verifier, request);
        assertThat(e.failure()).isEqualTo(AuthFailure.INVALID_SIGNATURE);
        assertThat(e.getMessage()).isEqualTo("Credential should be scoped to correct service: 'lambda'. ");
    }

    @Test
    void rejectsAnUnsignedRequest() {
        SignedRequest unsigned = new SignedRequest("GET", ARN_PATH, null,
                RequestHeaders.builder().add("Host", HOST).build(), SignedRequest.EMPTY_PAYLOAD_SHA256);

        AuthException e = rejection(verifier, unsigned);
        assertThat(e.failure()).isEqualTo(AuthFailure.MISSING_TOKEN);
        assertThat(e.getMessage()).isEqualTo("Missing Authentication Token");
    }

    @Test
    void acceptsAPresignedUrlUntilItExpires() throws AuthException {
        SignedRequest request = sign(get(ARN_PATH).putRawQueryParameter("Qualifier", "1"), new byte[0],
                signer -> signer
                        .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                        .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, Duration.ofMinutes(5)));

        assertThat(request.headers().contains("authorization")).isFalse();
        assertThat(request.rawQuery()).contains("X-Amz-Signature=").contains("X-Amz-Expires=300");
        assertThat(verifier.verify(request).accessKeyId()).isEqualTo(ACCESS_KEY_ID);
        assertThat(verifierAt(NOW.plus(Duration.ofMinutes(5))).verify(request).accessKeyId()).isEqualTo(ACCESS_KEY_ID);

        AuthException expired = rejection(verifierAt(NOW.plus(Duration.ofMinutes(5)).plusSeconds(1)), request);
        assertThat(expired.failure()).isEqualTo(AuthFailure.SIGNATURE_EXPIRED);

        SignedRequest changed = new SignedRequest(request.method(), request.rawPath(),
                request.rawQuery().replace("Qualifier=1", "Qualifier=2"), request.headers(), request.payloadSha256Hex());
        assertThat(rejection(verifier, changed).failure()).isEqualTo(AuthFailure.INVALID_SIGNATURE);

        SignedRequest extended = new SignedRequest(request.method(), request.rawPath(),
                request.rawQuery().replace("X-Amz-Expires=300", "X-Amz-Expires=3000"), request.headers(),
                request.payloadSha256Hex());
        assertThat(rejection(verifierAt(NOW.plus(Duration.ofMinutes(10))), extended).failure())
                .isEqualTo(AuthFailure.INVALID_SIGNATURE);
    }

    @Test
    void aPresignedUrlCoversTheBodyHashTheSdkSigned() throws AuthException {
        // The SDK's generic presigner signs the body's hash, not UNSIGNED-PAYLOAD as S3's does, so
        // the verifier has to accept either and the body stays protected when it was signed.
        SignedRequest request = sign(post("/2015-03-31/functions"), json(), signer -> signer
                .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, Duration.ofMinutes(5)));

        assertThat(verifier.verify(request).accessKeyId()).isEqualTo(ACCESS_KEY_ID);
        assertThat(rejection(verifier, withPayload(request, new byte[] {'{', '}'})).failure())
                .isEqualTo(AuthFailure.INVALID_SIGNATURE);
    }

    @Test
    void rejectsAPresignedUrlThatClaimsToLiveLongerThanAWeek() {
        SignedRequest request = sign(get(ARN_PATH), new byte[0], signer -> signer
                .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION, AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
                .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, Duration.ofDays(7)));
        SignedRequest tooLong = new SignedRequest(request.method(), request.rawPath(),
                request.rawQuery().replace("X-Amz-Expires=604800", "X-Amz-Expires=604801"), request.headers(),
                request.payloadSha256Hex());

        assertThat(rejection(verifier, tooLong).failure()).isEqualTo(AuthFailure.INCOMPLETE_SIGNATURE);
    }

    @Test
    void namesEveryMissingPartOfTheAuthorizationHeader() {
        SignedRequest request = signedJsonPost();
        String authorization = request.headers().first("authorization").orElseThrow();
        String withoutSignature = authorization.substring(0, authorization.indexOf(", Signature="));

        AuthException e = rejection(verifier, withHeader(request, "Authorization", withoutSignature));
        assertThat(e.failure()).isEqualTo(AuthFailure.INCOMPLETE_SIGNATURE);
        assertThat(e.getMessage()).isEqualTo(
                "Authorization header requires 'Signature' parameter. Authorization=" + withoutSignature);

        AuthException bare = rejection(verifier, withHeader(request, "Authorization", "AWS4-HMAC-SHA256"));
        assertThat(bare.getMessage()).isEqualTo("Authorization header requires 'Credential' parameter."
                + " Authorization header requires 'Signature' parameter."
                + " Authorization header requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256");
    }

    @Test
    void requiresADate() {
        SignedRequest request = signedJsonPost();
        Map<String, List<String>> headers = new LinkedHashMap<>(request.headers().valuesByName());
        headers.remove("x-amz-date");
        SignedRequest undated = new SignedRequest(request.method(), request.rawPath(), request.rawQuery(),
                RequestHeaders.of(headers), request.payloadSha256Hex());

        AuthException e = rejection(verifier, undated);
        assertThat(e.failure()).isEqualTo(AuthFailure.INCOMPLETE_SIGNATURE);
        assertThat(e.getMessage()).startsWith("Authorization header requires existence of either a 'X-Amz-Date'"
                + " or a 'Date' header. Authorization=AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY_ID + "/");
    }

    @Test
    void rejectsACredentialScopeOfAnotherDay() {
        SignedRequest request = signedJsonPost();
        String authorization = request.headers().first("authorization").orElseThrow();

        AuthException e = rejection(verifier,
                withHeader(request, "Authorization", authorization.replace("/20260314/", "/20260313/")));
        assertThat(e.failure()).isEqualTo(AuthFailure.INVALID_SIGNATURE);
        assertThat(e.getMessage()).isEqualTo("Date in Credential scope does not match YYYYMMDD from ISO-8601 version"
                + " of date from HTTP: '20260313' != '20260314', from '20260314T150926Z'.");
    }

    @Test
    void rejectsAMalformedCredential() {
        SignedRequest request = signedJsonPost();
        String authorization = request.headers().first("authorization").orElseThrow();

        AuthException e = rejection(verifier,
                withHeader(request, "Authorization", authorization.replace("/us-east-1/", "/")));
        assertThat(e.failure()).isEqualTo(AuthFailure.INCOMPLETE_SIGNATURE);
        assertThat(e.getMessage()).startsWith("Credential must have exactly 5 slash-delimited elements");
    }

    @Test
    void requiresTheHostToBeSigned() {
        SignedRequest request = signedJsonPost();
        String authorization = request.headers().first("authorization").orElseThrow();

        AuthException e = rejection(verifier, withHeader(request, "Authorization", authorization.replace("host;", "")));
        assertThat(e.failure()).isEqualTo(AuthFailure.INVALID_SIGNATURE);
        assertThat(e.getMessage()).isEqualTo("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
    }

    @Test
    void refusesBothAnAuthorizationHeaderAndAPresignedQuery() {
        SignedRequest request = signedJsonPost();
        SignedRequest both = new SignedRequest(request.method(), request.rawPath(), "X-Amz-Algorithm=AWS4-HMAC-SHA256",
                request.headers(), request.payloadSha256Hex());

        assertThat(rejection(verifier, both).failure()).isEqualTo(AuthFailure.INCOMPLETE_SIGNATURE);
    }

    // ---------------------------------------------------------------------------------------------

    private static SigV4Verifier verifierAt(Instant now) {
        return new SigV4Verifier(AccessKeys.of(ACCESS_KEY_ID, SECRET), "us-east-1", "lambda",
                Clock.fixed(now, ZoneOffset.UTC), SigV4Verifier.DEFAULT_CLOCK_SKEW);
    }

    private static SdkHttpRequest.Builder get(String encodedPath) {
        return SdkHttpRequest.builder().protocol("http").host("localhost").port(9001)
                .method(SdkHttpMethod.GET).encodedPath(encodedPath);
    }

    private static SdkHttpRequest.Builder post(String encodedPath) {
        return get(encodedPath).method(SdkHttpMethod.POST).putHeader("Content-Type", "application/json");
    }

    private static byte[] json() {
        return "{\"FunctionName\":\"foo\",\"Runtime\":\"java25\",\"Handler\":\"a.B::handle\"}"
                .getBytes(StandardCharsets.UTF_8);
    }

    private static SignedRequest signedJsonPost() {
        return sign(post("/2015-03-31/functions"), json(), signer -> {});
    }

    /**
     * Signs with the SDK, then turns the result into what our server would see: the path and
     * query exactly as the SDK would put them on the wire, and the Host header every HTTP client adds.
     */
    private static SignedRequest sign(SdkHttpRequest.Builder http, byte[] body,
            Consumer<SignRequest.Builder<AwsCredentialsIdentity>> customise) {
        SignRequest.Builder<AwsCredentialsIdentity> signRequest = SignRequest.builder(
                        AwsCredentialsIdentity.create(ACCESS_KEY_ID, SECRET))
                .request(http.build())
                .payload(ContentStreamProvider.fromByteArray(body))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "lambda")
                .putProperty(AwsV4HttpSigner.REGION_NAME, "us-east-1")
                .putProperty(HttpSigner.SIGNING_CLOCK, Clock.fixed(NOW, ZoneOffset.UTC));
        customise.accept(signRequest);
        SdkHttpRequest signed = AwsV4HttpSigner.create().sign(signRequest.build()).request();

        URI uri = signed.getUri();
        RequestHeaders.Builder headers = RequestHeaders.builder();
        signed.forEachHeader((name, values) -> values.forEach(value -> headers.add(name, value)));
        if (signed.firstMatchingHeader("Host").isEmpty()) {
            headers.add("Host", HOST);
        }
        return new SignedRequest(signed.method().name(), uri.getRawPath(), uri.getRawQuery(), headers.build(),
                SignedRequest.sha256Hex(body));
    }

    private static SignedRequest withPayload(SignedRequest request, byte[] body) {
        return new SignedRequest(request.method(), request.rawPath(), request.rawQuery(), request.headers(),
                SignedRequest.sha256Hex(body));
    }

    private static SignedRequest withHeader(SignedRequest request, String name, String value) {
        Map<String, List<String>> headers = new LinkedHashMap<>(request.headers().valuesByName());
        headers.put(name.toLowerCase(Locale.ROOT), List.of(value));
        return new SignedRequest(request.method(), request.rawPath(), request.rawQuery(), RequestHeaders.of(headers),
                request.payloadSha256Hex());
    }

    private static AuthException rejection(SigV4Verifier verifier, SignedRequest request) {
        AuthException e = catchThrowableOfType(AuthException.class, () -> verifier.verify(request));
        assertThat(e).as("the verifier should have rejected the request").isNotNull();
        return e;
    }
}
