package io.kindling.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/** Hostile packages Zips does not build: many big entries, and entries whose central directory lies. */
final class HostileZips {
    private HostileZips() {}

    static byte[] randomBytes(int n, long seed) {
        byte[] bytes = new byte[n];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** {@code entries} files of {@code bytesEach} zeros each: small zipped, large unzipped. */
    static byte[] manyZeroEntries(int entries, long bytesEach) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] block = new byte[1 << 20];
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(out)) {
            for (int i = 0; i < entries; i++) {
                ZipArchiveEntry entry = new ZipArchiveEntry("part-" + i);
                entry.setUnixMode(0100644);
                zip.putArchiveEntry(entry);
                for (long written = 0; written < bytesEach; written += block.length) {
                    zip.write(block, 0, (int) Math.min(block.length, bytesEach - written));
                }
                zip.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /**
     * Rewrites the uncompressed size the central directory records for {@code entryName} to {@code declared}
     * (the local header carries no size: commons-compress streams with a data descriptor). The compressed
     * data, the CRC and everything else stay as written, so only the size claim is false.
     */
    static byte[] withDeclaredSize(byte[] zip, String entryName, long declared) {
        byte[] patched = zip.clone();
        ByteBuffer b = ByteBuffer.wrap(patched).order(ByteOrder.LITTLE_ENDIAN);
        int eocd = -1;
        for (int i = patched.length - 22; i >= 0; i--) {
            if (b.getInt(i) == 0x06054b50) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new IllegalStateException("no end of central directory record");
        }
        int entries = Short.toUnsignedInt(b.getShort(eocd + 10));
        int at = b.getInt(eocd + 16);
        for (int i = 0; i < entries; i++) {
            if (b.getInt(at) != 0x02014b50) {
                throw new IllegalStateException("no central directory header at " + at);
            }
            int nameLength = Short.toUnsignedInt(b.getShort(at + 28));
            int extraLength = Short.toUnsignedInt(b.getShort(at + 30));
            int commentLength = Short.toUnsignedInt(b.getShort(at + 32));
            String name = new String(patched, at + 46, nameLength, StandardCharsets.UTF_8);
            if (name.equals(entryName)) {
                if (b.getInt(at + 24) == 0xFFFFFFFF) {
                    throw new IllegalStateException("entry uses zip64 sizes; patch the extra field instead");
                }
                b.putInt(at + 24, (int) declared);
                return patched;
            }
            at += 46 + nameLength + extraLength + commentLength;
        }
        throw new IllegalStateException("no entry " + entryName);
    }
}
