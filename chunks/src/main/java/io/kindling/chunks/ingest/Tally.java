package io.kindling.chunks.ingest;

/** A number of chunks and the plaintext bytes they hold. */
public record Tally(long chunks, long bytes) {

    public static final Tally NONE = new Tally(0, 0);

    public Tally {
        if (chunks < 0 || bytes < 0) {
            throw new IllegalArgumentException("counts are not negative: " + chunks + ", " + bytes);
        }
    }

    public Tally plus(Tally other) {
        return new Tally(chunks + other.chunks, bytes + other.bytes);
    }

    Tally plusChunk(int length) {
        return new Tally(chunks + 1, bytes + length);
    }
}
