package io.kindling.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.ZipEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipArchiveOutputStream;

/**
 * The code-storage figures' function packages: an executable bootstrap and files it never reads. Large files have to
 * fit Lambda's 50 MB zipped upload limit and still look to the chunker like real data, irregular at every scale: each
 * byte is one of two values, picked at random. At one bit of entropy a byte, Huffman coding alone (no string matching)
 * holds them at about an eighth; the chunker's 64-byte gear-hash windows still see 64 random bits each, so its cut
 * points fall as on random bytes and no two chunks are alike. (A short random block repeated with a counter, which
 * deflates a hundredfold, is periodic: after an insertion the chunker's cuts stay out of step with the old ones and
 * nothing after it dedupes.) They are deflated once and copied into every package as they are, so a new package
 * costs only its bootstrap.
 */
final class CodePackages {
    /** Every package's entries carry this time unless a re-zip says otherwise, so the same files give the same zip. */
    static final Instant BUILT = Instant.parse("2026-11-01T00:00:00Z");

    /** One file of a package, deflated (raw, as a zip entry holds it). */
    record DeflatedFile(String name, byte[] deflated, long size, long crc) {}

    private CodePackages() {}

    /** {@code size} bytes, each one of two values from {@code seed}, picked at random; deflated, Huffman only. */
    static DeflatedFile twoValued(String name, long size, long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        byte zero = (byte) random.nextInt(256);
        byte one = (byte) (zero + 1 + random.nextInt(255));
        byte[] block = new byte[1 << 16];
        CRC32 crc = new CRC32();
        ByteArrayOutputStream out = new ByteArrayOutputStream((int) (size / 7));
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        deflater.setStrategy(Deflater.HUFFMAN_ONLY);
        try (DeflaterOutputStream deflating = new DeflaterOutputStream(out, deflater, 1 << 16)) {
            for (long written = 0; written < size; written += block.length) {
                for (int i = 0; i < block.length; i += Long.SIZE) {
                    long bits = random.nextLong();
                    for (int bit = 0; bit < Long.SIZE; bit++) {
                        block[i + bit] = (bits >>> bit & 1) == 0 ? zero : one;
                    }
                }
                int length = (int) Math.min(block.length, size - written);
                deflating.write(block, 0, length);
                crc.update(block, 0, length);
            }
        } finally {
            deflater.end();
        }
        return new DeflatedFile(name, out.toByteArray(), size, crc.getValue());
    }

    /** {@code bytes} as a file of a package, deflated. */
    static DeflatedFile file(String name, byte[] bytes) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(bytes);
        ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length + 1024);
        Deflater deflater = new Deflater(Deflater.DEFAULT_COMPRESSION, true);
        try (DeflaterOutputStream deflating = new DeflaterOutputStream(out, deflater)) {
            deflating.write(bytes);
        } finally {
            deflater.end();
        }
        return new DeflatedFile(name, out.toByteArray(), bytes.length, crc.getValue());
    }

    /**
     * The bootstrap with a line naming {@code version} after its end, so every version is a new package and a new
     * image. A C bootstrap is a static ELF binary, which the kernel loads by its program headers: bytes after them are
     * never read. The sh one's shell never gets past its endless loop.
     */
    static byte[] bootstrap(byte[] executable, String version) {
        byte[] trailer = ("\n# kindling-bench " + version + "\n").getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[executable.length + trailer.length];
        System.arraycopy(executable, 0, out, 0, executable.length);
        System.arraycopy(trailer, 0, out, executable.length, trailer.length);
        return out;
    }

    /** A package of {@code bootstrap} (mode 0755) and {@code files} (0644), every entry dated {@code built}. */
    static byte[] zip(byte[] bootstrap, List<DeflatedFile> files, Instant built) throws IOException {
        List<DeflatedFile> all = new ArrayList<>(List.of(file("bootstrap", bootstrap)));
        all.addAll(files);
        ByteArrayOutputStream out = new ByteArrayOutputStream(all.stream().mapToInt(f -> f.deflated().length).sum() + 4096);
        try (ZipArchiveOutputStream zip = new ZipArchiveOutputStream(out)) {
            for (DeflatedFile file : all) {
                ZipArchiveEntry entry = new ZipArchiveEntry(file.name());
                entry.setMethod(ZipEntry.DEFLATED);
                entry.setSize(file.size());
                entry.setCompressedSize(file.deflated().length);
                entry.setCrc(file.crc());
                entry.setUnixMode(file.name().equals("bootstrap") ? 0100755 : 0100644);
                entry.setTime(built.toEpochMilli());
                zip.addRawArchiveEntry(entry, new ByteArrayInputStream(file.deflated()));
            }
        }
        return out.toByteArray();
    }
}
