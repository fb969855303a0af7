package io.kindling.chunks.origin;

import static java.nio.file.LinkOption.NOFOLLOW_LINKS;

import io.kindling.chunks.FileTrees;
import io.kindling.chunks.crypto.ChunkCorruptException;
import io.kindling.chunks.crypto.Digest256;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link OriginStore} in a local directory: {@code root/ab/abcdef…} (64 hex digits), fanned out by the
 * name's first two hex digits so no directory holds more than 1/256 of the chunks.
 *
 * <p>A chunk appears by rename of a fsynced temporary ({@code .<name>.<random>.tmp}) in its own fan-out
 * directory, then the directory is fsynced: a crash leaves a whole chunk or only a temporary, which no
 * lookup or listing ever sees and the constructor deletes. One store per root (two processes would delete
 * each other's temporaries).
 */
public final class LocalDirectoryOrigin implements OriginStore {

    private static final Logger log = LoggerFactory.getLogger(LocalDirectoryOrigin.class);
    private static final Pattern FAN_OUT = Pattern.compile("[0-9a-f]{2}");
    static final String TEMP_SUFFIX = ".tmp";

    private final Path root;

    public LocalDirectoryOrigin(Path root) throws IOException {
        this.root = root;
        Files.createDirectories(root);
        removeTemporaries();
    }

    @Override
    public boolean put(Digest256 name, byte[] ciphertext) throws IOException {
        Path target = pathOf(name);
        if (Files.exists(target, NOFOLLOW_LINKS)) {
            return false; // checked first: a re-ingest of reused chunks should not pay for hashing them
        }
        if (!name.matches(sha256(ciphertext))) {
            throw new IllegalArgumentException("bytes do not hash to the name " + name.hex());
        }
        Path shard = target.getParent();
        boolean newShard = !Files.isDirectory(shard, NOFOLLOW_LINKS);
        Files.createDirectories(shard);
        if (newShard) {
            FileTrees.fsyncDirectory(root);
        }
        Path temp = Files.createTempFile(shard, "." + name.hex() + ".", TEMP_SUFFIX);
        try {
            try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                ByteBuffer buffer = ByteBuffer.wrap(ciphertext);
                while (buffer.hasRemaining()) {
                    channel.write(buffer);
                }
                channel.force(true);
            }
            // A concurrent put of the same name may win: both hold the same bytes, so replacing is harmless.
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
            FileTrees.fsyncDirectory(shard);
            return true;
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    @Override
    public byte[] get(Digest256 name) throws IOException, ChunkMissingException, ChunkCorruptException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(pathOf(name));
        } catch (NoSuchFileException e) {
            throw new ChunkMissingException(name);
        }
        if (!name.matches(sha256(bytes))) {
            throw new ChunkCorruptException(name, "its bytes in " + root + " do not hash to its name");
        }
        return bytes;
    }

    @Override
    public boolean exists(Digest256 name) {
        return Files.exists(pathOf(name), NOFOLLOW_LINKS);
    }

    /**
     * One unlink of the chunk's own name: a put of the same name in progress writes its temporary under another
     * name and renames it into place afterwards, so it either completes after the delete (the chunk is there, whole)
     * or completed before it (the chunk is gone); neither sees half a file. Temporaries are never deleted here. The
     * directory is not fsynced: a delete a crash forgets leaves an unreferenced chunk for the next sweep.
     */
    @Override
    public boolean delete(Digest256 name) throws IOException {
        return Files.deleteIfExists(pathOf(name));
    }

    @Override
    public Stream<StoredObject> list() throws IOException {
        Stream<Path> shards = Files.list(root).filter(LocalDirectoryOrigin::isShard);
        return shards.flatMap(shard -> {
            try {
                return Files.list(shard);
            } catch (NoSuchFileException e) {
                return Stream.empty();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).filter(file -> Digest256.isHex(file.getFileName().toString()))
                .flatMap(LocalDirectoryOrigin::describe)
                .onClose(shards::close);
    }

    Path pathOf(Digest256 name) {
        String hex = name.hex();
        return root.resolve(hex.substring(0, 2)).resolve(hex);
    }

    private static Stream<StoredObject> describe(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class, NOFOLLOW_LINKS);
            return Stream.of(new StoredObject(Digest256.fromHex(file.getFileName().toString()),
                    attributes.size(), attributes.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Stream.empty(); // deleted since it was listed
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isShard(Path path) {
        return FAN_OUT.matcher(path.getFileName().toString()).matches() && Files.isDirectory(path, NOFOLLOW_LINKS);
    }

    private void removeTemporaries() throws IOException {
        int removed = 0;
        try (DirectoryStream<Path> shards = Files.newDirectoryStream(root, LocalDirectoryOrigin::isShard)) {
            for (Path shard : shards) {
                try (DirectoryStream<Path> temps = Files.newDirectoryStream(shard, "*" + TEMP_SUFFIX)) {
                    for (Path temp : temps) {
                        Files.deleteIfExists(temp);
                        removed++;
                    }
                }
            }
        }
        if (removed > 0) {
            log.info("removed {} partial chunk(s) left in {} by an interrupted write", removed, root);
        }
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform provides SHA-256", e);
        }
    }
}
