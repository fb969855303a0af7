/**
 * Container images' layers flattened into one directory tree (issue 6, first slice): the root
 * filesystem an image describes, which {@link io.kindling.chunks.image.ErofsBuilder} turns into a
 * deterministic EROFS image (keeping owners: {@link io.kindling.chunks.image.ErofsBuilder.Ownership#FROM_TREE})
 * for the chunk store, so images sharing a base layer share its chunks.
 *
 * <p>{@link io.kindling.chunks.oci.layers.LayerFlattener} takes the layers as the registry client
 * hands them over ({@link io.kindling.chunks.oci.layers.LayerBlob}: a verified blob file and its media
 * type; plain, gzip or zstd tar), base first, and applies them entry by entry onto a new directory:
 * <ul>
 *   <li>{@code .wh.NAME} deletes NAME of the lower layers; {@code .wh..wh..opq} empties its directory of
 *       what the lower layers put there. Both leave what their own layer wrote, whatever the order of
 *       the entries in the tar; other {@code .wh..wh.} names (aufs's) are skipped;
 *   <li>a later layer's entry replaces what was at its path (a directory merges into a directory);
 *   <li>symbolic links keep their target verbatim, absolute or not, and are never followed: an entry
 *       whose parent is a link or a file rejects the image; hard links must name a file already in the
 *       tree;
 *   <li>owners (uid, gid) and modes, setuid and sticky bits included, are applied as the tar gives
 *       them (so flattening runs as root); times and extended attributes are not kept;
 *   <li>device nodes and fifos are skipped and listed in the {@link io.kindling.chunks.oci.layers.FlattenReport};
 *   <li>absolute names, {@code ..} segments, over-long names, sparse files, tar metadata entries
 *       (long names, PAX headers) over 1 MiB, more than the limits'
 *       uncompressed bytes (Lambda's 10 GiB, counted as decompressed over all layers) or entries reject
 *       the image with a typed {@link io.kindling.chunks.oci.layers.LayerRejected}, and the partial
 *       tree is deleted.
 * </ul>
 * Memory is a few 64 KiB buffers plus one path per entry of the layer being applied and one per
 * directory; disk is the tree itself. {@link io.kindling.chunks.oci.layers.LayerFlattener#open} takes
 * the layers one at a time ({@code apply}, then {@code finish}), so a caller can delete each blob once
 * it is applied.
 */
package io.kindling.chunks.oci.layers;
