package io.kindling.frontend;

import io.kindling.wire.StorageStats;

/**
 * The frontend's seam to what the node can say about itself, which Lambda keeps internal: its chunk store
 * ({@code GET /kindling/2026-11-27/storage}, {@code kindling storage stats}) and its metrics
 * ({@code GET /kindling/2026-11-27/metrics}). Both are authenticated like every other request.
 */
public interface NodeStatus {

    StorageStats storage();

    /** Every metric of the node in the Prometheus text exposition format, version 0.0.4. */
    String metrics();
}
