package io.kindling.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.kindling.chunks.oci.registry.MediaTypes;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;

/**
 * Pushes a {@link LocalImage} into the server's local image store: for each blob, a HEAD, and a PUT only if the server
 * does not have it (so a re-deploy of the same image sends no layer again), with a progress bar per blob; then the
 * manifest, tagged in the function's repository. Returns the ImageUri to deploy,
 * {@code kindling.local/<repository>@sha256:<hex>}.
 */
final class ImagePush {
    private static final String API = "/kindling/2026-11-27/images/";

    private ImagePush() {}

    static String push(KindlingApi api, LocalImage image, String repository, PrintWriter err) throws IOException {
        Set<String> sent = new HashSet<>();
        for (LocalImage.Blob blob : image.blobs()) {
            String digest = blob.digest().toString();
            String label = blob.what() + " " + digest.substring(0, "sha256:".length() + 12);
            // The colon percent-encoded, as the SDKs send the colons of ARNs in paths.
            String path = API + "blobs/sha256%3A" + blob.digest().hex();
            if (!sent.add(digest) || api.exists(path)) {
                err.printf("%s: already on the server (%s)%n", label, StorageCommand.bytes(blob.size()));
                err.flush();
                continue;
            }
            api.putUnsigned(path, blob.size(), () -> {
                try {
                    return new ProgressInterceptor.Counting(blob.bytes().open(), Math.max(blob.size(), 1), err,
                            label + " uploading");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            err.printf("%s: uploaded (%s)%n", label, StorageCommand.bytes(blob.size()));
            err.flush();
        }
        String answer = api.put(API + repository + "/manifests/" + image.tag(), image.manifest(), MediaTypes.OCI_MANIFEST);
        return new ObjectMapper().readTree(answer).path("ImageUri").asText();
    }

    /**
     * The repository for a function's images: its name in lower case with runs of other characters as one {@code -}
     * (function names allow capitals and underscores at the ends; repository names do not).
     */
    static String repositoryFor(String functionName) {
        String name = functionName.substring(functionName.lastIndexOf(':') + 1).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
        return name.isEmpty() ? "function" : name;
    }
}
