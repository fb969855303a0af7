package io.kindling.chunks.cdc;

/**
 * The bounds of content-defined chunks: no chunk is shorter than {@code min} (except the last of an input)
 * or longer than {@code max}, and on random data they average close to {@code avg}.
 *
 * @param min bytes; cut points are never looked for before this, which is also what makes chunking fast
 * @param avg bytes, a power of two: the normalized-chunking masks are derived from its logarithm
 * @param max bytes; the chunker's buffer is this large, so it bounds the chunker's memory
 */
public record ChunkSizes(int min, int avg, int max) {

    /** 128 KiB / 512 KiB / 2 MiB: Lambda's 512 KiB blocks on average, content-defined around them. */
    public static final ChunkSizes DEFAULT = new ChunkSizes(128 * 1024, 512 * 1024, 2 * 1024 * 1024);

    public ChunkSizes {
        if (Integer.bitCount(avg) != 1) {
            throw new IllegalArgumentException("avg must be a power of two: " + avg);
        }
        // The masks take log2(avg) ± 2 bits of a 64-bit hash, so avg needs a few bits either side.
        if (avg < 256 || avg > (1 << 28)) {
            throw new IllegalArgumentException("avg must be in [256, 2^28]: " + avg);
        }
        if (min < 64 || min >= avg || avg >= max) {
            throw new IllegalArgumentException(
                    "need 64 <= min < avg < max: min=" + min + " avg=" + avg + " max=" + max);
        }
    }

    int avgBits() {
        return Integer.numberOfTrailingZeros(avg);
    }
}
