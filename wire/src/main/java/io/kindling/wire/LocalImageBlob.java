package io.kindling.wire;

/**
 * The answer of {@code PUT /kindling/2026-11-27/images/blobs/{digest}}: the blob is in the server's local image store.
 *
 * @param digest {@code sha256:<hex>}, verified against the bytes received
 * @param size its size in bytes
 */
public record LocalImageBlob(String digest, long size) {}
