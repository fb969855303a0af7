package io.kindling.frontend;

import io.kindling.wire.ChunkGcReport;
import io.kindling.wire.StorageStats;
import java.io.IOException;

/**
 * The frontend's seam to what the node can say about itself, which Lambda keeps internal: its chunk store
 * ({@code GET /kindling/2026-11-27/storage}, {@code kindling storage stats}, {@code kindling storage gc}) and its metrics
 * ({@code GET /kindling/2026-11-27/metrics}). Both are authenticated like every other request.
 */
public interface NodeStatus {

    StorageStats storage();

    /**
     * Runs one garbage collection pass over the chunk store now ({@code POST /kindling/2026-11-27/storage/gc}), after
     * any pass under way; the periodic passes go on as before.
     *
     * @throws IOException if the pass could not finish (the server log says which manifest or file stopped it)
     */
    ChunkGcReport collectGarbage() throws IOException;

    /** Every metric of the node in the Prometheus text exposition format, version 0.0.4. */
    String metrics();
}
