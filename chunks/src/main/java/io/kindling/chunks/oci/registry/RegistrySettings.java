package io.kindling.chunks.oci.registry;

import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How the registry client behaves.
 *
 * @param credentials per-registry credentials; registries without any are pulled anonymously
 * @param insecureRegistries {@code host[:port]} values reached over plain http; loopback hosts
 *     ({@code localhost}, {@code 127.0.0.1}, {@code ::1}) always are, everything else is https
 * @param maxImageBytes the largest sum of compressed layer sizes pulled; Lambda allows 10 GiB
 *     uncompressed, so the compressed sum is a first gate checked before any layer is downloaded
 * @param connectTimeout how long to wait for a TCP (and TLS) connection
 * @param requestTimeout how long to wait for response headers, and for each next piece of a body
 *     (a layer may take as long as it needs while bytes keep coming)
 */
public record RegistrySettings(
        CredentialsLookup credentials,
        Set<String> insecureRegistries,
        long maxImageBytes,
        Duration connectTimeout,
        Duration requestTimeout) {
    public static final long LAMBDA_IMAGE_LIMIT = 10L * 1024 * 1024 * 1024;

    public RegistrySettings {
        Objects.requireNonNull(credentials, "credentials");
        insecureRegistries = Set.copyOf(insecureRegistries);
        if (maxImageBytes <= 0) {
            throw new IllegalArgumentException("maxImageBytes must be positive: " + maxImageBytes);
        }
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(requestTimeout, "requestTimeout");
    }

    /** Anonymous, https except on loopback, Lambda's 10 GiB limit, 10 s to connect and 60 s to answer. */
    public static RegistrySettings defaults() {
        return new RegistrySettings(CredentialsLookup.none(), Set.of(), LAMBDA_IMAGE_LIMIT,
                Duration.ofSeconds(10), Duration.ofSeconds(60));
    }

    public RegistrySettings withCredentials(CredentialsLookup lookup) {
        return new RegistrySettings(lookup, insecureRegistries, maxImageBytes, connectTimeout, requestTimeout);
    }

    public RegistrySettings withInsecureRegistries(Set<String> registries) {
        return new RegistrySettings(credentials, registries, maxImageBytes, connectTimeout, requestTimeout);
    }

    public RegistrySettings withMaxImageBytes(long bytes) {
        return new RegistrySettings(credentials, insecureRegistries, bytes, connectTimeout, requestTimeout);
    }

    public RegistrySettings withRequestTimeout(Duration timeout) {
        return new RegistrySettings(credentials, insecureRegistries, maxImageBytes, connectTimeout, timeout);
    }

    /** Plain http for loopback and for registries configured as insecure. */
    boolean usesPlainHttp(ImageReference image) {
        String host = image.host();
        return host.equals("localhost") || host.equals("127.0.0.1") || host.equals("::1")
                || insecureRegistries.contains(image.registry());
    }
}
