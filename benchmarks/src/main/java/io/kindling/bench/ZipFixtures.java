package io.kindling.bench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.random.RandomGenerator;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Code packages made of random (incompressible) bytes, so no size figure is flattered by
 * compression. Random content is stored rather than deflated where a real zip tool would do the
 * same (Info-ZIP stores what deflate cannot shrink).
 */
final class ZipFixtures {
    private static final byte[] BOOTSTRAP = "#!/bin/sh\nexec ./handler\n".getBytes(StandardCharsets.US_ASCII);

    private ZipFixtures() {}

    /** A few-KB function: a bootstrap script and {@code dataBytes} of random data, both deflated. */
    static byte[] smallFunction(RandomGenerator random, int dataBytes) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(dataBytes + 512);
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            deflated(zip, "bootstrap", BOOTSTRAP);
            deflated(zip, "handler", randomBytes(random, dataBytes));
        }
        return bytes.toByteArray();
    }

    /**
     * A large function: {@code payload} stored as one file, plus a bootstrap naming {@code id}, so every
     * package is new to the code store (a different digest) while costing the same to build.
     */
    static byte[] largeFunction(StoredEntry payload, String id) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(payload.data.length + 1024);
        try (ZipOutputStream zip = new ZipOutputStream(bytes)) {
            deflated(zip, "bootstrap", ("#!/bin/sh\n# " + id + "\nexec ./handler\n").getBytes(StandardCharsets.US_ASCII));
            payload.writeTo(zip, "handler");
        }
        return bytes.toByteArray();
    }

    /** A package of {@code files} random files of {@code fileBytes} each, alternately stored and deflated. */
    static void inspectionPackage(Path file, RandomGenerator random, int files, int fileBytes) throws IOException {
        try (OutputStream out = Files.newOutputStream(file); ZipOutputStream zip = new ZipOutputStream(out)) {
            zip.setLevel(Deflater.BEST_SPEED);
            for (int i = 0; i < files; i++) {
                byte[] data = randomBytes(random, fileBytes);
                if (i % 2 == 0) {
                    new StoredEntry(data).writeTo(zip, "lib/part-" + i + ".bin");
                } else {
                    deflated(zip, "lib/part-" + i + ".bin", data);
                }
            }
        }
    }

    /** Random bytes with their CRC computed once, to be stored in many zips. */
    static final class StoredEntry {
        private final byte[] data;
        private final long crc;

        StoredEntry(byte[] data) {
            this.data = data;
            CRC32 crc32 = new CRC32();
            crc32.update(data);
            this.crc = crc32.getValue();
        }

        void writeTo(ZipOutputStream zip, String name) throws IOException {
            ZipEntry entry = new ZipEntry(name);
            entry.setMethod(ZipEntry.STORED);
            entry.setSize(data.length);
            entry.setCompressedSize(data.length);
            entry.setCrc(crc);
            zip.putNextEntry(entry);
            zip.write(data);
            zip.closeEntry();
        }
    }

    static byte[] randomBytes(RandomGenerator random, int size) {
        byte[] data = new byte[size];
        random.nextBytes(data);
        return data;
    }

    private static void deflated(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.DEFLATED);
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }
}
