package io.kindling.chunks.oci.registry;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A container image as users write it, {@code [registry[:port]/]repository[:tag][@sha256:digest]},
 * read the way Docker reads it: the first path component is a registry only if it holds a dot or a
 * colon or is {@code localhost} (or is not lowercase); otherwise the registry is Docker Hub and a
 * single-component name gets {@code library/}. Without tag or digest the tag is {@code latest}.
 *
 * @param registry host and optional port ({@code 127.0.0.1:5000}, {@code [::1]:5000}, {@code docker.io})
 * @param repository the path inside the registry ({@code library/python})
 * @param tag the tag, if one was written (or implied: {@code latest} when there is no digest)
 * @param digest the manifest digest, if one was written; it wins over the tag
 */
public record ImageReference(String registry, String repository, Optional<String> tag, Optional<BlobDigest> digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final String DOCKER_HUB_API_HOST = "registry-1.docker.io";
    // From the distribution reference grammar.
    private static final Pattern REPOSITORY = Pattern.compile(
            "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*");
    private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");
    private static final Pattern REGISTRY = Pattern.compile("(?:[a-zA-Z0-9.-]+|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?");
    private static final int MAX_NAME = 255;

    public ImageReference {
        Objects.requireNonNull(tag, "tag");
        Objects.requireNonNull(digest, "digest");
        if (!REGISTRY.matcher(registry).matches()) {
            throw new IllegalArgumentException("not a registry host[:port]: " + registry);
        }
        if (!REPOSITORY.matcher(repository).matches() || repository.length() > MAX_NAME) {
            throw new IllegalArgumentException("not a repository name (lowercase letters, digits, separators . _ __ - and /): "
                    + repository);
        }
        if (tag.isPresent() && !TAG.matcher(tag.get()).matches()) {
            throw new IllegalArgumentException("not a tag (letters, digits, _ . -, at most 128): " + tag.get());
        }
        if (tag.isEmpty() && digest.isEmpty()) {
            throw new IllegalArgumentException("an image reference needs a tag or a digest");
        }
    }

    /**
     * Parses an image reference.
     *
     * @throws IllegalArgumentException with a sentence saying what is wrong, for anything else
     */
    public static ImageReference parse(String reference) {
        String rest = reference.strip();
        if (rest.isEmpty()) {
            throw new IllegalArgumentException("an image reference is empty");
        }
        Optional<BlobDigest> digest = Optional.empty();
        int at = rest.indexOf('@');
        if (at >= 0) {
            try {
                digest = Optional.of(BlobDigest.parse(rest.substring(at + 1)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("image reference " + reference + ": " + e.getMessage(), e);
            }
            rest = rest.substring(0, at);
        }
        Optional<String> tag = Optional.empty();
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = Optional.of(rest.substring(colon + 1));
            rest = rest.substring(0, colon);
        }
        String registry = DOCKER_HUB;
        int slash = rest.indexOf('/');
        if (slash >= 0 && isRegistry(rest.substring(0, slash))) {
            registry = rest.substring(0, slash);
            rest = rest.substring(slash + 1);
        }
        if (registry.equals(DOCKER_HUB) && !rest.contains("/")) {
            rest = "library/" + rest;
        }
        if (tag.isEmpty() && digest.isEmpty()) {
            tag = Optional.of("latest");
        }
        try {
            return new ImageReference(registry, rest, tag, digest);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("image reference " + reference + ": " + e.getMessage(), e);
        }
    }

    private static boolean isRegistry(String component) {
        return component.contains(".") || component.contains(":") || component.equals("localhost")
                || !component.equals(component.toLowerCase(java.util.Locale.ROOT));
    }

    /** The same repository at exactly {@code manifest}, without the tag. */
    public ImageReference pinned(BlobDigest manifest) {
        return new ImageReference(registry, repository, Optional.empty(), Optional.of(manifest));
    }

    /** What goes after {@code /manifests/} in the API: the digest if there is one, else the tag. */
    String manifestReference() {
        return digest.map(BlobDigest::toString).orElseGet(tag::orElseThrow);
    }

    /** The host name without port or brackets, to decide on plain http and to look up credentials. */
    String host() {
        if (registry.startsWith("[")) {
            return registry.substring(1, registry.indexOf(']'));
        }
        int colon = registry.indexOf(':');
        return colon < 0 ? registry : registry.substring(0, colon);
    }

    /** Where the registry's API is: Docker Hub's name is not its API host. */
    String apiAuthority() {
        return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API_HOST : registry;
    }

    @Override
    public String toString() {
        return registry + "/" + repository + tag.map(t -> ":" + t).orElse("") + digest.map(d -> "@" + d).orElse("");
    }
}
