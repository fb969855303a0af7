package io.kindling.it;

import java.util.Random;

/**
 * Big files for packages that still fit Lambda's 50 MB zipped upload: they deflate about a hundredfold, yet every
 * chunk the content-defined chunker cuts from them is different, so none is stored only once by luck.
 */
final class LargePackages {
    /** Within deflate's 32 KiB window, so each repeat is found and referenced. */
    private static final int BLOCK = 16 << 10;

    private LargePackages() {}

    /** {@code size} bytes: one random 16 KiB block repeated, each repeat led by its 8-byte number. */
    static byte[] numberedRepeats(int size, long seed) {
        byte[] block = new byte[BLOCK];
        new Random(seed).nextBytes(block);
        byte[] out = new byte[size];
        long n = 0;
        for (int at = 0; at < size; n++) {
            for (int i = 0; i < Long.BYTES && at < size; i++) {
                out[at++] = (byte) (n >>> (8 * (Long.BYTES - 1 - i)));
            }
            int length = Math.min(BLOCK, size - at);
            System.arraycopy(block, 0, out, at, length);
            at += length;
        }
        return out;
    }
}
