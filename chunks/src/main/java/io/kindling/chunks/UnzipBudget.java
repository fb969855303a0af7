package io.kindling.chunks;

/**
 * Running total of bytes actually inflated from one package, checked on every buffer. Declared sizes
 * are verified separately, but this total is what really bounds the work and disk an upload can cost,
 * whatever the zip claims. One instance per inspection or unpack; not thread-safe.
 */
final class UnzipBudget {

    private final long limit;
    private long used;

    UnzipBudget(long limit) {
        this.limit = limit;
    }

    void charge(long bytes) throws InvalidPackageException {
        used += bytes;
        if (used > limit) {
            throw InvalidPackageException.unzippedTooLarge(limit);
        }
    }

    long used() {
        return used;
    }
}
