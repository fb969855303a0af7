package io.kindling.chunks;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.nio.channels.ClosedChannelException;
import java.util.zip.CRC32;
import org.apache.commons.compress.archivers.zip.UnsupportedZipFeatureException;
import org.apache.commons.compress.archivers.zip.ZipArchiveEntry;
import org.apache.commons.compress.archivers.zip.ZipFile;

/**
 * Streams one entry's inflated bytes to a sink while proving they are what the central directory
 * promised: no more and no fewer bytes than declared, and the declared CRC-32. Nothing is ever held
 * beyond one buffer, and every buffer is charged to the package's budget before it goes anywhere.
 */
final class EntryContent {

    static final int BUFFER_SIZE = 64 * 1024;

    private EntryContent() {}

    static void copy(ZipFile zip, ZipArchiveEntry entry, UnzipBudget budget, OutputStream sink)
            throws InvalidPackageException, IOException {
        String name = entry.getName();
        long declared = entry.getSize();
        CRC32 crc = new CRC32();
        byte[] buffer = new byte[BUFFER_SIZE];
        long total = 0;
        try (InputStream in = openEntry(zip, entry)) {
            while (true) {
                int read = readChunk(in, buffer, name);
                if (read < 0) {
                    break;
                }
                budget.charge(read);
                total += read;
                if (total > declared) {
                    throw InvalidPackageException.corruptEntry(name,
                            "it contains more data than its declared size of " + declared + " bytes", null);
                }
                crc.update(buffer, 0, read);
                sink.write(buffer, 0, read);
            }
        }
        if (total != declared) {
            throw InvalidPackageException.corruptEntry(name,
                    "it contains " + total + " bytes but declares " + declared, null);
        }
        if (crc.getValue() != entry.getCrc()) {
            throw InvalidPackageException.corruptEntry(name, "its CRC-32 checksum does not match its content", null);
        }
    }

    private static InputStream openEntry(ZipFile zip, ZipArchiveEntry entry)
            throws InvalidPackageException, IOException {
        try {
            return zip.getInputStream(entry);
        } catch (UnsupportedZipFeatureException e) {
            throw InvalidPackageException.unsupportedEntry(entry.getName(), "its compression or encryption is not supported");
        } catch (InterruptedIOException | ClosedChannelException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw InvalidPackageException.corruptEntry(entry.getName(), "its data cannot be located in the zip file", e);
        }
    }

    private static int readChunk(InputStream in, byte[] buffer, String name)
            throws InvalidPackageException, IOException {
        try {
            return in.read(buffer);
        } catch (InterruptedIOException | ClosedChannelException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // Inflaters signal bad or truncated compressed data this way; decoders for the rarer methods
            // have been known to throw runtime exceptions on hostile input.
            throw InvalidPackageException.corruptEntry(name, "its compressed data cannot be decompressed", e);
        }
    }
}
