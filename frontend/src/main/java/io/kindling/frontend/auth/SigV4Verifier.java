package io.kindling.frontend.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Checks AWS Signature Version 4 on incoming requests, in both forms the SDKs produce: the
 * {@code Authorization} header, and presigned URLs whose signature travels in the query string.
 *
 * <p>The canonical request is rebuilt from the request exactly as received, so anything a proxy or
 * the server rewrites before this point (path decoding, header folding) breaks every signature.
 * Thread-safe; one instance serves all requests.
 */
public final class SigV4Verifier {
    /** The skew AWS allows between the client's clock and its own. */
    public static final Duration DEFAULT_CLOCK_SKEW = Duration.ofMinutes(15);

    static final String UNSIGNED_PAYLOAD = "UNSIGNED-PAYLOAD";
    private static final String CONTENT_SHA256_HEADER = "x-amz-content-sha256";

    private static final String SIGNATURE_MISMATCH = "The request signature we calculated does not match the"
            + " signature you provided. Check your AWS Secret Access Key and signing method. Consult the"
            + " service documentation for details.";

    private final AccessKeys accessKeys;
    private final String region;
    private final String service;
    private final Clock clock;
    private final Duration allowedSkew;

    /**
     * @param accessKeys  the keys callers may sign with
     * @param region      the only region a credential scope may name, e.g. {@code us-east-1}
     * @param service     the only service a credential scope may name: {@code lambda}
     * @param clock       the server's notion of now
     * @param allowedSkew how far a signing date may be from now; AWS uses {@link #DEFAULT_CLOCK_SKEW}
     */
    public SigV4Verifier(AccessKeys accessKeys, String region, String service, Clock clock, Duration allowedSkew) {
        this.accessKeys = Objects.requireNonNull(accessKeys, "accessKeys");
        this.region = Objects.requireNonNull(region, "region");
        this.service = Objects.requireNonNull(service, "service");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.allowedSkew = Objects.requireNonNull(allowedSkew, "allowedSkew");
        if (allowedSkew.isNegative()) {
            throw new IllegalArgumentException("allowedSkew must not be negative: " + allowedSkew);
        }
    }

    /** Returns who signed the request, or says why it cannot be trusted. */
    public VerifiedCaller verify(SignedRequest request) throws AuthException {
        List<QueryParameter> query = QueryParameter.parse(request.rawQuery());
        Optional<String> authorization = request.headers().first("authorization").filter(v -> !v.isBlank());
        boolean presigned = PresignedQuery.isPresigned(query);
        if (authorization.isPresent() && presigned) {
            throw new AuthException(AuthFailure.INCOMPLETE_SIGNATURE, "Only one auth mechanism allowed; only the"
                    + " X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization"
                    + " header should be specified");
        }
        if (authorization.isPresent()) {
            return verifyHeaderForm(request, query, authorization.get());
        }
        if (presigned) {
            return verifyQueryForm(request, query);
        }
        throw new AuthException(AuthFailure.MISSING_TOKEN, "Missing Authentication Token");
    }

    private VerifiedCaller verifyHeaderForm(SignedRequest request, List<QueryParameter> query, String header)
            throws AuthException {
        AuthorizationHeader authorization = AuthorizationHeader.parse(header);
        Instant signedAt = headerDate(request.headers(), header);
        String amzDate = AmzDate.format(signedAt);
        CredentialScope scope = authorization.credential();
        checkScope(scope, amzDate);
        checkHostSigned(authorization.signedHeaders());
        String secret = secretFor(scope);
        checkWithinSkew(signedAt);
        List<String> payloadHashes = request.headers().contains(CONTENT_SHA256_HEADER)
                ? List.of(declaredPayloadHash(request))
                : List.of(request.payloadSha256Hex());
        checkSignature(request, query, authorization.signedHeaders(), payloadHashes, scope, amzDate, secret,
                authorization.signature());
        return new VerifiedCaller(scope.accessKeyId());
    }

    private VerifiedCaller verifyQueryForm(SignedRequest request, List<QueryParameter> query) throws AuthException {
        PresignedQuery presigned = PresignedQuery.parse(query);
        Instant signedAt = AmzDate.parseBasic(presigned.amzDate());
        String amzDate = AmzDate.format(signedAt);
        CredentialScope scope = presigned.credential();
        checkScope(scope, amzDate);
        checkHostSigned(presigned.signedHeaders());
        String secret = secretFor(scope);
        if (presigned.expires().isPresent()) {
            checkNotYetExpired(signedAt, presigned.expires().get());
        } else {
            checkWithinSkew(signedAt);
        }
        // Presigning signers differ: S3-style ones sign UNSIGNED-PAYLOAD, others the hash of the
        // (usually empty) body. Either is as strong as the other, since the URL is meant to be reused
        // by whoever holds it, so both are tried.
        List<String> payloadHashes = request.headers().contains(CONTENT_SHA256_HEADER)
                ? List.of(declaredPayloadHash(request))
                : List.of(UNSIGNED_PAYLOAD, request.payloadSha256Hex());
        List<QueryParameter> signedQuery = query.stream()
                .filter(p -> !p.name().equals(PresignedQuery.SIGNATURE_PARAMETER))
                .toList();
        checkSignature(request, signedQuery, presigned.signedHeaders(), payloadHashes, scope, amzDate, secret,
                presigned.signature());
        return new VerifiedCaller(scope.accessKeyId());
    }

