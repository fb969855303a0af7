package io.kindling.chunks.oci.layers;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * commons-compress's tar reader, refusing metadata entries too big to hold in memory.
 *
 * <p>A GNU long name or link ({@code L}, {@code K}) and a PAX header ({@code x}, {@code g}) are read
 * whole into the heap before the entry they describe is returned: measured, a 400 KiB gzip layer
 * declaring a 400 MB long name took the heap from 9 MiB to 2.5 GiB. All of those reads go through
 * {@link #read(byte[], int, int)} while the metadata entry is current, so that is where its declared
 * size is checked, before a byte of it is read.
 */
final class MetadataBoundedTarInputStream extends TarArchiveInputStream {
    /** Far above Linux's 4096-byte paths and any real PAX header (a few xattrs), far below the heap. */
    static final long MAX_METADATA_BYTES = 1024 * 1024;

    /** Thrown from the tar reader's own reads; the flattener refuses the layer. */
    static final class MetadataTooLarge extends IOException {
        private static final long serialVersionUID = 1L;

        MetadataTooLarge(long size) {
            super("a tar metadata entry (long name or PAX header) of " + size + " bytes; at most "
                    + MAX_METADATA_BYTES + " are read");
        }
    }

    MetadataBoundedTarInputStream(InputStream in) {
        super(in, StandardCharsets.UTF_8.name());
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        TarArchiveEntry entry = getCurrentEntry();
        if (entry != null && isMetadata(entry) && entry.getSize() > MAX_METADATA_BYTES) {
            throw new MetadataTooLarge(entry.getSize());
        }
        return super.read(buffer, offset, length);
    }

    private static boolean isMetadata(TarArchiveEntry entry) {
        return entry.isGNULongNameEntry() || entry.isGNULongLinkEntry() || entry.isPaxHeader() || entry.isGlobalPaxHeader();
    }
}
