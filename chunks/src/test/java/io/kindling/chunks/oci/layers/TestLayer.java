package io.kindling.chunks.oci.layers;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.zstandard.ZstdCompressorOutputStream;

/** Builds a real layer tar, entry by entry in the order given, as a test's image layer. */
public final class TestLayer {
    public static final String TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    public static final String DOCKER_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";

    public enum Compression { NONE, GZIP, ZSTD }

    /** Writes an entry's header and, for a file, its bytes. */
    private interface Entry {
        void writeTo(TarArchiveOutputStream tar) throws IOException;
    }

    private final List<Entry> entries = new ArrayList<>();

    public TestLayer dir(String name, int mode, long uid, long gid) {
        return add(name.endsWith("/") ? name : name + "/", TarConstants.LF_DIR, mode, uid, gid, null, null, 0);
    }

    public TestLayer dir(String name) {
        return dir(name, 0755, 0, 0);
    }

    public TestLayer file(String name, String content) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), 0644, 0, 0);
    }

    public TestLayer file(String name, byte[] content, int mode, long uid, long gid) {
        return add(name, TarConstants.LF_NORMAL, mode, uid, gid, null, content, content.length);
    }

    /** A file of {@code size} zero bytes, streamed: for bombs and big layers without big arrays. */
    public TestLayer zeros(String name, long size) {
        entries.add(tar -> {
            TarArchiveEntry entry = new TarArchiveEntry(name, TarConstants.LF_NORMAL, true);
            entry.setSize(size);
            entry.setMode(0644);
            tar.putArchiveEntry(entry);
            byte[] block = new byte[64 * 1024];
            for (long left = size; left > 0; left -= block.length) {
                tar.write(block, 0, (int) Math.min(block.length, left));
            }
            tar.closeArchiveEntry();
        });
        return this;
    }

    /** A metadata entry (GNU long name, PAX header) declaring {@code size} bytes of 'a's, then a file. */
    public TestLayer metadata(byte linkFlag, long size) {
        entries.add(tar -> {
            TarArchiveEntry entry = new TarArchiveEntry("././@LongLink", linkFlag, true);
            entry.setSize(size);
            tar.putArchiveEntry(entry);
            byte[] block = new byte[64 * 1024];
            java.util.Arrays.fill(block, (byte) 'a');
            for (long left = size; left > 0; left -= block.length) {
                tar.write(block, 0, (int) Math.min(block.length, left));
            }
            tar.closeArchiveEntry();
        });
        return file("after-metadata", "x");
    }

    public TestLayer symlink(String name, String target) {
        return add(name, TarConstants.LF_SYMLINK, 0777, 0, 0, target, null, 0);
    }

    public TestLayer symlink(String name, String target, long uid, long gid) {
        return add(name, TarConstants.LF_SYMLINK, 0777, uid, gid, target, null, 0);
    }

    public TestLayer hardlink(String name, String target) {
        return add(name, TarConstants.LF_LINK, 0644, 0, 0, target, null, 0);
    }

    public TestLayer whiteout(String directory, String hidden) {
        return file((directory.isEmpty() ? "" : directory + "/") + ".wh." + hidden, "");
    }

    public TestLayer opaque(String directory) {
        return file(directory + "/.wh..wh..opq", "");
    }

    public TestLayer special(String name, byte linkFlag) {
        return add(name, linkFlag, 0666, 0, 0, null, null, 0);
    }

    private TestLayer add(String name, byte flag, int mode, long uid, long gid, String linkName, byte[] content, long size) {
        entries.add(tar -> {
            // preserveAbsolutePath: the hostile tests need names exactly as given, leading '/' and all.
            TarArchiveEntry entry = new TarArchiveEntry(name, flag, true);
            entry.setMode(mode);
            entry.setUserId(uid);
            entry.setGroupId(gid);
            if (linkName != null) {
                entry.setLinkName(linkName);
            }
            entry.setSize(size);
            tar.putArchiveEntry(entry);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
        });
        return this;
    }

    public LayerBlob writeTo(Path file, Compression compression) throws IOException {
        try (OutputStream raw = Files.newOutputStream(file);
                OutputStream compressed = switch (compression) {
                    case NONE -> new NonClosing(raw);
                    case GZIP -> new GZIPOutputStream(new NonClosing(raw));
                    case ZSTD -> new ZstdCompressorOutputStream(new NonClosing(raw));
                };
                TarArchiveOutputStream tar = new TarArchiveOutputStream(compressed, StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Entry entry : entries) {
                entry.writeTo(tar);
            }
            tar.finish();
        }
        String mediaType = switch (compression) {
            case NONE -> TAR;
            case GZIP -> TAR_GZIP;
            case ZSTD -> TAR_ZSTD;
        };
        return new LayerBlob(file, mediaType);
    }

    public LayerBlob writeTo(Path file) throws IOException {
        return writeTo(file, Compression.GZIP);
    }

    /** The compressors close what they wrap; the file is closed once, by its own try. */
    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
