package io.kindling.frontend.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** AWS's published SigV4 test vectors, checked step by step and then through the verifier. */
class SigV4TestSuiteTest {
    private static final String ACCESS_KEY_ID = "AKIDEXAMPLE";
    private static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    /** Its published .creq lists content-length, while its own .sts and .authz were computed without it. */
    private static final Set<String> PUBLISHED_CREQ_DISAGREES_WITH_ITS_STS = Set.of("post-x-www-form-urlencoded");

    static Stream<String> vectors() {
        return RawRequestFile.resource("/sigv4/index.txt").lines().filter(line -> !line.isBlank());
    }

    static Stream<String> presignedVectors() {
        return Stream.of("get-vanilla-query-order-key-case", "get-utf8", "get-space-normalized");
    }

    @Test
    void theIndexListsTheCasesAskedFor() {
        assertThat(vectors()).contains("get-vanilla", "get-vanilla-query", "get-vanilla-query-order-key-case",
                "get-vanilla-query-unreserved", "get-vanilla-utf8-query", "get-utf8", "get-space", "get-relative",
                "get-relative-relative", "get-slash", "get-slash-dot-slash", "get-slash-pointless-dot", "get-slashes",
                "post-vanilla", "post-vanilla-query", "post-x-www-form-urlencoded", "post-header-key-case",
                "post-header-value-case", "get-header-value-trim", "get-header-key-duplicate",
                "get-header-value-multiline");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void canonicalRequestAndStringToSignAreThePublishedOnes(String name) throws AuthException {
        Vector vector = Vector.load(name);
        SignedRequest request = vector.request();
        AuthorizationHeader authorization = AuthorizationHeader.parse(vector.authz());

        String canonicalRequest = CanonicalRequest.of(request.method(), request.rawPath(),
                QueryParameter.parse(request.rawQuery()), request.headers(), authorization.signedHeaders(),
                request.payloadSha256Hex());
        String stringToSign = SigV4Signing.stringToSign(vector.amzDate(), authorization.credential(), canonicalRequest);

        if (!PUBLISHED_CREQ_DISAGREES_WITH_ITS_STS.contains(name)) {
            assertThat(canonicalRequest).isEqualTo(vector.creq());
        }
        assertThat(stringToSign).isEqualTo(vector.sts());
        assertThat("Signature=" + SigV4Signing.signature(SECRET, authorization.credential(), stringToSign))
                .isEqualTo(vector.authz().substring(vector.authz().indexOf("Signature=")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void verifierAcceptsTheSignedRequest(String name) throws AuthException {
        Vector vector = Vector.load(name);
        assertThat(vector.verifier().verify(vector.signedRequest()).accessKeyId()).isEqualTo(ACCESS_KEY_ID);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void verifierRejectsTheRequestWithOneBodyByteChanged(String name) {
        Vector vector = Vector.load(name);
        byte[] body = vector.raw().body();
        byte[] tampered = body.length == 0 ? new byte[] {'x'} : body.clone();
        if (body.length > 0) {
            tampered[0] ^= 1;
        }
        SignedRequest signed = vector.signedRequest();
        SignedRequest changed = new SignedRequest(signed.method(), signed.rawPath(), signed.rawQuery(),
                signed.headers(), SignedRequest.sha256Hex(tampered));

        assertThat(failureOf(vector.verifier(), changed)).isEqualTo(AuthFailure.INVALID_SIGNATURE);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void verifierRejectsTheRequestWithAnySignedHeaderChanged(String name) throws AuthException {
        Vector vector = Vector.load(name);
        List<String> signedHeaders = AuthorizationHeader.parse(vector.authz()).signedHeaders();
        assertThat(signedHeaders).contains("host");
        for (String signedHeader : signedHeaders) {
            SignedRequest changed = vector.withHeaderValueChanged(signedHeader);
            assertThat(failureOf(vector.verifier(), changed))
                    .as("with %s changed", signedHeader)
                    .isIn(AuthFailure.INVALID_SIGNATURE, AuthFailure.INCOMPLETE_SIGNATURE);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectors")
    void verifierRejectsTheRequestWithTheMethodOrPathChanged(String name) {
        Vector vector = Vector.load(name);
        SignedRequest signed = vector.signedRequest();
        String otherMethod = signed.method().equals("GET") ? "POST" : "GET";
        SignedRequest otherVerb = new SignedRequest(otherMethod, signed.rawPath(), signed.rawQuery(),
                signed.headers(), signed.payloadSha256Hex());
        SignedRequest otherPath = new SignedRequest(signed.method(), signed.rawPath() + "x", signed.rawQuery(),
                signed.headers(), signed.payloadSha256Hex());

        assertThat(failureOf(vector.verifier(), otherVerb)).isEqualTo(AuthFailure.INVALID_SIGNATURE);
        assertThat(failureOf(vector.verifier(), otherPath)).isEqualTo(AuthFailure.INVALID_SIGNATURE);
    }

    @Test
    void aSecurityTokenAddedAfterSigningIsNotPartOfTheSignature() throws AuthException {
        // post-sts-header-after: the token is sent but was not signed, which the suite says is fine.
        Vector vector = Vector.load("post-sts-header-after");
        SignedRequest signed = vector.signedRequest();
        Map<String, List<String>> headers = new LinkedHashMap<>(signed.headers().valuesByName());
        headers.put("x-amz-security-token", List.of("AQoDYXdzEPT//////////wEXAMPLE"));
        SignedRequest withToken = new SignedRequest(signed.method(), signed.rawPath(), signed.rawQuery(),
                RequestHeaders.of(headers), signed.payloadSha256Hex());

        assertThat(vector.verifier().verify(withToken).accessKeyId()).isEqualTo(ACCESS_KEY_ID);
    }

    @Test
    void theSuiteTimeIsAcceptedUntilTheSkewRunsOut() throws AuthException {
        Vector vector = Vector.load("get-vanilla");
        Instant signedAt = Instant.parse("2015-08-30T12:36:00Z");
        SigV4Verifier justInTime = verifierAt(signedAt.plus(Duration.ofMinutes(15)), "service");
        SigV4Verifier tooLate = verifierAt(signedAt.plus(Duration.ofMinutes(15)).plusSeconds(1), "service");

        assertThat(justInTime.verify(vector.signedRequest()).accessKeyId()).isEqualTo(ACCESS_KEY_ID);
        assertThatThrownBy(() -> tooLate.verify(vector.signedRequest()))
                .isInstanceOfSatisfying(AuthException.class,
                        e -> assertThat(e.failure()).isEqualTo(AuthFailure.SIGNATURE_EXPIRED))
                .hasMessage("Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z"
                        + " (20150830T125101Z - 15 min.)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("presignedVectors")
    void presignedRequestsVerifyUntilTheyExpire(String name) throws AuthException {
        SignedRequest request = RawRequestFile.parse(RawRequestFile.resource("/sigv4/presigned/" + name + ".sreq"))
                .toSignedRequest();
        Instant signedAt = Instant.parse("2015-08-30T12:36:00Z");

        assertThat(verifierAt(signedAt, "service").verify(request).accessKeyId()).isEqualTo(ACCESS_KEY_ID);
        assertThat(verifierAt(signedAt.plusSeconds(3600), "service").verify(request).accessKeyId())
                .isEqualTo(ACCESS_KEY_ID);
        AuthException expired = catchThrowableOfType(AuthException.class,
                () -> verifierAt(signedAt.plusSeconds(3601), "service").verify(request));
        assertThat(expired.failure()).isEqualTo(AuthFailure.SIGNATURE_EXPIRED);
        assertThat(expired.getMessage()).isEqualTo("Signature expired: 20150830T133600Z is now earlier than"
                + " 20150830T133601Z (X-Amz-Date 20150830T123600Z + X-Amz-Expires 3600 sec.)");

        SignedRequest longerLived = new SignedRequest(request.method(), request.rawPath(),
                request.rawQuery().replace("X-Amz-Expires=3600", "X-Amz-Expires=7200"), request.headers(),
                request.payloadSha256Hex());
        assertThat(failureOf(verifierAt(signedAt, "service"), longerLived)).isEqualTo(AuthFailure.INVALID_SIGNATURE);
    }

    private static AuthFailure failureOf(SigV4Verifier verifier, SignedRequest request) {
        AuthException e = catchThrowableOfType(AuthException.class, () -> verifier.verify(request));
        assertThat(e).as("the verifier should have rejected the request").isNotNull();
        return e.failure();
    }

    private static SigV4Verifier verifierAt(Instant now, String service) {
        return new SigV4Verifier(AccessKeys.of(ACCESS_KEY_ID, SECRET), "us-east-1", service,
                Clock.fixed(now, ZoneOffset.UTC), SigV4Verifier.DEFAULT_CLOCK_SKEW);
    }

    /** One case of the suite: its request and AWS's expected intermediate results. */
    private record Vector(String name, RawRequestFile raw, String creq, String sts, String authz, Properties context) {
        static Vector load(String name) {
            String base = "/sigv4/" + name + "/" + name;
            Properties context = new Properties();
            context.setProperty("service", "service");
            context.setProperty("region", "us-east-1");
            context.setProperty("time", "2015-08-30T12:36:00Z");
            if (SigV4TestSuiteTest.class.getResource("/sigv4/" + name + "/context.properties") != null) {
                try {
                    context.load(new StringReader(RawRequestFile.resource("/sigv4/" + name + "/context.properties")));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
            return new Vector(name, RawRequestFile.parse(RawRequestFile.resource(base + ".req")),
                    RawRequestFile.resource(base + ".creq"), RawRequestFile.resource(base + ".sts"),
                    RawRequestFile.resource(base + ".authz"), context);
        }

        String amzDate() {
            return AmzDate.format(Instant.parse(context.getProperty("time")));
        }

        SigV4Verifier verifier() {
            return new SigV4Verifier(AccessKeys.of(ACCESS_KEY_ID, SECRET), context.getProperty("region"),
                    context.getProperty("service"), Clock.fixed(Instant.parse(context.getProperty("time")),
                    ZoneOffset.UTC), SigV4Verifier.DEFAULT_CLOCK_SKEW);
        }

        /** The request exactly as in the .req file, without an Authorization header. */
        SignedRequest request() {
            return raw.toSignedRequest();
        }

        /** The request plus the published Authorization header: what a client would send. */
        SignedRequest signedRequest() {
            return withHeaders(raw.headers(), List.of(Map.entry("Authorization", authz)));
        }

        SignedRequest withHeaderValueChanged(String headerName) {
            List<Map.Entry<String, String>> headers = new ArrayList<>();
            boolean changed = false;
            for (Map.Entry<String, String> header : raw.headers()) {
                if (!changed && header.getKey().equalsIgnoreCase(headerName)) {
                    headers.add(Map.entry(header.getKey(), header.getValue() + "x"));
                    changed = true;
                } else {
                    headers.add(header);
                }
            }
            return withHeaders(headers, List.of(Map.entry("Authorization", authz)));
        }

        private SignedRequest withHeaders(List<Map.Entry<String, String>> headers,
                List<Map.Entry<String, String>> extra) {
            RequestHeaders.Builder builder = RequestHeaders.builder();
            headers.forEach(h -> builder.add(h.getKey(), h.getValue()));
            extra.forEach(h -> builder.add(h.getKey(), h.getValue()));
            return new SignedRequest(raw.method(), raw.rawPath(), raw.rawQuery(), builder.build(),
                    SignedRequest.sha256Hex(raw.body()));
        }
    }
}
