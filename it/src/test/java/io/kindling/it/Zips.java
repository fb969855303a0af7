package io.kindling.it;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;
import software.amazon.awssdk.core.SdkBytes;

/** Small deployment packages built in memory, honest and hostile. */
final class Zips {
    private Zips() {}

    /** A provided-runtime package: an executable bootstrap that prints {@code marker}. */
    static byte[] bootstrap(String marker) {
        return zip(new Entry("bootstrap", 0100755, ("#!/bin/sh\necho " + marker + "\n").getBytes(StandardCharsets.UTF_8)));
    }

    static SdkBytes sdk(byte[] zip) {
        return SdkBytes.fromByteArray(zip);
    }

    record Entry(String name, int unixMode, byte[] content) {
        static Entry file(String name, String content) {
            return new Entry(name, 0100644, content.getBytes(StandardCharsets.UTF_8));
        }

        static Entry symlink(String name, String target) {
            return new Entry(name, 0120777, target.getBytes(StandardCharsets.UTF_8));
        }
    }

    static byte[] zip(Entry... entries) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(out)) {
            for (Entry e : entries) {
                ZipArchiveEntry entry = new ZipArchiveEntry(e.name());
                entry.setUnixMode(e.unixMode());
                zip.putArchiveEntry(entry);
                zip.write(e.content());
                zip.closeArchiveEntry();
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    /** One entry of {@code bytes} zeros: a few hundred KB deflated, far more inflated. */
    static byte[] bomb(long bytes) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(out)) {
            ZipArchiveEntry entry = new ZipArchiveEntry("zeros");
            entry.setUnixMode(0100644);
            zip.putArchiveEntry(entry);
            byte[] block = new byte[1 << 20];
            for (long written = 0; written < bytes; written += block.length) {
                zip.write(block, 0, (int) Math.min(block.length, bytes - written));
            }
            zip.closeArchiveEntry();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }
}
