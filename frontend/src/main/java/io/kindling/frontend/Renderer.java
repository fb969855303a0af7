package io.kindling.frontend;

import io.kindling.registry.Alias;
import io.kindling.registry.FunctionSettings;
import io.kindling.registry.FunctionVersion;
import io.kindling.registry.VersionStatus;
import io.kindling.wire.AliasConfiguration;
import io.kindling.wire.AliasRoutingConfig;
import io.kindling.wire.EnvironmentResponse;
import io.kindling.wire.EphemeralStorageResponse;
import io.kindling.wire.FunctionConfiguration;
import io.kindling.wire.ImageConfigResponse;
import io.kindling.wire.LoggingConfig;
import io.kindling.wire.TracingConfigResponse;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HexFormat;

/** Registry values to the exact JSON shapes Lambda returns. */
final class Renderer {
    /** Lambda's LastModified: milliseconds and a {@code +0000} offset, not ISO-8601's {@code Z}. */
    static final DateTimeFormatter LAST_MODIFIED =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSZ").withZone(ZoneOffset.UTC);

    private final Arns arns;

    Renderer(Arns arns) {
        this.arns = arns;
    }

    /**
     * @param qualifiedArn whether FunctionArn carries the version: always for published versions,
     *                     and for $LATEST when the caller named it explicitly.
     */
    FunctionConfiguration configuration(FunctionVersion v, boolean qualifiedArn) {
        FunctionSettings s = v.settings();
        VersionStatus st = v.status();
        boolean qualify = qualifiedArn || !v.isLatest();
        LoggingConfig logging = s.logging() == null ? new LoggingConfig("Text", null, null, null) : s.logging();
        return new FunctionConfiguration(
                v.functionName(),
                qualify ? arns.function(v.functionName(), v.version()) : arns.function(v.functionName()),
                s.runtime(),
                s.role(),
                s.handler(),
                // Lambda reports images with CodeSize 0: their bytes live in the registry, not in the code quota.
                v.code().isImage() ? 0 : v.code().size(),
                s.description(),
                s.timeoutSeconds(),
                s.memoryMb(),
                LAST_MODIFIED.format(v.lastModified()),
                // A zip's CodeSha256 is base64; an image's is its manifest digest in hex, as in ResolvedImageUri.
                v.code().isImage() ? v.code().sha256Hex() : codeSha256(v.code().sha256Hex()),
                v.version(),
                s.environment().isEmpty() ? null : new EnvironmentResponse(s.environment(), null),
                new TracingConfigResponse(s.tracingMode()),
                v.revisionId(),
                st.state().name(),
                st.stateReason(),
                st.stateReasonCode(),
                st.lastUpdateStatus().name(),
                st.lastUpdateStatusReason(),
                st.lastUpdateStatusReasonCode(),
                s.packageType(),
                s.architectures(),
                new EphemeralStorageResponse(s.ephemeralStorageMb()),
                new LoggingConfig(logging.logFormat(), logging.applicationLogLevel(), logging.systemLogLevel(),
                        logging.logGroup() == null ? "/aws/lambda/" + v.functionName() : logging.logGroup()),
                s.imageConfig() == null ? null : new ImageConfigResponse(s.imageConfig()));
    }

    AliasConfiguration alias(Alias a) {
        return new AliasConfiguration(arns.function(a.functionName(), a.name()), a.name(), a.functionVersion(),
                a.description(), a.additionalVersionWeights().isEmpty() ? null : new AliasRoutingConfig(a.additionalVersionWeights()),
                a.revisionId());
    }

    /** Lambda reports CodeSha256 as base64 of the digest; the store names packages by hex. */
    static String codeSha256(String hex) {
        return Base64.getEncoder().encodeToString(HexFormat.of().parseHex(hex));
    }
}
