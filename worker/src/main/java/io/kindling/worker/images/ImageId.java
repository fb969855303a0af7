package io.kindling.worker.images;

import java.util.regex.Pattern;

/**
 * Names one image on this worker: a directory in the FUSE filesystem and a mount point, so it is
 * checked to be a safe single path element (e.g. the hex address of the image's manifest).
 */
public record ImageId(String value) {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    public ImageId {
        if (value == null || !SAFE.matcher(value).matches()) {
            throw new IllegalArgumentException("an image id is 1-128 of [A-Za-z0-9_.-], not starting with . _ or -: " + value);
        }
    }

    @Override
    public String toString() {
        return value;
    }
}
