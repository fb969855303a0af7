/**
 * Pulling container images from a registry (issue 6, first slice): the OCI Distribution API, which is
 * Docker's Registry HTTP API v2.
 *
 * <ul>
 *   <li>{@link io.kindling.chunks.oci.registry.ImageReference} reads {@code [registry[:port]/]repository[:tag][@sha256:…]}
 *       as Docker does (Docker Hub and {@code library/} by default).
 *   <li>{@link io.kindling.chunks.oci.registry.RegistryClient#resolve} fetches the manifest (OCI or Docker schema 2),
 *       picks the platform's manifest from an index or manifest list, checks every digest it was
 *       given, refuses layer media types it cannot hand on and images over the size limit, and reads
 *       the config into a {@link io.kindling.chunks.oci.registry.ContainerConfig}. The result,
 *       {@link io.kindling.chunks.oci.registry.PulledImage}, names the exact content pulled:
 *       {@link io.kindling.chunks.oci.registry.PulledImage#resolved()} is {@code repository@sha256:…}.
 *   <li>{@link io.kindling.chunks.oci.registry.RegistryClient#fetchLayer} writes a layer's compressed blob into a
 *       directory under its digest, verified while it streams and renamed into place only when it is
 *       right, and skips layers already there; {@link io.kindling.chunks.oci.registry.RegistryClient#openLayer}
 *       hands the same bytes to a consumer as a {@link io.kindling.chunks.oci.registry.VerifiedBlobStream}.
 *       Decompressing and unpacking layers is the layer reader's job, not this package's.
 *   <li>Authentication: anonymous, basic, and bearer tokens from the registry's token service
 *       ({@code RegistryAuth}, tokens cached per scope for their lifetime), with credentials per
 *       registry from a {@link io.kindling.chunks.oci.registry.CredentialsLookup}. https always, plain http
 *       only on loopback and for registries {@link io.kindling.chunks.oci.registry.RegistrySettings} lists
 *       as insecure.
 *   <li>Failures are a {@link io.kindling.chunks.oci.registry.RegistryPullException}, one subtype per thing a
 *       person can act on, each message a sentence naming the image.
 *   <li>Images on disk: {@link io.kindling.chunks.oci.registry.OciLayoutSource} reads an OCI image layout directory
 *       (skopeo's, umoci's, the server's local image store) by the same rules; both it and the registry client are an
 *       {@link io.kindling.chunks.oci.registry.ImageSource}, and what they share (digest checks, platform pick, media
 *       types, the size gate, verified layer files) is {@code ImageResolution}.
 * </ul>
 */
package io.kindling.chunks.oci.registry;
