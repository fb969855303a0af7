package io.kindling.chunks;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import org.apache.commons.compress.archivers.zip.ZipFile;

/** Opens uploaded zips so that unreadable content and unreadable files are told apart. */
final class ZipArchives {

    private ZipArchives() {}

    static ZipFile open(Path zipFile) throws InvalidPackageException, IOException {
        // A missing or unreadable file is our failure, not the uploader's: surface it as it is before
        // anything the parser says gets reported as NOT_A_ZIP.
        BasicFileAttributes attributes = Files.readAttributes(zipFile, BasicFileAttributes.class);
        if (!attributes.isRegularFile()) {
            throw new IOException("code package " + zipFile + " is not a regular file");
        }
        try {
            // The builder reads the central directory, which is what we validate and extract from;
            // local headers only matter to find where each entry's data starts.
            return ZipFile.builder().setPath(zipFile).get();
        } catch (InterruptedIOException | ClosedChannelException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            // The parser reports hostile input with assorted runtime exceptions as well as IOExceptions;
            // either way the upload is not a zip we can read.
            throw InvalidPackageException.notAZip(e);
        }
    }
}
