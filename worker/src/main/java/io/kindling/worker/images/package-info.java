/**
 * Code images mounted lazily on the worker (issue 5): an image's two parts, served as read-only files by one FUSE
 * mount (jfuse), attached to read-only loop devices and mounted as EROFS, so a sandbox's reads fetch only the blocks
 * they touch through {@link io.kindling.chunks.image.ImageParts}.
 *
 * <p>API: {@link io.kindling.worker.images.ImageMounts#start} (checks the host, cleans up after a crashed run,
 * mounts FUSE; {@link io.kindling.worker.images.ImageMountException.Unavailable} when the host cannot),
 * {@link io.kindling.worker.images.ImageMounts#mount} gives a {@link io.kindling.worker.images.MountedImage} whose
 * {@code root()} is the tree; closing either unmounts. Not wired into the invoke path yet.
 */
package io.kindling.worker.images;
