package io.kindling.chunks.oci.layers;

/**
 * What flattening one image may cost at most. Inclusive: an image of exactly {@code maxUncompressedBytes}
 * is accepted.
 *
 * @param maxUncompressedBytes the layers' tar streams added up, as decompressed (headers, file contents,
 *     even files a later layer deletes): what decompression really costs, and a bound on the tree
 *     written to disk
 * @param maxEntries tar entries of all layers added up; bounds the per-layer bookkeeping in memory
 */
public record FlattenLimits(long maxUncompressedBytes, long maxEntries) {
    public FlattenLimits {
        if (maxUncompressedBytes <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException("flatten limits must be positive: " + maxUncompressedBytes + ", " + maxEntries);
        }
    }

    /**
     * Lambda's quota, 10 GiB uncompressed for all layers of an image; and a million entries, several
     * times what large real images hold (a CUDA + PyTorch image: about 100,000 files).
     */
    public static FlattenLimits lambdaDefaults() {
        return new FlattenLimits(10L * 1024 * 1024 * 1024, 1_000_000);
    }
}
