package io.kindling.chunks.cdc;

/**
 * The gear hash's 256 random 64-bit values, one per byte value.
 *
 * <p>Cut points, and so every chunk name ever stored, depend on this table: changing it would make every
 * new ingest share nothing with what is already stored. It is therefore not {@code new Random(seed)}
 * (whose algorithm is the JDK's business) but SplitMix64 (Steele, Lea, Flood 2014: add the golden gamma
 * 0x9E3779B97F4A7C15, then the variant-13 finalizer) from the fixed seed {@link #SEED}, written out here,
 * and {@code GearTableTest} pins its digest.
 */
final class GearTable {

    /** "Kindling" in ASCII. */
    static final long SEED = 0x4b696e646c696e67L;

    private static final long[] VALUES = generate(SEED);

    private GearTable() {}

    static long[] values() {
        return VALUES.clone();
    }

    static long[] shared() {
        return VALUES;
    }

    /** The first 256 outputs of SplitMix64 from {@code seed}. */
    static long[] generate(long seed) {
        long[] table = new long[256];
        long state = seed;
        for (int i = 0; i < table.length; i++) {
            state += 0x9E3779B97F4A7C15L;
            long z = state;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            table[i] = z ^ (z >>> 31);
        }
        return table;
    }
}
