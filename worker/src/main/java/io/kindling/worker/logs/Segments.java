package io.kindling.worker.logs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The segment files of one function's directory: {@code 00000000000000000001.log}, {@code …002.log}, …, numbered in
 * the order they were started, so the name sorts as the number does and the highest is the one being appended to.
 */
final class Segments {
    private static final Pattern NAME = Pattern.compile("[0-9]{20}\\.log");
    private static final int BLOCK = 64 * 1024;

    private Segments() {}

    static Path path(Path directory, long segment) {
        return directory.resolve(String.format(Locale.ROOT, "%020d.log", segment));
    }

    /** The segment numbers present, ascending; empty if the directory does not exist. */
    static long[] list(Path directory) throws IOException {
        List<Long> found = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory)) {
            for (Path file : files) {
                String name = file.getFileName().toString();
                if (NAME.matcher(name).matches()) {
                    found.add(Long.parseLong(name, 0, 20, 10));
                }
            }
        } catch (NoSuchFileException absent) {
            return new long[0];
        }
        long[] numbers = found.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(numbers);
        return numbers;
    }

    /** The length of the file up to and including its last {@code \n}: what a crash did not tear. */
    static long wholeRecordsLength(FileChannel channel) throws IOException {
        long end = channel.size();
        ByteBuffer block = ByteBuffer.allocate(BLOCK);
        while (end > 0) {
            int length = (int) Math.min(BLOCK, end);
            long start = end - length;
            block.clear().limit(length);
            readFully(channel, block, start);
            for (int i = length - 1; i >= 0; i--) {
                if (block.get(i) == '\n') {
                    return start + i + 1;
                }
            }
            end = start;
        }
        return 0;
    }

    private static void readFully(FileChannel channel, ByteBuffer into, long position) throws IOException {
        while (into.hasRemaining()) {
            int n = channel.read(into, position + into.position());
            if (n < 0) {
                throw new IOException("file shrank while reading it");
            }
        }
    }

    /** Sees each whole line of a scan. */
    interface LineVisitor {
        /**
         * @param start the line's first byte in the file; the line has {@code end - 1 - start} bytes
         * @param line its bytes without the {@code \n}, from index 0, in an array reused for the next line; null
         *     when the scan does not copy lines or the line is longer than the scan's limit
         * @param end just after its {@code \n}
         * @return whether to go on
         */
        boolean visit(long start, byte[] line, long end);
    }

    /**
     * How a scan ended.
     *
     * @param resume just after the last whole line visited: where the next scan starts
     * @param stopped true if the visitor stopped it, false if it reached the end of the whole lines
     */
    record Scan(long resume, boolean stopped) {}

    /**
     * Visits the whole lines from {@code from} on, in order. Bytes after the last {@code \n} are not a line (a record
     * being written, or torn by a crash) and are never visited.
     *
     * @param copyLimit lines up to this many bytes are handed to the visitor; 0 to hand over none
     */
    static Scan scan(FileChannel channel, long from, int copyLimit, LineVisitor visitor) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(BLOCK);
        byte[] line = new byte[copyLimit == 0 ? 0 : Math.min(copyLimit, 1024)];
        int length = 0;
        boolean tooLong = copyLimit == 0;
        long position = from;
        long lineStart = from;
        int n;
        while ((n = channel.read(block.clear(), position)) > 0) {
            byte[] bytes = block.array();
            for (int i = 0; i < n; i++) {
                byte b = bytes[i];
                if (b == '\n') {
                    long end = position + i + 1;
                    boolean more = visitor.visit(lineStart, tooLong ? null : line, end);
                    lineStart = end;
                    length = 0;
                    tooLong = copyLimit == 0;
                    if (!more) {
                        return new Scan(end, true);
                    }
                } else if (!tooLong) {
                    if (length == copyLimit) {
                        tooLong = true;
                    } else {
                        if (length == line.length) {
                            line = Arrays.copyOf(line, (int) Math.min(copyLimit, 2L * line.length));
                        }
                        line[length++] = b;
                    }
                }
            }
            position += n;
        }
        return new Scan(lineStart, false);
    }

    /** The bytes {@code [start, start + length)} of the file. */
    static byte[] read(FileChannel channel, long start, int length) throws IOException {
        ByteBuffer bytes = ByteBuffer.allocate(length);
        readFully(channel, bytes, start);
        return bytes.array();
    }
}
