package io.kindling.chunks.cdc;

import java.io.IOException;

/** Receives an input's chunks in order. */
@FunctionalInterface
public interface ChunkSink {

    void accept(Chunk chunk) throws IOException;
}
