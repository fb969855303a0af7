package io.kindling.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.chunks.oci.registry.CredentialsLookup;
import io.kindling.chunks.oci.registry.ImageReference;
import io.kindling.chunks.oci.registry.RegistryCredentials;
import io.kindling.chunks.oci.registry.RegistrySettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Base64;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Where container images may be pulled from and as whom: registries reached over plain http (loopback always is), and
 * a credentials file in Docker's {@code config.json} format, so {@code ~/.docker/config.json} after a
 * {@code docker login} works as it is:
 *
 * <pre>
 * {"auths": {"registry.example.com": {"auth": "base64(user:password)"},
 *            "localhost:5000":       {"username": "ci", "password": "…"}}}
 * </pre>
 *
 * The file holds secrets, so it must not be readable or writable by group or others (0600), like the server's own keys.
 *
 * @param layerCacheBytes how many bytes of pulled layers are kept between imports in {@code <data>/chunks/layers}
 *     (least recently used out; a layer over a quarter of it is never kept); 0 keeps none
 */
record ImageRegistries(Set<String> insecureRegistries, Optional<Path> credentialsFile, long layerCacheBytes) {
    /** 2 GiB: a few base images (a Debian or JDK base is 30 to 200 MB compressed). */
    static final long DEFAULT_LAYER_CACHE_BYTES = 2L << 30;

    ImageRegistries {
        insecureRegistries = Set.copyOf(insecureRegistries);
        if (layerCacheBytes < 0) {
            throw new IllegalArgumentException("layerCacheBytes must not be negative: " + layerCacheBytes);
        }
    }

    static ImageRegistries defaults() {
        return new ImageRegistries(Set.of(), Optional.empty(), DEFAULT_LAYER_CACHE_BYTES);
    }

    /**
     * The registry client's settings; reads the credentials file now.
     *
     * @throws IOException if the file cannot be read, is open to others, or is not a Docker config
     */
    RegistrySettings settings() throws IOException {
        RegistrySettings settings = RegistrySettings.defaults().withInsecureRegistries(insecureRegistries);
        if (credentialsFile.isEmpty()) {
            return settings;
        }
        return settings.withCredentials(CredentialsLookup.of(readCredentials(credentialsFile.get())));
    }

    static Map<String, RegistryCredentials> readCredentials(Path file) throws IOException {
        Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
        for (PosixFilePermission open : Set.of(PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE,
                PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE)) {
            if (permissions.contains(open)) {
                throw new IOException("the registry credentials file " + file + " holds passwords but is readable or "
                        + "writable by others; chmod 600 it");
            }
        }
        JsonNode auths = new ObjectMapper().readTree(file.toFile()).path("auths");
        if (!auths.isObject()) {
            throw new IOException("the registry credentials file " + file + " has no \"auths\" object (Docker's "
                    + "config.json format)");
        }
        Map<String, RegistryCredentials> byRegistry = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            byRegistry.put(registryKey(entry.getKey()), credentials(file, entry.getKey(), entry.getValue()));
        }
        return byRegistry;
    }

    /**
     * Docker also accepts {@code https://host/v1/}-style keys, and logs in to Docker Hub as {@code index.docker.io};
     * image references name the bare {@code host[:port]}, and Docker Hub as {@code docker.io}.
     */
    private static String registryKey(String key) {
        String bare = key.replaceFirst("^https?://", "");
        int slash = bare.indexOf('/');
        String host = slash < 0 ? bare : bare.substring(0, slash);
        return host.equals("index.docker.io") || host.equals("registry-1.docker.io") ? ImageReference.DOCKER_HUB : host;
    }

    private static RegistryCredentials credentials(Path file, String registry, JsonNode entry) throws IOException {
        String username = entry.path("username").asText(null);
        String password = entry.path("password").asText(null);
        String auth = entry.path("auth").asText(null);
        if ((username == null || password == null) && auth != null) {
            String decoded;
            try {
                decoded = new String(Base64.getDecoder().decode(auth), StandardCharsets.UTF_8);
            } catch (IllegalArgumentException e) {
                throw new IOException("the credentials for " + registry + " in " + file + " have an \"auth\" that is "
                        + "not base64");
            }
            int colon = decoded.indexOf(':');
            if (colon < 0) {
                throw new IOException("the credentials for " + registry + " in " + file + " have an \"auth\" that is "
                        + "not user:password");
            }
            username = decoded.substring(0, colon);
            password = decoded.substring(colon + 1);
        }
        if (username == null || password == null) {
            throw new IOException("the credentials for " + registry + " in " + file + " need \"auth\" or "
                    + "\"username\" and \"password\"");
        }
        return new RegistryCredentials(username, password);
    }
}
