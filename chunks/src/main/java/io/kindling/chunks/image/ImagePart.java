package io.kindling.chunks.image;

/**
 * The two files an EROFS image is built into. An enum rather than a string: there are exactly two,
 * and the FUSE filesystem names its files after them, so a misspelt part cannot compile.
 */
public enum ImagePart {
    /** Superblock, inodes, directories, symlink targets: small, read on every lookup. */
    METADATA("meta"),
    /** Every regular file's bytes, in 4 KiB blocks, addressed by the metadata's chunk indexes. */
    BLOB("blob");

    private final String fileName;

    ImagePart(String fileName) {
        this.fileName = fileName;
    }

    /** The part's file name wherever it is exposed as a file (build output, FUSE). */
    public String fileName() {
        return fileName;
    }
}
