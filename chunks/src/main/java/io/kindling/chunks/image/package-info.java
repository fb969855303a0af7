/**
 * Code as one deterministic EROFS image in two parts (issue 5): {@link io.kindling.chunks.image.ErofsBuilder} builds
 * the metadata image and data blob from an unpacked tree; {@link io.kindling.chunks.image.ImageParts} is how anything
 * reads them back by byte range (plain files now, the chunk store's read path later), with
 * {@link io.kindling.chunks.image.CountingImageParts} to measure how much a mount really reads.
 */
package io.kindling.chunks.image;
