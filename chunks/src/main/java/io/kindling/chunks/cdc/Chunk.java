package io.kindling.chunks.cdc;

/**
 * One content-defined chunk of an input.
 *
 * @param offset where it starts in the input
 * @param bytes its content, owned by the receiver (the chunker never touches it again)
 */
public record Chunk(long offset, byte[] bytes) {

    public int length() {
        return bytes.length;
    }
}
