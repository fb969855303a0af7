package io.kindling.chunks.oci.registry;

import java.nio.file.Path;

/**
 * A layer blob on disk, verified.
 *
 * @param downloaded false if the file was already there from an earlier pull and nothing was fetched
 */
public record FetchedLayer(ImageLayer layer, Path file, boolean downloaded) {}
