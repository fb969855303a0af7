package io.kindling.wire;

/**
 * The answer of {@code PUT /kindling/2026-11-27/images/{repository}/manifests/{tag}}: the manifest is stored and tagged.
 *
 * @param digest the manifest's digest, {@code sha256:<hex>}
 * @param imageUri what CreateFunction/UpdateFunctionCode take to run it: {@code kindling.local/<repository>@<digest>}
 */
public record LocalImageManifest(String digest, String imageUri) {}
