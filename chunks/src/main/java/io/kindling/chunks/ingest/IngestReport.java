package io.kindling.chunks.ingest;

/**
 * What an ingest stored: {@code total} = {@code unique} + {@code reused} + {@code zero}.
 *
 * @param unique chunks newly written to the origin
 * @param reused chunks the origin already had (from earlier ingests, or earlier in this one)
 * @param zero all-zero chunks, stored nowhere
 */
public record IngestReport(Tally total, Tally unique, Tally reused, Tally zero) {

    public static final IngestReport NONE = new IngestReport(Tally.NONE, Tally.NONE, Tally.NONE, Tally.NONE);

    public IngestReport {
        if (!unique.plus(reused).plus(zero).equals(total)) {
            throw new IllegalArgumentException("total " + total + " is not unique + reused + zero");
        }
    }

    public IngestReport plus(IngestReport other) {
        return new IngestReport(total.plus(other.total), unique.plus(other.unique),
                reused.plus(other.reused), zero.plus(other.zero));
    }

    /** The share of bytes that did not have to be stored, 0 for an empty ingest. */
    public double dedupeRatio() {
        return total.bytes() == 0 ? 0 : 1 - (double) unique.bytes() / total.bytes();
    }
}
