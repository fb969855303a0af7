/**
 * Importing a container image from its registry, or from an OCI layout on disk, as a code image (issue 6, second
 * slice): an {@link io.kindling.chunks.oci.registry.ImageSource} ({@link io.kindling.chunks.oci.registry}) and the layer
 * flattener
 * ({@link io.kindling.chunks.oci.layers}) put together.
 *
 * <p>{@link io.kindling.chunks.oci.ImageImport#run} resolves the image for a platform, then for each
 * layer, base first: fetches its blob (verified) into the import's own scratch directory, applies it
 * onto the tree ({@link io.kindling.chunks.oci.layers.LayerFlattener#open}) and deletes the blob. The
 * finished tree goes to a {@link io.kindling.chunks.oci.TreeStore}, which builds and stores it (the
 * server: EROFS with the tree's owners, chunk ingest, manifest under the image's manifest digest);
 * then the scratch directory is deleted, after a failure too. The
 * {@link io.kindling.chunks.oci.ImportedImage} carries what running the image needs later: the URI
 * pinned to the platform manifest, the container config, the flatten report and the store's result.
 *
 * <ul>
 *   <li>Memory: a few buffers, never a layer. Scratch: the tree, one compressed layer, and what the
 *       store writes beside (an EROFS image about the tree's size): about twice the image.
 *   <li>Each layer is fetched once per import. Nothing is cached across imports: a layer two images
 *       share is downloaded again, and stored once because identical layers give identical chunks.
 *   <li>Failures stay typed: {@link io.kindling.chunks.oci.registry.RegistryPullException} (names the
 *       image already), {@link io.kindling.chunks.oci.layers.LayerRejected} (re-made with the image's
 *       pinned URI in front), {@link io.kindling.chunks.image.ImageBuildException} from the store, and
 *       {@link java.io.IOException} wrapped with the image's name.
 * </ul>
 */
package io.kindling.chunks.oci;
