/**
 * Code as one deterministic EROFS image in two parts (issue 5): {@link io.kindling.chunks.image.ErofsBuilder} builds
 * the metadata image and data blob from an unpacked tree; {@link io.kindling.chunks.image.ImageParts} is how anything
 * reads them back by byte range (plain files, or the chunk store's read path), with
 * {@link io.kindling.chunks.image.CountingImageParts} to measure how much a mount really reads; and
 * {@link io.kindling.chunks.image.ErofsExtractor} writes an image's tree out as plain files where it cannot be mounted.
 */
package io.kindling.chunks.image;
