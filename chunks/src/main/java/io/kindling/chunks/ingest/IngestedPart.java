package io.kindling.chunks.ingest;

import io.kindling.chunks.manifest.ManifestPart;

/** One part, chunked and stored: its manifest entry and what storing it took. */
public record IngestedPart(ManifestPart part, IngestReport report) {}
