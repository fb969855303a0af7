package io.kindling.chunks.oci.registry;

import java.nio.file.Path;

/**
 * Where a blob's bytes come from, for the messages of the failures a pull can meet: a registry over the network, or
 * an image layout on this machine's disk.
 *
 * @param name how messages name it: {@code the registry 127.0.0.1:5000}, {@code the image layout /srv/app}
 * @param remote true for a registry: a broken read is the network's ({@link RegistryPullException.Unreachable})
 */
record BlobOrigin(String name, boolean remote) {
    static BlobOrigin registry(ImageReference image) {
        return new BlobOrigin("the registry " + image.registry(), true);
    }

    static BlobOrigin layout(Path dir) {
        return new BlobOrigin("the image layout " + dir, false);
    }

    /** A read that broke off: the registry's connection, or the layout's disk. */
    RegistryPullException.Unreachable unreadable(ImageReference image, Throwable cause) {
        return remote ? new RegistryPullException.Unreachable(image, image.registry(), cause)
                : new RegistryPullException.Unreachable(ImageResolution.capitalized(name) + " cannot be read to pull " + image + ": "
                        + RegistryPullException.Unreachable.describe(cause), cause);
    }

    /** Bytes that are not the blob the manifest names. */
    RegistryPullException.BadLayer mismatch(ImageReference image, Descriptor blob, String what) {
        return new RegistryPullException.BadLayer("The blob " + blob.digest() + " of image " + image + " as " + name
                + (remote ? " sent it " : " holds it ") + what + (remote
                        ? "; it is corrupt in the registry or was damaged on the way."
                        : "; it is corrupt on disk or was changed after it was written."));
    }
}
