package io.kindling.chunks.oci.layers;

import java.util.List;
import java.util.Objects;

/**
 * What flattening an image's layers did, counted over all layers (a file replaced by a later layer
 * counts twice).
 *
 * @param files regular files written
 * @param directories directories declared by the layers (not those created implicitly for a parent)
 * @param symlinks symbolic links created, their targets kept verbatim
 * @param hardlinks hard links created to an earlier path of the tree
 * @param whiteouts {@code .wh.NAME} entries applied (each hides NAME of the lower layers, if there)
 * @param opaqueDirectories {@code .wh..wh..opq} entries applied (each hides a directory's lower contents)
 * @param skipped entries not represented in the tree: device nodes, fifos, tar types with no file
 * @param skippedNotes the first {@link #MAX_NOTES} skipped entries, one line each (what and why)
 * @param bytesWritten bytes of file contents written to the tree
 * @param uncompressedBytes the layers' tar streams as decompressed, added up
 */
public record FlattenReport(long files, long directories, long symlinks, long hardlinks, long whiteouts,
        long opaqueDirectories, long skipped, List<String> skippedNotes, long bytesWritten, long uncompressedBytes) {

    /** Notes kept; the count goes on. A hostile layer full of device nodes cannot grow the report. */
    public static final int MAX_NOTES = 100;

    public FlattenReport {
        skippedNotes = List.copyOf(Objects.requireNonNull(skippedNotes, "skippedNotes"));
    }
}
