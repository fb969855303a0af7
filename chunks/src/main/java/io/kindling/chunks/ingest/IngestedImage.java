package io.kindling.chunks.ingest;

import io.kindling.chunks.manifest.Manifest;

/** An image, chunked and stored: its manifest (to be sealed and kept) and what storing it took. */
public record IngestedImage(Manifest manifest, IngestReport report) {}
