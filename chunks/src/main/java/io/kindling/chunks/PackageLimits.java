package io.kindling.chunks;

/**
 * Size and shape limits a code package must respect. All limits are inclusive: a package of exactly
 * {@code maxUnzippedBytes} is accepted.
 *
 * @param maxZippedBytes largest accepted zip file
 * @param maxUnzippedBytes largest accepted total of inflated entry contents (files, link targets)
 * @param maxEntries largest accepted number of entries in the central directory
 */
public record PackageLimits(long maxZippedBytes, long maxUnzippedBytes, int maxEntries) {

    public PackageLimits {
        if (maxZippedBytes <= 0 || maxUnzippedBytes <= 0 || maxEntries <= 0) {
            throw new IllegalArgumentException("package limits must be positive: " + maxZippedBytes + ", "
                    + maxUnzippedBytes + ", " + maxEntries);
        }
    }

    /**
     * Lambda's documented quotas: 50 MiB zipped for a direct upload and 250 MiB unzipped. Lambda has no
     * entry quota; ours only exists to bound the memory the central directory takes, and no real
     * deployment package comes near it.
     */
    public static PackageLimits lambdaDefaults() {
        return new PackageLimits(52_428_800L, 262_144_000L, 100_000);
    }
}
