package io.kindling.chunks.image;

import io.kindling.chunks.FileTrees;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes an image's tree out as plain files: {@link ErofsBuilder} the other way round, for hosts that cannot mount
 * images (issue 5, item 6). The two parts are copied from their {@link ImageParts} (for the worker: the chunk store,
 * every byte verified) into files, and erofs-utils unpacks them:
 * <pre>
 * fsck.erofs --device=&lt;blob&gt; --extract=&lt;dir&gt; --preserve-perms --no-preserve-owner &lt;meta&gt;
 * </pre>
 * <ul>
 *   <li>{@code --device}: the blob holding the chunked files' bytes, as {@code -o device=} is for the mount;
 *   <li>{@code --extract}: checks every inode and directory while writing the tree, and exits with 1 if anything does
 *       not check out (a bad superblock, a blob shorter than the metadata says, a file that cannot be written);
 *   <li>{@code --preserve-perms}: every mode exactly as in the image (an executable bootstrap stays executable, no
 *       umask applied); symlinks are written as symlinks, empty files and directories as such;
 *   <li>{@code --no-preserve-owner}: the image's owner is root throughout ({@code --all-root}), so the extracting user
 *       owns the tree either way; this skips a chown per file that only fails, noisily, when not run as root.
 * </ul>
 * The tree is extracted into a temporary directory beside the target and renamed into place only once fsck.erofs
 * succeeded, so the target is either the whole tree or absent; the copied parts go with the temporary directory.
 *
 * <p>Memory: a part is copied through one {@link #COPY_SLICE} buffer, whatever the image's size; fsck.erofs is a
 * separate process whose output is kept as a bounded tail ({@link HostCommand}). Disk: the parts and the tree, about
 * twice the image, until the parts are deleted.
 */
public final class ErofsExtractor {
    private static final Logger LOG = LoggerFactory.getLogger(ErofsExtractor.class);
    /** A safety net for a hung tool: 3 MB extract in a few ms here; as {@link ErofsBuilder#DEFAULT_TIMEOUT}, room for 10 GiB. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(30);
    /** The slice a part is copied in: the blob's own chunk size, so a read usually touches one or two stored chunks. */
    static final int COPY_SLICE = ErofsBuilder.CHUNK_SIZE;
    /** Ends the temporary directory beside a target, so whoever finds one after a crash can tell what it was. */
    private static final String TEMP_SUFFIX = ".extracting";
    static final String TOOL = "fsck.erofs";

    private final String tool;
    private final Duration timeout;

    public ErofsExtractor() {
        this(DEFAULT_TIMEOUT);
    }

    public ErofsExtractor(Duration timeout) {
        this(TOOL, timeout);
    }

    /** With another executable in place of fsck.erofs: for tests of the failure paths. */
    ErofsExtractor(String tool, Duration timeout) {
        this.tool = tool;
        this.timeout = timeout;
    }

    /**
     * Extracts the image {@code parts} holds into {@code target}, which must not exist (its parent must). Blocks
     * while the parts are read and fsck.erofs runs; safe on a virtual thread.
     *
     * @throws ImageExtractException.PartUnreadable if a part could not be read (a chunk missing or corrupt, say)
     * @throws ImageExtractException.Failed if fsck.erofs failed or the files could not be written; nothing is left
     */
    public void extract(ImageParts parts, Path target) throws ImageExtractException {
        if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new ImageExtractException.Failed(target + " exists already", null);
        }
        Path dir = target.toAbsolutePath().getParent();
        Path work;
        try {
            // 0700: the parts are the image in plaintext.
            work = Files.createDirectory(dir.resolve("." + target.getFileName() + "." + UUID.randomUUID() + TEMP_SUFFIX),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw new ImageExtractException.Failed("cannot create a directory in " + dir + ": " + e.getMessage(), e);
        }
        try {
            Path metadata = copy(parts, ImagePart.METADATA, work);
            Path blob = copy(parts, ImagePart.BLOB, work);
            // Not created beforehand: fsck.erofs creates it with the image root's mode.
            Path tree = work.resolve("tree");
            HostCommand.Result result = HostCommand.run(command(tool, metadata, blob, tree), timeout);
            if (!result.succeeded()) {
                throw new ImageExtractException.Failed(result.describe(), null);
            }
            Files.move(tree, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (HostCommandException.NotRunnable e) {
            throw new ImageExtractException.ToolMissing(tool, e);
        } catch (HostCommandException e) {
            throw new ImageExtractException.Failed(e.getMessage(), e);
        } catch (IOException e) {
            throw new ImageExtractException.Failed("moving the tree to " + target + ": " + e.getMessage(), e);
        } finally {
            try {
                FileTrees.deleteRecursively(work);
            } catch (IOException e) {
                LOG.warn("not removing {} after extracting: {}", work, e.toString());
            }
        }
    }

    /** The fsck.erofs command line for an extraction; see the class comment for each option. */
    static List<String> command(String tool, Path metadata, Path blob, Path tree) {
        return List.of(tool, "--device=" + blob, "--extract=" + tree, "--preserve-perms", "--no-preserve-owner",
                metadata.toString());
    }

    /** Copies {@code part} into a file of its name in {@code dir}, one slice at a time. */
    private static Path copy(ImageParts parts, ImagePart part, Path dir) throws ImageExtractException {
        Path file = dir.resolve(part.fileName());
        long size = parts.size(part);
        ByteBuffer slice = ByteBuffer.allocate(COPY_SLICE);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            for (long offset = 0; offset < size; ) {
                slice.clear().limit((int) Math.min(COPY_SLICE, size - offset));
                int read = read(parts, part, offset, slice);
                if (read == 0) {
                    throw new ImageExtractException.PartUnreadable(part, new IOException("it ends at byte " + offset
                            + " of the " + size + " it claims"));
                }
                slice.flip();
                while (slice.hasRemaining()) {
                    out.write(slice);
                }
                offset += read;
            }
        } catch (IOException e) {
            throw new ImageExtractException.Failed("writing " + file + ": " + e.getMessage(), e);
        }
        return file;
    }

    private static int read(ImageParts parts, ImagePart part, long offset, ByteBuffer into)
            throws ImageExtractException {
        try {
            return parts.read(part, offset, into);
        } catch (IOException e) {
            throw new ImageExtractException.PartUnreadable(part, e);
        }
    }
}
