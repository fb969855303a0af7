package io.kindling.bench.micro;

import io.kindling.frontend.auth.AccessKeys;
import io.kindling.frontend.auth.RequestHeaders;
import io.kindling.frontend.auth.SigV4Verifier;
import io.kindling.frontend.auth.SignedRequest;
import io.kindling.frontend.auth.VerifiedCaller;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The frontend's {@link SigV4Verifier} checking one request signed as the AWS SDK v2 signs a
 * {@code GetFunctionConfiguration} (header form, four signed headers, empty body): parse the {@code Authorization}
 * header, check date, scope and skew, rebuild the canonical request, hash it, derive the signing key (four HMACs)
 * and compute the signature (a fifth). The request is signed here, in the setup, by the book (AWS's SigV4
 * description); the setup fails unless the verifier accepts it.
 */
@State(Scope.Thread)
public class SigV4Verify {
    private static final String ACCESS_KEY_ID = "AKIDKINDLINGBENCH000";
    private static final String SECRET = "kindling/bench/secret/0000000000000000000000";
    private static final String REGION = "us-east-1";
    private static final String SERVICE = "lambda";
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    private SigV4Verifier verifier;
    private SignedRequest request;
    private byte[] stringToSign;
    private Mac signingMac;

    @Setup
    public void setUp() throws Exception {
        String amzDate = "20260101T000000Z";
        String day = amzDate.substring(0, 8);
        String path = "/2015-03-31/functions/bench-target/configuration";
        String invocationId = "3f7a2b1c-9d8e-4f60-a1b2-c3d4e5f60718";
        String sdkRequest = "attempt=1; max=4";
        String host = "127.0.0.1:9000";
        String signedHeaders = "amz-sdk-invocation-id;amz-sdk-request;host;x-amz-date";
        String canonicalRequest = "GET\n" + path + "\n\n"
                + "amz-sdk-invocation-id:" + invocationId + "\n"
                + "amz-sdk-request:" + sdkRequest + "\n"
                + "host:" + host + "\n"
                + "x-amz-date:" + amzDate + "\n\n"
                + signedHeaders + "\n"
                + SignedRequest.EMPTY_PAYLOAD_SHA256;
        String scope = day + "/" + REGION + "/" + SERVICE + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + scope + "\n"
                + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(canonicalRequest.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + SECRET).getBytes(StandardCharsets.UTF_8), day);
        key = hmac(key, REGION);
        key = hmac(key, SERVICE);
        key = hmac(key, "aws4_request");
        signingMac = Mac.getInstance("HmacSHA256");
        signingMac.init(new SecretKeySpec(key, "HmacSHA256"));
        stringToSign = toSign.getBytes(StandardCharsets.UTF_8);
        String signature = HexFormat.of().formatHex(hmacBaseline());
        RequestHeaders headers = RequestHeaders.builder()
                .add("Host", host)
                .add("amz-sdk-invocation-id", invocationId)
                .add("amz-sdk-request", sdkRequest)
                .add("X-Amz-Date", amzDate)
                .add("User-Agent", "aws-sdk-java/2.57.8 md/io#sync md/http#UrlConnection ua/2.1 os/Linux lang/java#25")
                .add("Authorization", "AWS4-HMAC-SHA256 Credential=" + ACCESS_KEY_ID + "/" + scope
                        + ", SignedHeaders=" + signedHeaders + ", Signature=" + signature)
                .build();
        request = new SignedRequest("GET", path, null, headers, SignedRequest.EMPTY_PAYLOAD_SHA256);
        verifier = new SigV4Verifier(AccessKeys.of(ACCESS_KEY_ID, SECRET), REGION, SERVICE,
                Clock.fixed(NOW, ZoneOffset.UTC), SigV4Verifier.DEFAULT_CLOCK_SKEW);
        if (!verify().accessKeyId().equals(ACCESS_KEY_ID)) {
            throw new IllegalStateException("the verifier named another caller");
        }
    }

    private static byte[] hmac(byte[] key, String data) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }

    /** Kindling: verify the signed request (it throws if the signature does not match). */
    @Benchmark
    public VerifiedCaller verify() throws Exception {
        return verifier.verify(request);
    }

    /** Baseline: one HmacSHA256 of the same string to sign under the already derived key ({@code javax.crypto}). */
    @Benchmark
    public byte[] hmacBaseline() {
        return signingMac.doFinal(stringToSign);
    }
}
