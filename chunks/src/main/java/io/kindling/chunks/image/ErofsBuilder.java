package io.kindling.chunks.image;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Turns a directory tree (an unpacked code package) into a deterministic EROFS image in two parts: a
 * small metadata image and a data blob holding every file's bytes. The same tree always gives the
 * same bytes, so the chunk store stores an unchanged package once and a changed one mostly as chunks
 * it already has.
 *
 * <p>The command, with why each option is there (erofs-utils 1.5, Debian 12):
 * <pre>
 * mkfs.erofs --quiet -x-1 -T0 --all-root -U &lt;fixed uuid&gt; --chunksize=524288 --blobdev=&lt;blob&gt; &lt;meta&gt; &lt;dir&gt;
 * </pre>
 * <ul>
 *   <li>{@code -T0}: every inode's time and the superblock's build time are 0, so when the tree was
 *       unpacked does not leak in (the files' own mtimes are ignored too);
 *   <li>{@code --all-root}: owner and group 0, whoever unpacked the tree ({@link Ownership#ALL_ROOT}, for
 *       zips, which carry no owner). A container image's tree keeps the owners its layers gave each
 *       file ({@link Ownership#FROM_TREE}: the option is left out and the tree's uid and gid are
 *       taken as they are, so the tree must be written by root);
 *   <li>{@code -U}: a fixed filesystem UUID; without it every build differs (random UUID);
 *   <li>{@code -x-1}: no extended attributes. Not in the original recipe: measured here, a
 *       {@code user.*} xattr on a source file changes the metadata image, and a host with SELinux
 *       labels or ACLs would leak them into every image. A zip carries no xattrs anyway;
 *   <li>{@code --chunksize=524288 --blobdev}: file data goes to the blob in chunk-indexed form (the
 *       kernel mounts it with {@code -o device=}); the metadata stays small and lookups never touch
 *       the blob. erofs-utils 1.5 calls chunked files "EXPERIMENTAL" on stderr every time; the
 *       kernel has read them since 5.15, multiple devices since 5.16;
 *   <li>{@code --quiet}: no progress line per file on stdout.
 * </ul>
 * Modes are kept as they are in the tree (an executable bootstrap stays executable); entries are
 * laid out in name order whatever order the directory lists them in, and the source path does not
 * appear in the image (checked by the tests).
 *
 * <p>Memory: mkfs.erofs is a separate process; its output is read as it comes with a bounded tail
 * ({@link HostCommand}), so the JVM's memory does not grow with the tree.
 */
public final class ErofsBuilder {
    /** Any fixed value does; this one reads "kindling-erofs" in hex for whoever meets it in a dump. */
    public static final UUID FILESYSTEM_UUID = UUID.fromString("6b696e64-6c69-6e67-2d65-726f66730000");
    /** 512 KiB, Lambda's block size: the unit of the blob's chunk index (not the chunk store's chunks). */
    public static final int CHUNK_SIZE = 512 * 1024;
    /**
     * A safety net for a hung tool, not a budget: measured here, a 260 MB tree builds in about 2 s and a 10 GiB
     * container image in about 100 s (10 s per GiB); half an hour leaves room for that image on a disk five times
     * slower and busy.
     */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
    static final String TOOL = "mkfs.erofs";

    /** Whose files the image says they are. */
    public enum Ownership {
        /** Every inode owned by uid 0 and gid 0: a zip package carries no owner. */
        ALL_ROOT,
        /** Every inode owned as in the tree: a container image's files keep their layers' owners. */
        FROM_TREE
    }

    private final String tool;
    private final Duration timeout;

    public ErofsBuilder() {
        this(DEFAULT_TIMEOUT);
    }

    public ErofsBuilder(Duration timeout) {
        this(TOOL, timeout);
    }

    /** With another executable in place of mkfs.erofs: for tests of the failure paths. */
    ErofsBuilder(String tool, Duration timeout) {
        this.tool = tool;
        this.timeout = timeout;
    }

    /**
     * Builds the image of {@code tree} into {@code metadata} and {@code blob}, replacing them if they
     * exist. Written under temporary names beside them and moved into place when complete, so a crash
     * or failure never leaves a half-built part under its final name.
     */
    public ErofsImage build(Path tree, Path metadata, Path blob) throws ImageBuildException {
        return build(tree, metadata, blob, Ownership.ALL_ROOT);
    }

    /** As {@link #build(Path, Path, Path)}, with the inodes' owners as {@code ownership} says. */
    public ErofsImage build(Path tree, Path metadata, Path blob, Ownership ownership) throws ImageBuildException {
        if (!Files.isDirectory(tree)) {
            throw new ImageBuildException.BadInput(tree + " is not a directory", null);
        }
        Path metadataTemp = temporary(metadata);
        Path blobTemp = temporary(blob);
        try {
            HostCommand.Result result = HostCommand.run(command(tool, tree, metadataTemp, blobTemp, ownership), timeout);
            if (!result.succeeded()) {
                throw new ImageBuildException.Failed(result.describe(), null);
            }
            move(metadataTemp, metadata);
            move(blobTemp, blob);
            return new ErofsImage(metadata, blob);
        } catch (HostCommandException.NotRunnable e) {
            throw new ImageBuildException.ToolMissing(tool, e);
        } catch (HostCommandException e) {
            throw new ImageBuildException.Failed(e.getMessage(), e);
        } finally {
            deleteQuietly(metadataTemp);
            deleteQuietly(blobTemp);
        }
    }

    /** The mkfs.erofs command line for a build; see the class comment for each option. */
    static List<String> command(String tool, Path tree, Path metadata, Path blob, Ownership ownership) {
        List<String> command = new ArrayList<>();
        command.add(tool);
        command.add("--quiet");
        command.add("-x-1");
        command.add("-T0");
        if (ownership == Ownership.ALL_ROOT) {
            command.add("--all-root");
        }
        command.add("-U" + FILESYSTEM_UUID);
        command.add("--chunksize=" + CHUNK_SIZE);
        command.add("--blobdev=" + blob);
        command.add(metadata.toString());
        command.add(tree.toString());
        return command;
    }

    private static Path temporary(Path target) throws ImageBuildException {
        Path dir = target.toAbsolutePath().getParent();
        try {
            Files.createDirectories(dir);
            // mkfs.erofs creates its outputs itself; an empty file of ours is simply truncated.
            return Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
        } catch (IOException e) {
            throw new ImageBuildException.BadInput("cannot create a file in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static void move(Path from, Path to) throws ImageBuildException {
        try {
            try {
                Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new ImageBuildException.BadInput("cannot move " + from + " to " + to + ": " + e.getMessage(), e);
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // A stray temp file is harmless; the next build picks a new name.
        }
    }
}
