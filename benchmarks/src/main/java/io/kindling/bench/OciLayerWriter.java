package io.kindling.bench;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * One uncompressed OCI layer ({@code application/vnd.oci.image.layer.v1.tar}) written entry by entry into a stream:
 * files are copied from disk or generated, never held whole in memory, so a 10 GiB layer streams through a 1 MiB
 * buffer. The layer's SHA-256 and size are computed from the bytes as they pass, so the caller can push the blob as it
 * is written and name it afterwards. Parent directories are added (0755, root) before the first entry below them.
 * Every entry is owned by root and dated {@link #MTIME}, so a layer of the same files is the same blob.
 */
final class OciLayerWriter implements AutoCloseable {
    static final String MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar";
    /** Every entry's modification time: fixed, so layers are reproducible. */
    static final Instant MTIME = Instant.parse("2026-11-27T00:00:00Z");
    private static final int BUFFER = 1 << 20;

    /** A finished blob: {@code sha256:<hex>} and its size in bytes. */
    record Blob(String mediaType, String digest, long size) {}

    private final DigestingStream counted;
    private final TarArchiveOutputStream tar;
    private final Set<String> directories = new HashSet<>();
    private final byte[] buffer = new byte[BUFFER];
    private long payloadBytes;

    OciLayerWriter(OutputStream sink) {
        this.counted = new DigestingStream(sink);
        this.tar = new TarArchiveOutputStream(counted);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
    }

    /** File contents written so far (without tar headers and padding). */
    long payloadBytes() {
        return payloadBytes;
    }

    void directory(String path, int mode) throws IOException {
        String name = relative(path);
        if (name.isEmpty() || !directories.add(name)) {
            return;
        }
        parents(name);
        TarArchiveEntry entry = entry(name + "/", TarConstants.LF_DIR);
        entry.setMode(040000 | mode);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    void symlink(String path, String target) throws IOException {
        String name = relative(path);
        parents(name);
        TarArchiveEntry entry = entry(name, TarConstants.LF_SYMLINK);
        entry.setLinkName(target);
        entry.setMode(0120777);
        tar.putArchiveEntry(entry);
        tar.closeArchiveEntry();
    }

    /** A regular file with the contents of {@code source}, streamed. */
    void file(String path, Path source, int mode) throws IOException {
        long size = Files.size(source);
        try (InputStream in = Files.newInputStream(source)) {
            beginFile(path, size, mode);
            long copied = 0;
            for (int n = in.read(buffer); n > 0; n = in.read(buffer)) {
                tar.write(buffer, 0, n);
                copied += n;
            }
            if (copied != size) {
                throw new IOException(source + " changed size while it was written into a layer");
            }
            endFile(size);
        }
    }

    void file(String path, byte[] content, int mode) throws IOException {
        beginFile(path, content.length, mode);
        tar.write(content);
        endFile(content.length);
    }

    /** A regular file of {@code size} random bytes from {@code seed}: incompressible, and no two seeds share a chunk. */
    void randomFile(String path, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        beginFile(path, size, 0644);
        for (long written = 0; written < size; ) {
            int n = (int) Math.min(buffer.length, size - written);
            random.nextBytes(buffer);
            tar.write(buffer, 0, n);
            written += n;
        }
        endFile(size);
    }

    /**
     * Everything under {@code root} (directories, regular files, symlinks; sorted, so the layer is reproducible),
     * with each file's permission bits; special files are left out. Hard links become separate files.
     */
    void tree(Path root) throws IOException {
        List<Path> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = new ArrayList<>(walk.filter(p -> !p.equals(root)).sorted().toList());
        }
        for (Path path : paths) {
            String name = root.relativize(path).toString();
            PosixFileAttributes attributes = Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            int mode = mode(attributes.permissions());
            if (attributes.isSymbolicLink()) {
                symlink(name, Files.readSymbolicLink(path).toString());
            } else if (attributes.isDirectory()) {
                directory(name, mode);
            } else if (attributes.isRegularFile()) {
                file(name, path, mode);
            }
        }
    }

    /** Ends the tar (its two zero blocks) and flushes; the sink stays open. */
    Blob finish() throws IOException {
        tar.finish();
        tar.flush();
        return new Blob(MEDIA_TYPE, "sha256:" + HexFormat.of().formatHex(counted.digest.digest()), counted.count);
    }

    @Override
    public void close() throws IOException {
        tar.close();
    }

    private void beginFile(String path, long size, int mode) throws IOException {
        String name = relative(path);
        parents(name);
        TarArchiveEntry entry = entry(name, TarConstants.LF_NORMAL);
        entry.setSize(size);
        entry.setMode(0100000 | mode);
        tar.putArchiveEntry(entry);
    }

    private void endFile(long size) throws IOException {
        tar.closeArchiveEntry();
        payloadBytes += size;
    }

    private void parents(String name) throws IOException {
        int slash = name.lastIndexOf('/');
        if (slash > 0) {
            directory(name.substring(0, slash), 0755);
        }
    }

    private static TarArchiveEntry entry(String name, byte type) {
        TarArchiveEntry entry = new TarArchiveEntry(name, type);
        entry.setUserId(0);
        entry.setGroupId(0);
        entry.setUserName("root");
        entry.setGroupName("root");
        entry.setModTime(Date.from(MTIME));
        return entry;
    }

    private static String relative(String path) {
        String name = path;
        while (name.startsWith("/")) {
            name = name.substring(1);
        }
        while (name.endsWith("/")) {
            name = name.substring(0, name.length() - 1);
        }
        return name;
    }

    static int mode(Set<PosixFilePermission> permissions) {
        int mode = 0;
        for (PosixFilePermission permission : permissions) {
            mode |= 1 << (8 - permission.ordinal());
        }
        return mode;
    }

    /** Passes bytes on, counting them and hashing them with SHA-256. */
    private static final class DigestingStream extends FilterOutputStream {
        private final MessageDigest digest;
        private long count;

        DigestingStream(OutputStream out) {
            super(out);
            try {
                digest = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            digest.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            digest.update(b, off, len);
            count += len;
        }

        @Override
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() {
            // The sink belongs to the caller.
        }
    }
}
