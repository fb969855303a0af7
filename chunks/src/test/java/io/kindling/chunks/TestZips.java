package io.kindling.chunks;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/** Builds zips for tests, including ones no honest tool would write, plus raw header surgery. */
final class TestZips {

    static final int S_IFREG = 0100000;
    static final int S_IFDIR = 0040000;
    static final int S_IFLNK = 0120000;

    private static final int NO_MODE = -1;

    @FunctionalInterface
    interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private record Entry(String name, int unixMode, Content content) {}

    private final List<Entry> entries = new ArrayList<>();

    static TestZips zip() {
        return new TestZips();
    }

    /** A regular file with unix permissions. */
    TestZips file(String name, int permissions, String content) {
        return raw(name, S_IFREG | permissions, bytes(content));
    }

    /** A file as Windows tools write it: no unix mode at all. */
    TestZips plainFile(String name, String content) {
        return raw(name, NO_MODE, bytes(content));
    }

    TestZips dir(String name, int permissions) {
        return raw(name.endsWith("/") ? name : name + "/", S_IFDIR | permissions, out -> { });
    }

    TestZips plainDir(String name) {
        return raw(name.endsWith("/") ? name : name + "/", NO_MODE, out -> { });
    }

    TestZips symlink(String name, String target) {
        return raw(name, S_IFLNK | 0777, bytes(target));
    }

    /** An entry of {@code size} zero bytes, written in chunks so the test never holds it. */
    TestZips zeros(String name, long size) {
        return raw(name, S_IFREG | 0644, out -> {
            byte[] chunk = new byte[1 << 20];
            for (long left = size; left > 0; left -= chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, left));
            }
        });
    }

    TestZips raw(String name, int unixMode, Content content) {
        entries.add(new Entry(name, unixMode, content));
        return this;
    }

    Path writeTo(Path file) throws IOException {
        try (ZipArchiveOutputStream out = new ZipArchiveOutputStream(file)) {
            for (Entry entry : entries) {
                ZipArchiveEntry zipEntry = new ZipArchiveEntry(entry.name());
                if (entry.unixMode() != NO_MODE) {
                    zipEntry.setUnixMode(entry.unixMode());
                }
                zipEntry.setMethod(ZipArchiveEntry.DEFLATED);
                out.putArchiveEntry(zipEntry);
                entry.content().writeTo(out);
                out.closeArchiveEntry();
            }
        }
        return file;
    }

    private static Content bytes(String content) {
        byte[] bytes = content.getBytes(StandardCharsets.UTF_8);
        return out -> out.write(bytes);
    }

    // ---- raw surgery on the headers of a written zip ----

    static final int CENTRAL_FLAGS = 8;
    static final int CENTRAL_METHOD = 10;
    static final int CENTRAL_CRC = 16;
    static final int CENTRAL_UNCOMPRESSED_SIZE = 24;
    static final int CENTRAL_LOCAL_HEADER_OFFSET = 42;
    static final int LOCAL_FLAGS = 6;
    static final int LOCAL_METHOD = 8;
    static final int LOCAL_CRC = 14;
    static final int LOCAL_UNCOMPRESSED_SIZE = 22;

    /** Offset of the central directory header of {@code name}. */
    static int centralHeader(byte[] zip, String name) {
        return findHeader(zip, 0x02014b50, 28, 46, name);
    }

    /** Offset of the local file header of {@code name}. */
    static int localHeader(byte[] zip, String name) {
        return findHeader(zip, 0x04034b50, 26, 30, name);
    }

    private static int findHeader(byte[] zip, int signature, int nameLengthAt, int nameAt, String name) {
        byte[] wanted = name.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i + nameAt <= zip.length; i++) {
            if (readInt(zip, i) == signature && readShort(zip, i + nameLengthAt) == wanted.length
                    && i + nameAt + wanted.length <= zip.length
                    && java.util.Arrays.equals(zip, i + nameAt, i + nameAt + wanted.length, wanted, 0, wanted.length)) {
                return i;
            }
        }
        throw new IllegalArgumentException("no header for " + name);
    }

    static int readInt(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8 | (b[at + 2] & 0xff) << 16 | (b[at + 3] & 0xff) << 24;
    }

    static int readShort(byte[] b, int at) {
        return (b[at] & 0xff) | (b[at + 1] & 0xff) << 8;
    }

    static void writeInt(byte[] b, int at, int value) {
        b[at] = (byte) value;
        b[at + 1] = (byte) (value >>> 8);
        b[at + 2] = (byte) (value >>> 16);
        b[at + 3] = (byte) (value >>> 24);
    }

    static void writeShort(byte[] b, int at, int value) {
        b[at] = (byte) value;
        b[at + 1] = (byte) (value >>> 8);
    }

    /**
     * Gives an entry a name of the same length in both its headers. The only way to get a literal
     * backslash into a zip: commons-compress turns them into slashes when an entry is created.
     */
    static Path rename(Path file, String from, String to) throws IOException {
        byte[] newName = to.getBytes(StandardCharsets.UTF_8);
        if (newName.length != from.getBytes(StandardCharsets.UTF_8).length) {
            throw new IllegalArgumentException("names must have the same length");
        }
        return patch(file, bytes -> {
            System.arraycopy(newName, 0, bytes, centralHeader(bytes, from) + 46, newName.length);
            System.arraycopy(newName, 0, bytes, localHeader(bytes, from) + 30, newName.length);
        });
    }

    /** Reads, edits and rewrites a zip file in place. */
    static Path patch(Path file, Patch patch) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        patch.apply(bytes);
        Files.write(file, bytes);
        return file;
    }

    @FunctionalInterface
    interface Patch {
        void apply(byte[] zip);
    }

    private TestZips() {}
}
