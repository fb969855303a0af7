package io.kindling.chunks.image;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.EnumMap;
import java.util.Map;

/**
 * An image's parts read from two local files, e.g. straight from {@link ErofsBuilder}'s output. Used
 * by tests and as the simplest source for the FUSE filesystem; positional reads on one channel per
 * part are safe from several threads at once.
 */
public final class FileImageParts implements ImageParts, AutoCloseable {
    private final Map<ImagePart, FileChannel> channels = new EnumMap<>(ImagePart.class);
    private final Map<ImagePart, Long> sizes = new EnumMap<>(ImagePart.class);

    private FileImageParts() {}

    /** Opens both files read-only; their sizes are taken now, as an image never changes. */
    public static FileImageParts open(ErofsImage image) throws IOException {
        FileImageParts parts = new FileImageParts();
        try {
            for (ImagePart part : ImagePart.values()) {
                FileChannel channel = FileChannel.open(image.file(part), StandardOpenOption.READ);
                parts.channels.put(part, channel);
                parts.sizes.put(part, channel.size());
            }
        } catch (IOException e) {
            parts.close();
            throw e;
        }
        return parts;
    }

    /** Opens the two files of an image built elsewhere. */
    public static FileImageParts open(Path metadata, Path blob) throws IOException {
        return open(new ErofsImage(metadata, blob));
    }

    @Override
    public long size(ImagePart part) {
        return sizes.get(part);
    }

    @Override
    public int read(ImagePart part, long offset, ByteBuffer into) throws IOException {
        FileChannel channel = channels.get(part);
        int total = 0;
        while (into.hasRemaining()) {
            int n = channel.read(into, offset + total);
            if (n <= 0) {
                break;
            }
            total += n;
        }
        return total;
    }

    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (FileChannel channel : channels.values()) {
            try {
                channel.close();
            } catch (IOException e) {
                failure = e;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