    /** {@code X-Amz-Date}, or the RFC 1123 {@code Date} header when a client sends only that. */
    private static Instant headerDate(RequestHeaders headers, String authorization) throws AuthException {
        Optional<String> amzDate = headers.first("x-amz-date");
        if (amzDate.isPresent()) {
            return AmzDate.parseBasic(amzDate.get().strip());
        }
        Optional<String> httpDate = headers.first("date");
        if (httpDate.isPresent()) {
            return AmzDate.parseHttpDate(httpDate.get());
        }
        throw new AuthException(AuthFailure.INCOMPLETE_SIGNATURE, "Authorization header requires existence of"
                + " either a 'X-Amz-Date' or a 'Date' header. Authorization=" + authorization);
    }

    private void checkScope(CredentialScope scope, String amzDate) throws AuthException {
        String requestDay = amzDate.substring(0, 8);
        if (!scope.date().equals(requestDay)) {
            throw new AuthException(AuthFailure.INVALID_SIGNATURE, "Date in Credential scope does not match"
                    + " YYYYMMDD from ISO-8601 version of date from HTTP: '" + scope.date() + "' != '" + requestDay
                    + "', from '" + amzDate + "'.");
        }
        if (!scope.service().equals(service)) {
            throw new AuthException(AuthFailure.INVALID_SIGNATURE,
                    "Credential should be scoped to correct service: '" + service + "'. ");
        }
        if (!scope.region().equals(region)) {
            throw new AuthException(AuthFailure.INVALID_SIGNATURE, "Credential should be scoped to a valid region. ");
        }
    }

    /** Without a signed host, a signature for one server would be good for any other that shares the key. */
    private static void checkHostSigned(List<String> signedHeaders) throws AuthException {
        if (signedHeaders.stream().noneMatch(name -> name.equalsIgnoreCase("host"))) {
            throw new AuthException(AuthFailure.INVALID_SIGNATURE,
                    "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
        }
    }

    private String secretFor(CredentialScope scope) throws AuthException {
        return accessKeys.secretFor(scope.accessKeyId()).orElseThrow(() -> new AuthException(
                AuthFailure.UNRECOGNIZED_CLIENT, "The security token included in the request is invalid."));
    }

    private void checkWithinSkew(Instant signedAt) throws AuthException {
        Instant now = clock.instant();
        Instant earliest = now.minus(allowedSkew);
        Instant latest = now.plus(allowedSkew);
        if (signedAt.isBefore(earliest)) {
            throw new AuthException(AuthFailure.SIGNATURE_EXPIRED, "Signature expired: " + AmzDate.format(signedAt)
                    + " is now earlier than " + AmzDate.format(earliest) + " (" + AmzDate.format(now) + " - "
                    + AmzDate.describe(allowedSkew) + ")");
        }
        if (signedAt.isAfter(latest)) {
            throw new AuthException(AuthFailure.SIGNATURE_EXPIRED, "Signature not yet current: "
                    + AmzDate.format(signedAt) + " is still later than " + AmzDate.format(latest) + " ("
                    + AmzDate.format(now) + " + " + AmzDate.describe(allowedSkew) + ")");
        }
    }

    private void checkNotYetExpired(Instant signedAt, Duration expires) throws AuthException {
        Instant now = clock.instant();
        Instant expiry = signedAt.plus(expires);
        if (now.isAfter(expiry)) {
            throw new AuthException(AuthFailure.SIGNATURE_EXPIRED, "Signature expired: " + AmzDate.format(expiry)
                    + " is now earlier than " + AmzDate.format(now) + " (X-Amz-Date " + AmzDate.format(signedAt)
                    + " + X-Amz-Expires " + expires.toSeconds() + " sec.)");
        }
        Instant latest = now.plus(allowedSkew);
        if (signedAt.isAfter(latest)) {
            throw new AuthException(AuthFailure.SIGNATURE_EXPIRED, "Signature not yet current: "
                    + AmzDate.format(signedAt) + " is still later than " + AmzDate.format(latest) + " ("
                    + AmzDate.format(now) + " + " + AmzDate.describe(allowedSkew) + ")");
        }
    }

    /**
     * The client signs whatever it put in {@code x-amz-content-sha256}, so that value goes into the
     * canonical request; but unless it opts out with {@code UNSIGNED-PAYLOAD} it must also be the
     * hash of the body we got, or the body was changed on the way.
     */
    private static String declaredPayloadHash(SignedRequest request) throws AuthException {
        String declared = request.headers().first(CONTENT_SHA256_HEADER).orElseThrow().strip();
        if (!declared.equals(UNSIGNED_PAYLOAD) && !declared.equalsIgnoreCase(request.payloadSha256Hex())) {
            throw new AuthException(AuthFailure.INVALID_SIGNATURE,
                    "The provided 'x-amz-content-sha256' header does not match what was computed.");
        }
        return declared;
    }

    private static void checkSignature(SignedRequest request, List<QueryParameter> signedQuery,
            List<String> signedHeaders, List<String> payloadHashes, CredentialScope scope, String amzDate,
            String secret, String providedSignature) throws AuthException {
        byte[] provided = providedSignature.getBytes(StandardCharsets.US_ASCII);
        boolean matched = false;
        for (String payloadHash : payloadHashes) {
            String canonicalRequest = CanonicalRequest.of(request.method(), request.rawPath(), signedQuery,
                    request.headers(), signedHeaders, payloadHash);
            String expected = SigV4Signing.signature(secret, scope,
                    SigV4Signing.stringToSign(amzDate, scope, canonicalRequest));
            // Constant time, so the comparison does not reveal how much of a guess was right.
            matched |= MessageDigest.isEqual(expected.getBytes(StandardCharsets.US_ASCII), provided);
        }
        if (!matched) {
            throw new AuthException(AuthFailure.INVALID_SIGNATURE, SIGNATURE_MISMATCH);
        }
    }
}
